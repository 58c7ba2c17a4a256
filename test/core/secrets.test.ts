import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MIN_SECRET_LENGTH, requireSecrets, secretsProblem, splitSecrets } from '../../src/core/secrets.ts';
import { MacKeys, Signer } from '../../src/core/signing.ts';

const LONG = 'a-secret-that-is-long-enough-to-sign-0123';
const OLD = 'an-older-secret-that-is-also-long-enough-9';

describe('the one secrets check', () => {
  it('splits a comma-separated list, newest first, dropping blanks', () => {
    assert.deepEqual(splitSecrets(' new , old,, '), ['new', 'old']);
  });

  it('names what is wrong: missing, weak, or nothing', () => {
    assert.equal(secretsProblem([]), 'missing');
    assert.equal(secretsProblem([LONG, 'short']), 'weak');
    assert.equal(secretsProblem([LONG, 42]), 'weak');
    assert.equal(secretsProblem([LONG, OLD]), undefined);
    assert.equal(secretsProblem(['keyboard cat'], 1), undefined, 'a caller may set its own minimum');
    assert.equal(secretsProblem([''], 1), 'weak');
  });

  it('requireSecrets accepts a list or a comma-separated string and throws ERR_SESSION_CONFIG naming whose secrets', () => {
    assert.deepEqual(requireSecrets(`${LONG},${OLD}`, 'session'), [LONG, OLD]);
    assert.deepEqual(requireSecrets([LONG], 'session'), [LONG]);
    assert.throws(() => requireSecrets(undefined, 'cookie store'), { code: 'ERR_SESSION_CONFIG', message: /cookie store secret.*SESSION_SECRET/ });
    assert.throws(() => requireSecrets(' , ', 'session'), { code: 'ERR_SESSION_CONFIG', message: /At least one session secret/ });
    assert.throws(() => requireSecrets(['short'], 'session'), { code: 'ERR_SESSION_CONFIG', message: new RegExp(`at least ${MIN_SECRET_LENGTH} characters`) });
  });
});

describe('signing', () => {
  it('the newest secret signs, every one verifies, and the answer says which', () => {
    const old = new Signer([OLD]);
    const rotated = new Signer(`${LONG},${OLD}`);
    assert.deepEqual(rotated.verify(old.sign('id')), { payload: 'id', current: false });
    assert.deepEqual(rotated.verify(rotated.sign('id')), { payload: 'id', current: true });
    assert.equal(new Signer([LONG]).unsign(old.sign('id')), null);
  });

  it('refuses weak secrets through the shared check', () => {
    assert.throws(() => new Signer([]), { code: 'ERR_SESSION_CONFIG' });
    assert.throws(() => new Signer(['short']), { code: 'ERR_SESSION_CONFIG', message: /at least 32/ });
  });

  it('MacKeys spells the same MAC in base64url or in unpadded base64', () => {
    const url = new MacKeys([LONG]).sign('payload');
    const plain = new MacKeys([LONG], 'base64').sign('payload');
    assert.equal(url.length, 43);
    assert.equal(plain, url.replace(/-/g, '+').replace(/_/g, '/'));
    assert.equal(new MacKeys([OLD, LONG], 'base64').match('payload', plain), 1);
    assert.equal(new MacKeys([OLD], 'base64').match('payload', plain), -1);
    assert.equal(new MacKeys([LONG], 'base64').match('payload', url === plain ? `${plain}x` : url), -1, 'one spelling per MAC');
  });
});
