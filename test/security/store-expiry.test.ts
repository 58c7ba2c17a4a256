import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStore } from '../../src/index.ts';
import { CookieStore } from '../../src/stores/cookie.ts';
import { pairOf, SECRET, setup } from './helpers.ts';

// The core checks expiry itself on whatever a store returns: a store that hands back an expired
// record (a cache that ignores TTLs, a third-party store with a bug, a replica lagging behind a
// sweep) must not revive the session.
class ForgetfulStore extends MemoryStore {
  override get(key: string, _now: number): ReturnType<MemoryStore['get']> {
    // Ask as if it were the distant past: the memory store then returns what has expired.
    return super.get(key, 0);
  }
}

describe('the core\'s own expiry check on what a store returns', () => {
  it('an expired record returned by the store is not a session', async () => {
    const store = new ForgetfulStore({ sweepInterval: 0 });
    const { manager, advance } = setup({ store });
    const s = await manager.load(undefined);
    s.set('username', 'ada');
    s.setExpiry(60);
    const cookie = pairOf((await manager.commit(s, { status: 200 })).setCookie);
    advance(59_000);
    assert.equal((await manager.load(cookie)).get('username'), 'ada');
    advance(1_000);
    const later = await manager.load(cookie);
    assert.equal(later.get('username'), undefined);
    assert.equal(later.isNew, true);
  });
});

describe('absolute timeout (ASVS V7.3): a session ends a fixed time after login, whatever the activity', () => {
  const HOUR = 3_600_000;

  it('a server session used every hour still ends absoluteTimeout after its login', async () => {
    const { manager, advance } = setup({ absoluteTimeout: 8 * 3600 });
    let s = await manager.load(undefined);
    s.login('ada');
    let cookie = pairOf((await manager.commit(s, { status: 200 })).setCookie);
    for (let h = 1; h < 8; h++) {
      advance(HOUR);
      s = await manager.load(cookie);
      assert.equal(s.userId, 'ada', `hour ${h}`);
      s.set('seen', h);
      const { setCookie } = await manager.commit(s, { status: 200 });
      if (setCookie) cookie = pairOf(setCookie);
    }
    advance(HOUR);
    assert.equal((await manager.load(cookie)).userId, null, 'over after 8 hours');
  });

  it('is enforced on load from createdAt, also for records written before it was configured', async () => {
    const store = new MemoryStore({ sweepInterval: 0 });
    const before = setup({ store });
    const s = await before.manager.load(undefined);
    s.login('ada');
    const cookie = pairOf((await before.manager.commit(s, { status: 200 })).setCookie); // expires in two weeks
    const after = setup({ store, absoluteTimeout: 8 * 3600 });
    assert.equal((await after.manager.load(cookie)).userId, 'ada');
    after.advance(8 * HOUR);
    assert.equal((await after.manager.load(cookie)).userId, null, 'the stored expiry is two weeks away, the login 8 hours ago');
  });

  it('the cookie and the record never outlive the deadline: Max-Age counts down to it', async () => {
    const { manager, advance } = setup({ absoluteTimeout: 3600, touchAfter: 60 });
    const s = await manager.load(undefined);
    s.login('ada');
    const first = (await manager.commit(s, { status: 200 })).setCookie!;
    assert.match(first, /Max-Age=3600;/);
    advance(30 * 60_000);
    const again = await manager.load(pairOf(first));
    again.set('k', 1);
    assert.equal((await manager.commit(again, { status: 200 })).setCookie, undefined, 'nothing to renew: the cookie already ends at the deadline');
    const longer = await manager.load(pairOf(first));
    longer.setExpiry(7200); // asks for two more hours: gets what is left before the deadline
    assert.match((await manager.commit(longer, { status: 200 })).setCookie!, /Max-Age=1800;/);
    assert.equal(longer.expiryAge, 1800);
  });

  it('a login restarts the clock (the absolute timeout counts from login, not from the anonymous session)', async () => {
    const { manager, advance } = setup({ absoluteTimeout: 3600 });
    const anon = await manager.load(undefined);
    anon.set('theme', 'dark');
    const cookie = pairOf((await manager.commit(anon, { status: 200 })).setCookie);
    advance(50 * 60_000);
    const s = await manager.load(cookie);
    s.login('ada');
    const user = pairOf((await manager.commit(s, { status: 200 })).setCookie);
    advance(50 * 60_000);
    assert.equal((await manager.load(user)).userId, 'ada');
  });

  it('a cookie-store cookie cannot be refreshed for ever: re-sealing keeps the sealed creation time', async () => {
    const { manager, advance } = setup({ store: new CookieStore({ secrets: [SECRET] }), absoluteTimeout: 3600, touchAfter: 60 });
    let s = await manager.load(undefined);
    s.login('ada');
    let cookie = pairOf((await manager.commit(s, { status: 200 })).setCookie);
    for (let i = 0; i < 5; i++) {
      advance(10 * 60_000);
      s = await manager.load(cookie);
      assert.equal(s.userId, 'ada');
      s.set('tick', i); // every request re-seals the cookie
      cookie = pairOf((await manager.commit(s, { status: 200 })).setCookie);
    }
    advance(10 * 60_000);
    assert.equal((await manager.load(cookie)).userId, null);
  });
});

describe('idle timeout, distinct from the cookie\'s maxAge', () => {
  it('ends a session left alone for idleTimeout though its cookie has days left; activity keeps it', async () => {
    const { manager, advance, store } = setup({ idleTimeout: 1800, rolling: false });
    const s = await manager.load(undefined);
    s.login('ada');
    const cookie = pairOf((await manager.commit(s, { status: 200 })).setCookie);
    for (let i = 0; i < 6; i++) {
      advance(20 * 60_000); // 2 hours in all, never 30 minutes idle
      const again = await manager.load(cookie);
      assert.equal(again.userId, 'ada', `after ${(i + 1) * 20} minutes`);
      const { setCookie } = await manager.commit(again, { status: 200 });
      assert.equal(setCookie, undefined, 'recording the request does not touch the cookie');
    }
    assert.ok(store.calls.touch > 0, 'requests were recorded with touch (no data rewrite)');
    advance(30 * 60_000);
    assert.equal((await manager.load(cookie)).userId, null);
  });
});

describe('recent login ("sudo mode")', () => {
  it('authenticatedAt is the login time; requireRecentLogin refuses an older one with ERR_SESSION_REAUTH (403)', async () => {
    const { manager, advance, now } = setup();
    const s = await manager.load(undefined);
    assert.equal(s.authenticatedAt, null);
    assert.throws(() => s.requireRecentLogin(300), { code: 'ERR_SESSION_REAUTH', status: 403 });
    s.login('ada');
    assert.equal((s.authenticatedAt as Date | null)?.getTime(), now());
    const cookie = pairOf((await manager.commit(s, { status: 200 })).setCookie);
    advance(299_000);
    assert.doesNotThrow(() => (manager.loadNow(cookie) as typeof s).requireRecentLogin(300));
    advance(1_000);
    const stale = await manager.load(cookie);
    assert.throws(() => stale.requireRecentLogin(300), { code: 'ERR_SESSION_REAUTH', status: 403 });
    stale.reauthenticated();
    assert.doesNotThrow(() => stale.requireRecentLogin(300));
    const fresh = pairOf((await manager.commit(stale, { status: 200 })).setCookie);
    assert.notEqual(fresh, cookie, 'a re-authentication changes the ID');
    assert.doesNotThrow(() => (manager.loadNow(fresh) as typeof s).requireRecentLogin(300));
    assert.throws(() => stale.requireRecentLogin(0), { code: 'ERR_SESSION_CONFIG' });
  });
});
