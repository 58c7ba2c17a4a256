/** The Django module's own rules, without Django: key scheme, URLs, bounds. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { DJANGO_SESSION_IDS, DjangoSigner, DjangoSignedCookieStore, createDjangoStore, djangoManagerOptions } from '../../src/django/index.ts';
import { createStore } from '../../src/stores/from-url.ts';
import { saltedHmac } from '../../src/django/signing.ts';
import { closedPort } from '../helpers/services.ts';

const KEY = 'units-test-key-0123456789abcdefghijklmnopqrstuvwxyz';

describe('cloakroom/django rules', () => {
  it("mints Django's keys (32 of a-z0-9) and lets nothing else reach a store", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const id = DJANGO_SESSION_IDS.generate();
      assert.match(id, /^[a-z0-9]{32}$/);
      seen.add(id);
      assert.deepEqual(DJANGO_SESSION_IDS.read(DJANGO_SESSION_IDS.cookieValue(id)), { id, current: true });
      assert.equal(DJANGO_SESSION_IDS.storeKey(id), id, 'Django keeps the raw key');
    }
    assert.equal(seen.size, 200);
    for (const bad of ['', 'short', 'A'.repeat(32), `${'a'.repeat(31)}'`, 'a'.repeat(41), '../../etc/passwd', 'a b'.repeat(11)]) {
      assert.equal(DJANGO_SESSION_IDS.read(bad), null, bad);
    }
  });

  it('bounds an authentic zlib bomb instead of inflating it', () => {
    const salt = 's';
    const json = Buffer.concat([Buffer.from('{"a":"'), Buffer.alloc(20 * 1024 * 1024, 0x61), Buffer.from('"}')]);
    const bomb = `.${deflateSync(json).toString('base64url')}`;
    const value = `${bomb}:1`;
    const sig = saltedHmac(`${salt}signer`, value, KEY).toString('base64url');
    assert.equal(new DjangoSigner({ secretKey: KEY, salt }).loads(`${value}:${sig}`), null);
  });

  it('refuses a signed cookie too large for a browser', () => {
    const store = new DjangoSignedCookieStore({ secretKey: KEY });
    const random = randomBytes(3000).toString('base64'); // incompressible
    assert.throws(() => store.seal({ data: { blob: JSON.stringify(random) }, expiresAt: Date.now() + 1000, createdAt: 0, lastSeenAt: 0, userId: null, userAgent: null }), {
      code: 'ERR_SESSION_TOO_LARGE',
    });
  });

  it('needs DJANGO_SECRET_KEY, and names the accepted forms for a bad URL', async () => {
    const saved = process.env.DJANGO_SECRET_KEY;
    delete process.env.DJANGO_SECRET_KEY;
    try {
      await assert.rejects(createStore('django+sqlite:/nonexistent/db.sqlite3'), { code: 'ERR_SESSION_CONFIG', message: /DJANGO_SECRET_KEY/ });
    } finally {
      if (saved !== undefined) process.env.DJANGO_SECRET_KEY = saved;
    }
    const django = { secretKey: KEY };
    await assert.rejects(createDjangoStore('django+ftp://x', { django }), { code: 'ERR_SESSION_CONFIG', message: /Django forms/ });
    await assert.rejects(createDjangoStore('django+cached-db+sqlite:x', { django }), { code: 'ERR_SESSION_CONFIG' });
    await assert.rejects(createDjangoStore('django+sqlite:/nonexistent/dir/db.sqlite3', { django }), { code: 'ERR_STORE_UNAVAILABLE' });
    await assert.rejects(createDjangoStore(`django+redis://127.0.0.1:${await closedPort()}`, { django }), { code: 'ERR_STORE_UNAVAILABLE', message: /unreachable/ });
    const signed = await createStore('django-signed-cookies:', { django });
    assert.equal(signed.name, 'django-signed-cookies:');
  });

  it("mirrors Django's cookie settings", () => {
    const o = djangoManagerOptions({ SESSION_COOKIE_AGE: 600, SESSION_COOKIE_SECURE: true, SESSION_COOKIE_SAMESITE: 'Strict', SESSION_COOKIE_DOMAIN: '.example.com' });
    assert.deepEqual(o.cookie, { name: 'sessionid', maxAge: 600, path: '/', secure: true, httpOnly: true, sameSite: 'strict', domain: '.example.com' });
    assert.equal(o.rolling, false, "Django's sessions expire SESSION_COOKIE_AGE after the last save");
  });
});
