import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { serialize } from 'cookie';
import { resolveCookieOptions, sessionCookie, deletionCookie } from '../../src/core/cookie.ts';

describe('session Set-Cookie', () => {
  it('is exactly what the cookie library serializes, for any options and times', () => {
    const options = fc.record(
      {
        name: fc.constantFrom('sessionid', 'sid', '__Host-s'),
        path: fc.constantFrom('/', '/app', '/a/b'),
        domain: fc.constantFrom(undefined, 'example.test', 'sub.example.test'),
        secure: fc.boolean(),
        httpOnly: fc.boolean(),
        sameSite: fc.constantFrom('lax' as const, 'strict' as const),
        partitioned: fc.constantFrom(undefined, true, false),
        priority: fc.constantFrom(undefined, 'low' as const, 'medium' as const, 'high' as const),
        maxAge: fc.integer({ min: 1, max: 10_000_000 }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(options, fc.stringMatching(/^[A-Za-z0-9_.-]{1,80}$/), fc.integer({ min: 0, max: 4_000_000_000_000 }), fc.integer({ min: -5_000_000, max: 2_000_000_000 }), fc.boolean(), (o, value, now, ttl, browserClose) => {
        // A __Host- cookie is only valid Secure, host-only, at Path=/ (refused at startup otherwise).
        const resolved = resolveCookieOptions(o.name === '__Host-s' ? { ...o, secure: true, domain: undefined, path: '/' } : o);
        const expiresAt = now + ttl;
        const attrs = {
          path: resolved.path,
          domain: resolved.domain,
          secure: resolved.secure,
          httpOnly: resolved.httpOnly,
          sameSite: resolved.sameSite,
          partitioned: resolved.partitioned,
          priority: resolved.priority,
        };
        const expected = browserClose
          ? serialize(resolved.name, value, attrs)
          : serialize(resolved.name, value, {
              ...attrs,
              maxAge: Math.max(0, Math.round((expiresAt - now) / 1000)),
              expires: new Date(Math.floor(expiresAt / 1000) * 1000),
            });
        assert.equal(sessionCookie(resolved, value, browserClose ? undefined : expiresAt, now), expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('an expiry in the second before 1970 still gets its date (the remembered-second cache once answered "")', async () => {
    // fast-check's counterexample (now 0, ttl -12 ms), as the first date a fresh module renders:
    // the cache's initial "no second yet" was -1, that very second.
    const fresh = (await import(`../../src/core/cookie.ts?fresh=${Date.now()}`)) as typeof import('../../src/core/cookie.ts');
    const resolved = fresh.resolveCookieOptions();
    const expected = serialize('sessionid', '0', { path: '/', httpOnly: true, sameSite: 'lax', secure: false, maxAge: 0, expires: new Date(-1000) });
    assert.equal(fresh.sessionCookie(resolved, '0', -12, 0), expected);
  });

  it('values that need encoding still go through the library', () => {
    const resolved = resolveCookieOptions();
    assert.equal(sessionCookie(resolved, 'a b;c', undefined, 0), serialize('sessionid', 'a b;c', { path: '/', httpOnly: true, sameSite: 'lax', secure: false }));
  });

  it('the deletion cookie keeps Path, Domain and SameSite and expires at once', () => {
    const resolved = resolveCookieOptions({ path: '/app', domain: 'example.test', sameSite: 'strict', secure: true });
    assert.equal(deletionCookie(resolved), 'sessionid=; Max-Age=0; Domain=example.test; Path=/app; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Secure; SameSite=Strict');
  });
});
