/**
 * cloakroom/next, the parts that run outside a Next.js request: the read-only view Server
 * Components get, the Set-Cookie → `cookies().set()` translation, and the proxy's cheap cookie
 * check. The request-bound parts (getSession, action, route) are tested in the example app
 * (test/examples/next.test.ts), inside a real `next start`.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SessionManager, MemoryStore, SessionError, type Session } from '../../src/index.ts';
import { readOnlyView } from '../../src/adapters/next-read-only.ts';
import { nextCookieFrom } from '../../src/adapters/next-cookie.ts';
import { hasValidSessionCookie, nextSessions } from '../../src/adapters/next.ts';

type AnySession = Session<Record<string, unknown>>;

const SECRET = 'next-adapter-test-secret-0123456789abcdefghij';
const OLD_SECRET = 'next-adapter-old-secret-0123456789abcdefghij';

async function storedSession(secrets: string[] = [SECRET]) {
  const manager = new SessionManager({ store: new MemoryStore({ sweepInterval: 0 }), secrets });
  const s = await manager.load(null);
  s.set('username', 'ada');
  s.csrfToken();
  // Before login the CSRF secret lives in its own cookie: the browser sends both back.
  const { setCookie, csrfCookie } = await manager.commit(s, { status: 200 });
  const cookie = setCookie!.split(';')[0]!;
  const header = [cookie, csrfCookie!.split(';')[0]!].join('; ');
  return { manager, cookie, session: await manager.load(header) };
}

describe('cloakroom/next: the read-only session of Server Components', () => {
  it('reads work: get, has, keys, an existing CSRF token, userId', async () => {
    const { session } = await storedSession();
    const view = readOnlyView(session);
    assert.equal(view.get('username'), 'ada');
    assert.equal(view.has('username'), true);
    assert.deepEqual(view.keys(), ['username']);
    assert.equal(typeof view.csrfToken(), 'string', 'the secret exists: no write');
    assert.equal(view.isNew, false);
  });

  for (const [name, change] of [
    ['set', (s: AnySession) => s.set('username', 'eve')],
    ['delete', (s: AnySession) => s.delete('username')],
    ['flush', (s: AnySession) => s.flush()],
    ['login', (s: AnySession) => s.login('u1')],
    ['setExpiry', (s: AnySession) => s.setExpiry(60)],
  ] as const) {
    it(`${name}() throws at once, naming where writes belong`, async () => {
      const { session } = await storedSession();
      assert.throws(
        () => change(readOnlyView(session)),
        (err: unknown) => err instanceof SessionError && err.code === 'ERR_SESSION_READ_ONLY' && /Server Components cannot set cookies/.test(err.message) && /action\(…\)/.test(err.message) && /route\(…\)/.test(err.message),
      );
    });
  }

  it('a first CSRF token (which would create the secret) throws too: it could never be saved', async () => {
    const manager = new SessionManager({ store: new MemoryStore({ sweepInterval: 0 }), secrets: [SECRET] });
    const fresh = readOnlyView(await manager.load(null));
    assert.throws(() => fresh.csrfToken(), /read-only/);
  });
});

describe('cloakroom/next: Set-Cookie as cookies().set() options', () => {
  it('reads back every attribute the core writes', () => {
    const cookie = nextCookieFrom('sessionid=abc.def; Max-Age=60; Domain=example.com; Path=/app; Expires=Wed, 16 Dec 2026 06:26:50 GMT; HttpOnly; Secure; SameSite=Strict; Partitioned; Priority=High');
    assert.deepEqual(cookie, {
      name: 'sessionid',
      value: 'abc.def',
      maxAge: 60,
      domain: 'example.com',
      path: '/app',
      expires: new Date('Wed, 16 Dec 2026 06:26:50 GMT'),
      httpOnly: true,
      secure: true,
      sameSite: 'strict',
      partitioned: true,
      priority: 'high',
    });
  });

  it('a deletion cookie stays a deletion', () => {
    const cookie = nextCookieFrom('sessionid=; Max-Age=0; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax');
    assert.equal(cookie.value, '');
    assert.equal(cookie.maxAge, 0);
  });
});

describe('cloakroom/next: hasValidSessionCookie (the proxy guard)', () => {
  it('accepts a cookie signed by any of the secrets, refuses forged, missing and foreign ones', async () => {
    const { cookie } = await storedSession([OLD_SECRET]);
    assert.equal(hasValidSessionCookie(`theme=dark; ${cookie}`, { secrets: [SECRET, OLD_SECRET] }), true, 'rotation: an older secret still verifies');
    assert.equal(hasValidSessionCookie(cookie, { secrets: `${SECRET},${OLD_SECRET}` }), true);
    assert.equal(hasValidSessionCookie(cookie, { secrets: [SECRET] }), false, 'another app’s secret');
    assert.equal(hasValidSessionCookie(`${cookie.slice(0, -2)}xx`, { secrets: [SECRET, OLD_SECRET] }), false, 'a forged MAC');
    assert.equal(hasValidSessionCookie(null, { secrets: [SECRET] }), false);
    assert.equal(hasValidSessionCookie(cookie.replace('sessionid', 'other'), { secrets: [OLD_SECRET] }), false);
    assert.equal(hasValidSessionCookie(cookie.replace('sessionid', 'app_sid'), { secrets: [OLD_SECRET], cookieName: 'app_sid' }), true);
  });
});

describe('cloakroom/next: hasSession (the exact proxy guard)', () => {
  it('asks the store: a signed-out cookie is still signed, but names no session', async () => {
    const { manager, cookie } = await storedSession();
    const { hasSession } = nextSessions(manager);
    const request = (header: string | null) => new Request('http://app/account/', header ? { headers: { cookie: header } } : {});
    assert.equal(await hasSession(request(cookie)), true);
    assert.equal(await hasSession(request(null)), false);
    const ending = await manager.load(cookie);
    ending.flush();
    await manager.commit(ending, { status: 200 });
    assert.equal(hasValidSessionCookie(cookie, { secrets: [SECRET] }), true, 'the cheap check cannot know');
    assert.equal(await hasSession(request(cookie)), false, 'the store lookup does');
  });
});
