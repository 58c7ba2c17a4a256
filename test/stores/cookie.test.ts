import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CookieStore } from '../../src/stores/cookie.ts';
import type { SessionRecord } from '../../src/core/store.ts';
import { serialize } from 'cookie';

const SECRET_A = 'cookie-store-secret-A-0123456789abcdef-0123456789';
const SECRET_B = 'cookie-store-secret-B-0123456789abcdef-0123456789';
const NOW = 1_800_000_000_000;

const arbRecord: fc.Arbitrary<SessionRecord> = fc.record({
  data: fc.dictionary(fc.string({ maxLength: 20 }), fc.json({ maxDepth: 2 }), { maxKeys: 8 }),
  expiresAt: fc.integer({ min: NOW + 1, max: NOW + 10 ** 10 }),
  createdAt: fc.integer({ min: 0, max: NOW }),
  lastSeenAt: fc.integer({ min: 0, max: NOW }),
  userId: fc.option(fc.string({ maxLength: 40 }), { nil: null }),
  userAgent: fc.option(fc.string({ maxLength: 120 }), { nil: null }),
});

const record = (data: Record<string, unknown>, ttl = 60_000): SessionRecord => ({
  data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, JSON.stringify(v)])),
  expiresAt: NOW + ttl,
  createdAt: NOW,
  lastSeenAt: NOW,
  userId: null,
  userAgent: null,
});

describe('cookie store (stateless, AES-256-GCM)', () => {
  const store = new CookieStore({ secrets: [SECRET_A] });

  it('unseal(seal(r)) gives r back, for any record', () => {
    fc.assert(
      fc.property(arbRecord, (r) => {
        const value = store.seal(r);
        assert.ok(value.length <= store.maxValueLength);
        assert.match(value, /^v1\.[A-Za-z0-9_-]+$/);
        const back = store.unseal(value, NOW)!;
        assert.deepEqual({ ...back, data: { ...back.data } }, { ...r, data: { ...r.data } });
      }),
      { numRuns: 300 },
    );
  });

  it('any change to a sealed value makes it unreadable (null)', () => {
    const value = store.seal(record({ username: 'ada', admin: false }));
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ %';
    fc.assert(
      fc.property(fc.nat(value.length - 1), fc.constantFrom(...alphabet), fc.constantFrom('replace', 'insert', 'delete'), (at, ch, op) => {
        let mutated: string;
        if (op === 'replace') mutated = value.slice(0, at) + ch + value.slice(at + 1);
        else if (op === 'insert') mutated = value.slice(0, at) + ch + value.slice(at);
        else mutated = value.slice(0, at) + value.slice(at + 1);
        fc.pre(mutated !== value);
        assert.equal(store.unseal(mutated, NOW), null, `mutation ${op} at ${at} with ${ch}`);
      }),
      { numRuns: 2000 },
    );
    // Every single-character replacement, exhaustively, for payload lengths of each size mod 3, so
    // the last character's spare bits (which base64 decoders ignore) are covered too.
    for (const name of ['a', 'ab', 'abc']) {
      const sealed = store.seal(record({ [name]: 1 }));
      for (let at = 0; at < sealed.length; at++) {
        for (const ch of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_') {
          const mutated = sealed.slice(0, at) + ch + sealed.slice(at + 1);
          if (mutated !== sealed) assert.equal(store.unseal(mutated, NOW), null, `replace at ${at} with ${ch}`);
        }
      }
    }
  });

  it('random strings unseal to null and never throw', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 5000 }), fc.string({ maxLength: 500 }).map((s) => `v1.${s}`), fc.base64String().map((s) => `v1.${s}`)), (s) => {
        assert.equal(store.unseal(s, NOW), null);
      }),
      { numRuns: 2000 },
    );
    for (const odd of [undefined, null, 42, {}, [], 'v1.', 'v1..', 'v2.' + store.seal(record({ a: 1 })).slice(3)]) {
      assert.equal(store.unseal(odd as unknown as string, NOW), null);
    }
  });

  it('enforces the expiry sealed inside, whatever the cookie says', () => {
    const value = store.seal(record({ a: 1 }, 60_000));
    assert.ok(store.unseal(value, NOW + 59_999));
    assert.equal(store.unseal(value, NOW + 60_000), null);
  });

  it('each seal uses a fresh IV: the same record seals differently every time', () => {
    const r = record({ a: 1 });
    const values = new Set(Array.from({ length: 50 }, () => store.seal(r)));
    assert.equal(values.size, 50);
  });

  it('does not show the data in the clear', () => {
    const value = store.seal(record({ username: 'ada-lovelace-secret-name' }));
    const sealed = atob(value.slice(3).replace(/-/g, '+').replace(/_/g, '/'));
    assert.ok(!sealed.includes('ada-lovelace'));
  });

  it('rotates keys: the first secret seals, every secret unseals, a retired one does not', () => {
    const old = new CookieStore({ secrets: [SECRET_B] });
    const rotated = new CookieStore({ secrets: `${SECRET_A},${SECRET_B}` });
    const retired = new CookieStore({ secrets: [SECRET_A] });
    const fromOld = old.seal(record({ who: 'old' }));
    assert.deepEqual({ ...rotated.unseal(fromOld, NOW)?.data }, { who: '"old"' });
    assert.equal(retired.unseal(fromOld, NOW), null);
    const fromRotated = rotated.seal(record({ who: 'new' }));
    assert.ok(retired.unseal(fromRotated, NOW), 'new cookies are sealed with the first secret');
    assert.equal(old.unseal(fromRotated, NOW), null);
  });

  it('refuses at seal time a session whose Set-Cookie would pass 4096 bytes', () => {
    assert.equal(store.maxValueLength, 4096 - 256);
    // The largest session that fits still makes a Set-Cookie within 4096 bytes with every attribute on.
    let size = 0;
    let largest = '';
    for (let n = 2000; n < 4000; n++) {
      try {
        largest = store.seal(record({ blob: 'x'.repeat(n) }));
        size = n;
      } catch (err) {
        assert.equal((err as { code: string }).code, 'ERR_SESSION_TOO_LARGE');
        assert.match((err as Error).message, /too large for a cookie.*\d+ bytes.*at most 3840.*4096/s);
        assert.equal((err as { status: number }).status, 413);
        break;
      }
    }
    assert.ok(size > 2500, `a session of ${size} bytes fits`);
    const line = serialize('sessionid', largest, {
      maxAge: 1_209_600,
      expires: new Date(NOW),
      path: '/',
      domain: 'accounts.some-long-company-name.example.com',
      httpOnly: true,
      secure: true,
      sameSite: 'strict',
      partitioned: true,
      priority: 'medium',
    });
    const bytes = new TextEncoder().encode(line).length;
    assert.ok(bytes <= 4096, `Set-Cookie is ${bytes} bytes`);
    assert.throws(() => store.seal(record({ blob: 'x'.repeat(5000) })), { code: 'ERR_SESSION_TOO_LARGE' });
    // Multi-byte characters count as bytes, not as characters.
    assert.throws(() => store.seal(record({ blob: '🎟️'.repeat(800) })), { code: 'ERR_SESSION_TOO_LARGE' });
  });

  it('refuses missing or short secrets at startup', () => {
    assert.throws(() => new CookieStore({ secrets: [] }), { code: 'ERR_SESSION_CONFIG' });
    assert.throws(() => new CookieStore({ secrets: '' }), { code: 'ERR_SESSION_CONFIG' });
    assert.throws(() => new CookieStore({ secrets: ['short'] }), { code: 'ERR_SESSION_CONFIG', message: /32 characters/ });
  });

  it('is a stateless store', () => {
    assert.equal(store.stateless, true);
    assert.equal(store.name, 'cookie:');
  });
});
