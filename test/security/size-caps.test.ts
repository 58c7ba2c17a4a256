import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { readCookie } from '../../src/core/cookie.ts';
import { csrfTokenMatches, generateCsrfSecret, maskCsrfSecret } from '../../src/core/csrf.ts';
import { CookieStore } from '../../src/stores/cookie.ts';
import { pairOf, SECRET, setup } from './helpers.ts';
import { captureEvents } from '../helpers/observe.ts';

// Every size cap applies to the raw text, before anything decodes it: an attacker's oversized
// input is dropped for the cost of reading its length, never percent-decoded, base64-decoded,
// HMAC'd or decrypted at length. Each test watches the decoder and fails if it ran at length.
const realDecode = globalThis.decodeURIComponent;
const realFrom = Buffer.from;
let longestDecoded = 0;
function watchDecoders(): void {
  longestDecoded = 0;
  globalThis.decodeURIComponent = (s: string) => {
    longestDecoded = Math.max(longestDecoded, s.length);
    return realDecode(s);
  };
  Buffer.from = ((value: unknown, ...rest: unknown[]) => {
    if (typeof value === 'string' && (rest[0] === 'base64url' || rest[0] === 'base64')) longestDecoded = Math.max(longestDecoded, value.length);
    return (realFrom as (...a: unknown[]) => Buffer)(value, ...rest);
  }) as typeof Buffer.from;
}
afterEach(() => {
  globalThis.decodeURIComponent = realDecode;
  Buffer.from = realFrom;
});

describe('every size cap applies before decoding', () => {
  it('the session cookie: a value over 256 raw characters is dropped undecoded, even if it would decode short', () => {
    watchDecoders();
    const encoded = '%41'.repeat(100); // 300 raw characters, 100 decoded
    assert.equal(readCookie(`sessionid=${encoded}`, 'sessionid'), undefined);
    assert.equal(longestDecoded, 0, 'nothing was decoded');
    assert.equal(readCookie(`sessionid=${'%41'.repeat(80)}`, 'sessionid'), 'A'.repeat(80), 'a short encoded value is still read');
  });

  it('the cookie store: a sealed value over maxValueLength raw is no session, even percent-encoded from a valid one', async () => {
    const store = new CookieStore({ secrets: [SECRET] });
    const captured = captureEvents();
    const { manager } = setup({ store, ...captured.options });
    const s = await manager.load(undefined);
    s.set('notes', 'n'.repeat(1200));
    const cookie = pairOf((await manager.commit(s, { status: 200 })).setCookie);
    const value = cookie.slice('sessionid='.length);
    assert.equal((await manager.load(cookie)).get('notes'), 'n'.repeat(1200));
    const encoded = [...value].map((c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join('');
    assert.ok(encoded.length > store.maxValueLength && value.length <= store.maxValueLength);
    watchDecoders();
    const forged = await manager.load(`sessionid=${encoded}`);
    assert.equal(forged.get('notes'), undefined);
    assert.equal(longestDecoded, 0, 'nothing was decoded');
    assert.equal(store.unseal(`v1.${'A'.repeat(store.maxValueLength + 1)}`, Date.now()), null);
    assert.equal(longestDecoded, 0, 'unseal refused it by length, before base64');
    assert.deepEqual(captured.take(), ['security.malformed-cookie oversized'], 'reported, measured raw');
  });

  it('the CSRF token: anything but 86 characters is refused before base64 decoding', () => {
    const secret = generateCsrfSecret();
    const token = maskCsrfSecret(secret);
    watchDecoders();
    assert.equal(csrfTokenMatches(secret, token + 'A'.repeat(100_000)), false);
    assert.equal(longestDecoded, 0);
    assert.equal(csrfTokenMatches(secret, token), true);
  });

  it('the CSRF cookie: a value over 128 characters is not verified', async () => {
    const captured = captureEvents();
    const { manager } = setup(captured.options);
    const anon = await manager.load(undefined);
    const token = anon.csrfToken();
    const csrf = pairOf((await manager.commit(anon, { status: 200 })).csrfCookie);
    assert.doesNotThrow(() => manager.checkCsrf(manager.loadNow(csrf) as typeof anon, 'POST', token));
    watchDecoders();
    const long = `csrftoken=${'%63'.repeat(60)}`; // 180 raw characters
    assert.throws(() => manager.checkCsrf(manager.loadNow(long) as typeof anon, 'POST', token), { code: 'ERR_CSRF' });
    assert.equal(longestDecoded, 0);
    assert.deepEqual(captured.take(), ['security.csrf-refused invalid']);
  });
});
