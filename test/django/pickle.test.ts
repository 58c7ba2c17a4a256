/** The pickle subset Django's Redis cache writes for sessions, byte for byte against real Django. */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { PickleError, pickle, unpickle } from '../../src/django/pickle.ts';
import { DjangoOracle, djangoOrSkip } from './python.ts';

const SESSIONS: Record<string, unknown>[] = [
  {},
  { username: 'ada' },
  { username: 'Zoë 😀 中文', n: 42, big: 70000, neg: -5, huge: 2 ** 40, f: 1.5, t: true, nil: null, l: [1, 'two', [3]], d: { x: 'é', y: {} } },
  { long: 'x'.repeat(300), list: Array.from({ length: 1005 }, (_, i) => i), one: [7] },
  { _auth_user_id: '1', _auth_user_backend: 'django.contrib.auth.backends.ModelBackend', _auth_user_hash: 'ab'.repeat(32), _session_expiry: 300 },
];

describe("Django's Redis cache pickles, against real Django", { skip: djangoOrSkip() }, () => {
  let django: DjangoOracle;
  before(() => {
    django = new DjangoOracle({ DJANGO_SECRET_KEY: 'pickle-test-key-0123456789abcdefghijklmnopqrstuvwxyz' });
  });
  after(() => django?.close());

  it('writes the bytes RedisSerializer.dumps writes, and reads them back', async () => {
    for (const session of SESSIONS) {
      const theirs = Buffer.from(await django.ask<string>({ op: 'pickle', obj: session }), 'base64');
      assert.equal(pickle(session).toString('base64'), theirs.toString('base64'), JSON.stringify(session).slice(0, 60));
      assert.deepEqual(unpickle(theirs), session);
      assert.deepEqual(await django.ask({ op: 'unpickle', b64: pickle(session).toString('base64') }), session);
    }
  });

  it('refuses objects (a pickled datetime: GLOBAL + REDUCE), bytes and garbage without running anything', () => {
    const datetime = Buffer.from('gASVKgAAAAAAAACMCGRhdGV0aW1llIwIZGF0ZXRpbWWUk5RDCgfqDAIGAAAAAACUhZRSlC4=', 'base64');
    assert.throws(() => unpickle(datetime), PickleError);
    for (const bad of [Buffer.alloc(0), Buffer.from([0x80, 0x05]), Buffer.from('garbage'), Buffer.from([0x80, 0x05, 0x7d, 0x2e, 0x2e]), Buffer.from([0x80, 0x05, 0x43, 0x01, 0x41, 0x2e])]) {
      assert.throws(() => unpickle(bad), PickleError, bad.toString('hex'));
    }
  });
});
