import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SessionManager, MemoryStore } from '../../src/index.ts';
import { CookieStore } from '../../src/stores/cookie.ts';
import { resolveCookieOptions } from '../../src/core/cookie.ts';
import { SECRET } from './helpers.ts';

// Issue 13 §4 "Configuration refused at startup, not on the first request".
const store = new MemoryStore({ sweepInterval: 0 });
const make = (options: Record<string, unknown>) => () => new SessionManager({ store, secrets: [SECRET], ...options });

describe('configuration a browser would reject is refused at startup', () => {
  it('a __Host- cookie without Secure, with a Domain, or with a Path other than /', () => {
    assert.throws(make({ cookie: { name: '__Host-sid' } }), { code: 'ERR_SESSION_CONFIG', message: /__Host-/ });
    assert.throws(make({ cookie: { name: '__Host-sid', secure: true, domain: 'example.com' } }), { code: 'ERR_SESSION_CONFIG' });
    assert.throws(make({ cookie: { name: '__Host-sid', secure: true, path: '/app' } }), { code: 'ERR_SESSION_CONFIG' });
    assert.ok(make({ cookie: { name: '__Host-sid', secure: true } })());
    // The rule lives in the cookie options themselves (the CSRF cookie takes the prefix too).
    for (const cookie of [{ name: '__Host-sid' }, { name: '__Host-sid', secure: true, domain: 'example.com' }, { name: '__Host-sid', secure: true, path: '/app' }]) {
      assert.throws(() => resolveCookieOptions(cookie), { code: 'ERR_SESSION_CONFIG', message: /__Host-/ }, JSON.stringify(cookie));
    }
  });

  it('a __Secure- cookie without Secure', () => {
    assert.throws(make({ cookie: { name: '__Secure-sid' } }), { code: 'ERR_SESSION_CONFIG' });
  });

  it('a ";" (or a control character) in the path or the domain', () => {
    for (const cookie of [{ path: '/; Domain=evil.example' }, { path: 'app' }, { path: '/a\nb' }, { domain: 'example.com; Secure' }, { domain: 'a b.example' }]) {
      assert.throws(make({ cookie }), { code: 'ERR_SESSION_CONFIG' }, JSON.stringify(cookie));
    }
  });

  it('SameSite=None without Secure (browsers drop the cookie)', () => {
    assert.throws(make({ cookie: { sameSite: 'none' } }), { code: 'ERR_SESSION_CONFIG', message: /secure/ });
    assert.ok(make({ cookie: { sameSite: 'none', secure: true } })());
  });

  it('a trivially weak secret: 32 spaces, one repeated character, a short cycle', () => {
    for (const weak of [' '.repeat(32), 'a'.repeat(32), 'x'.repeat(64), 'ab'.repeat(20), '0123'.repeat(10), ` ${SECRET}`]) {
      assert.throws(() => new SessionManager({ store, secrets: [SECRET, weak] }), { code: 'ERR_SESSION_CONFIG', message: /trivially weak/ }, JSON.stringify(weak));
    }
    // The message names the problem, never the secret.
    assert.throws(() => new SessionManager({ store, secrets: ['q'.repeat(40)] }), (err: Error) => !err.message.includes('qqqq'));
  });

  it('a cookie store without secrets is a SessionError with a code, not a TypeError', () => {
    for (const options of [undefined, {}, { secrets: '' }, { secrets: [] }, null]) {
      assert.throws(() => new CookieStore(options as never), { name: 'SessionError', code: 'ERR_SESSION_CONFIG', message: /secret/ }, JSON.stringify(options));
    }
    assert.throws(() => new CookieStore({ secrets: ['z'.repeat(40)] }), { code: 'ERR_SESSION_CONFIG', message: /trivially weak/ });
  });

  it('a CSRF cookie name that is not a token, or equals the session cookie\'s', () => {
    assert.throws(make({ csrfCookieName: 'bad name' }), { code: 'ERR_SESSION_CONFIG' });
    assert.throws(make({ csrfCookieName: 'sessionid' }), { code: 'ERR_SESSION_CONFIG' });
  });
});
