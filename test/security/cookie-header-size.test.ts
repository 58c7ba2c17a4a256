import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readCookie, MAX_COOKIE_HEADER } from '../../src/core/cookie.ts';
import { pairOf, setup } from './helpers.ts';

// Issue 13 §4 "Silent logout past 8 KiB": a Cookie header longer than 8,192 characters used to
// hide the session cookie, though Node accepts 16 KiB of headers, so anyone able to set cookies
// on a parent domain could sign users out. The cookie is now found anywhere Node lets a header be.
describe('a long Cookie header does not hide the session cookie', () => {
  it('finds the session after 12 KiB of other cookies (what a parent domain can set)', async () => {
    const { manager } = setup();
    const s = await manager.load(undefined);
    s.set('username', 'ada');
    const cookie = pairOf((await manager.commit(s, { status: 200 })).setCookie);
    const padding = Array.from({ length: 12 }, (_, i) => `pad${i}=${'x'.repeat(1000)}`).join('; ');
    const header = `${padding}; ${cookie}`;
    assert.ok(header.length > 12_000 && header.length < MAX_COOKIE_HEADER);
    const again = await manager.load(header);
    assert.equal(again.get('username'), 'ada');
  });

  it('the limit is Node\'s own header limit (16 KiB), not less', () => {
    assert.equal(MAX_COOKIE_HEADER, 16_384);
    const header = `${'a'.repeat(MAX_COOKIE_HEADER - 20)}; sid=value`;
    assert.equal(readCookie(header.slice(0, MAX_COOKIE_HEADER), 'sid'), 'value');
    assert.equal(readCookie(`${'a'.repeat(MAX_COOKIE_HEADER)}; sid=value`, 'sid'), undefined, 'beyond it, nothing is read');
  });

  it('matches whole names only, the first of duplicates, with the library\'s decoding', () => {
    assert.equal(readCookie('xsessionid=1; sessionid=2', 'sessionid'), '2');
    assert.equal(readCookie('sessionidx=1; sessionid=2', 'sessionid'), '2');
    assert.equal(readCookie('a=sessionid=1; sessionid=2', 'sessionid'), '2');
    assert.equal(readCookie('sessionid=1; sessionid=2', 'sessionid'), '1');
    assert.equal(readCookie(' sessionid = a%20b ;x=1', 'sessionid'), 'a b');
    assert.equal(readCookie('sessionid=', 'sessionid'), undefined);
    assert.equal(readCookie('sessionid', 'sessionid'), undefined);
  });

  it('a header of thousands of near-misses is one bounded pass (never an error)', () => {
    const nearMisses = 'sessionid'.repeat(Math.floor(MAX_COOKIE_HEADER / 9));
    assert.equal(readCookie(nearMisses, 'sessionid'), undefined);
    assert.equal(readCookie(`${'sessionidX=1;'.repeat(1200)}sessionid=ok`, 'sessionid'), 'ok');
  });
});
