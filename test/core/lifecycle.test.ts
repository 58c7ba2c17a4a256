import { describe, it, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { SessionManager, MemoryStore, Signer, storeKeyFor, type SessionManagerOptions } from '../../src/index.ts';
import { countingStore } from '../helpers/counting-store.ts';
import { captureEvents } from '../helpers/observe.ts';

const SECRET = 'lifecycle-test-secret-0123456789abcdefghij';
const cookiePair = (setCookie: string | undefined) => setCookie!.split(';')[0]!;

function setup(options: Partial<SessionManagerOptions> = {}) {
  let clock = Date.UTC(2026, 0, 1);
  const store = countingStore(new MemoryStore({ sweepInterval: 0 }));
  const manager = new SessionManager<Record<string, unknown>>({ store, secrets: [SECRET], now: () => clock, ...options });
  return { store, manager, advance: (ms: number) => (clock += ms), now: () => clock };
}

/** For tests that provoke warnings on purpose: the events are asserted instead of printed. */
function provoking(options: Partial<SessionManagerOptions> = {}) {
  const captured = captureEvents();
  return { ...setup({ ...captured.options, ...options }), warnings: captured.take };
}

async function saved(manager: SessionManager<Record<string, unknown>>, data: Record<string, unknown> = { username: 'ada' }) {
  const s = await manager.load(undefined);
  for (const [k, v] of Object.entries(data)) s.set(k, v);
  const result = await manager.commit(s, { status: 200 });
  return { cookie: cookiePair(result.setCookie), id: s.id!, result };
}

describe('lifecycle: no cookie, nothing written', () => {
  it('makes zero store calls and sends no Set-Cookie', async () => {
    const { store, manager } = setup();
    const s = await manager.load(undefined);
    const r = await manager.commit(s, { status: 200 });
    assert.equal(store.total(), 0);
    assert.equal(r.setCookie, undefined);
    assert.equal(r.vary, false);
  });

  it('reading an empty session costs nothing either, but varies on Cookie', async () => {
    const { store, manager } = setup();
    const s = await manager.load('other=1; theme=dark');
    assert.equal(s.get('username', 'Guest'), 'Guest');
    const r = await manager.commit(s, { status: 200 });
    assert.equal(store.total(), 0);
    assert.equal(r.setCookie, undefined);
    assert.equal(r.vary, true);
  });
});

describe('lifecycle: IDs are never adopted', () => {
  let env: ReturnType<typeof setup>;
  beforeEach(() => {
    env = setup();
  });

  it('an unknown but correctly signed ID is not adopted and creates nothing', async () => {
    const forgedId = 'A'.repeat(32);
    const signed = new Signer([SECRET]).sign(forgedId);
    const s = await env.manager.load(`sessionid=${signed}`);
    assert.equal(s.isNew, true);
    assert.equal(s.id, null);
    const r = await env.manager.commit(s, { status: 200 });
    assert.equal(env.store.calls.create, 0);
    assert.match(r.setCookie!, /^sessionid=; Max-Age=0/, 'the stale cookie is deleted');
    assert.equal(r.vary, true, 'an answer that depends on the request cookie varies on it');
    s.set('x', 1);
    const r2 = await env.manager.commit(s, { status: 200 });
    assert.notEqual(s.id, forgedId, 'saving mints a fresh ID');
    assert.ok(!r2.setCookie!.includes(forgedId));
  });

  it('a forged, unsigned or malformed value costs no store call', async () => {
    const env = provoking();
    const { id } = await saved(env.manager);
    env.store.reset();
    const bad = [
      `sessionid=${id}`, // unsigned
      `sessionid=${id}.${'A'.repeat(43)}`, // wrong MAC
      `sessionid=${new Signer(['another-secret-0123456789abcdefghijkl']).sign(id)}`,
      `sessionid=${new Signer([SECRET]).sign('short')}`, // signed but not an ID
      `sessionid=${new Signer([SECRET]).sign('../../etc/passwd/../../../xxxxxx')}`,
      'sessionid=%E0%A4%A', // broken percent-encoding
      `sessionid=${'x'.repeat(5000)}`,
      'sessionid',
      '__proto__=1; constructor=2',
      `${'a=b; '.repeat(3000)}`,
    ];
    for (const header of bad) {
      const s = await env.manager.load(header);
      assert.equal(s.isNew, true, header.slice(0, 60));
    }
    assert.equal(env.store.calls.get, 0);
    assert.deepEqual(env.warnings(), [
      'security.malformed-cookie format',
      'security.bad-signature',
      'security.bad-signature',
      'security.malformed-cookie format',
      'security.malformed-cookie format',
      'security.malformed-cookie format',
      'security.malformed-cookie oversized',
    ]);
  });

  it('an expired record is not adopted, even if the store still returns it', async () => {
    const { cookie } = await saved(env.manager);
    env.advance(1_209_600_000 + 1);
    const s = await env.manager.load(cookie);
    assert.equal(s.isNew, true);
    assert.equal(s.get('username'), undefined);
  });

  it('expiry is enforced from the stored record, not the cookie', async () => {
    const { manager, advance } = env;
    const s = await manager.load(undefined);
    s.set('username', 'ada');
    s.setExpiry(60);
    const { setCookie } = await manager.commit(s, { status: 200 });
    assert.match(setCookie!, /Max-Age=60/);
    advance(61_000);
    // A client that ignores Max-Age and replays the cookie gets nothing.
    assert.equal((await manager.load(cookiePair(setCookie))).get('username'), undefined);
  });
});

describe('lifecycle: saving', () => {
  it('saves only when modified; a read-only request writes nothing', async () => {
    const { store, manager } = setup();
    const { cookie } = await saved(manager);
    store.reset();
    const s = await manager.load(cookie);
    assert.equal(s.get('username'), 'ada');
    const r = await manager.commit(s, { status: 200 });
    assert.deepEqual([store.calls.get, store.calls.update, store.calls.touch, store.calls.create], [1, 0, 0, 0]);
    assert.equal(r.setCookie, undefined);
    assert.equal(r.vary, true);
  });

  it('saveEveryRequest writes and re-sends the cookie on every request', async () => {
    const { store, manager } = setup({ saveEveryRequest: true });
    const { cookie } = await saved(manager);
    store.reset();
    const s = await manager.load(cookie);
    const r = await manager.commit(s, { status: 200 });
    assert.equal(store.calls.update, 1);
    assert.match(r.setCookie!, /^sessionid=/);
  });

  it('writes only the keys the request changed', async () => {
    const { manager, store } = setup();
    const { cookie } = await saved(manager, { a: 1, b: 2 });
    const s1 = await manager.load(cookie);
    const s2 = await manager.load(cookie);
    s1.set('a', 10);
    s2.set('b', 20);
    await manager.commit(s1, { status: 200 });
    await manager.commit(s2, { status: 200 });
    const s3 = await manager.load(cookie);
    assert.deepEqual(Object.fromEntries(s3.entries()), { a: 10, b: 20 });
    assert.ok(store.calls.update >= 2);
  });

  it('a session emptied by the handler deletes its record and its cookie', async () => {
    const { manager } = setup({ cookie: { path: '/app', domain: 'example.test', sameSite: 'strict' } });
    const { cookie, id } = await saved(manager);
    const s = await manager.load(cookie);
    s.delete('username');
    const r = await manager.commit(s, { status: 200 });
    assert.match(r.setCookie!, /^sessionid=; Max-Age=0; Domain=example\.test; Path=\/app; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Strict$/);
    assert.equal(await manager.store.get(storeKeyFor(id), Date.now()), null);
  });

  it('nothing is saved when the response is a 5xx', async () => {
    const { manager, store } = setup();
    const { cookie } = await saved(manager);
    store.reset();
    const s = await manager.load(cookie);
    s.set('username', 'mallory');
    const r = await manager.commit(s, { status: 500 });
    assert.equal(r.setCookie, undefined);
    assert.equal(store.calls.update, 0);
    assert.equal((await manager.load(cookie)).get('username'), 'ada');
    const fresh = await manager.load(undefined);
    fresh.set('x', 1);
    assert.equal((await manager.commit(fresh, { status: 503 })).setCookie, undefined);
    assert.equal(store.calls.create, 0);
  });

  it('sets the documented cookie defaults', async () => {
    const { manager } = setup();
    const { result } = await saved(manager);
    assert.match(result.setCookie!, /^sessionid=[A-Za-z0-9_-]{32}\.[A-Za-z0-9_-]{43}; Max-Age=1209600; Path=\/; Expires=[^;]+; HttpOnly; SameSite=Lax$/);
    const secure = setup({ cookie: { secure: true, name: 'sid', maxAge: 3600 } });
    const r = await saved(secure.manager);
    assert.match(r.result.setCookie!, /^sid=.*Max-Age=3600.*; Secure/);
  });
});

describe('lifecycle: flush and cycleKey', () => {
  it('flush drops data and the record; the old cookie is dead', async () => {
    const { manager } = setup();
    const { cookie, id } = await saved(manager);
    const s = await manager.load(cookie);
    s.flush();
    assert.equal(s.isEmpty(), true);
    const r = await manager.commit(s, { status: 302 });
    assert.match(r.setCookie!, /Max-Age=0/);
    assert.equal(await manager.store.get(storeKeyFor(id), Date.now()), null);
    assert.equal((await manager.load(cookie)).isNew, true);
  });

  it('flush then set issues a brand-new ID', async () => {
    const { manager } = setup();
    const { cookie, id } = await saved(manager);
    const s = await manager.load(cookie);
    s.flush();
    s.set('username', 'bob');
    const r = await manager.commit(s, { status: 302 });
    assert.notEqual(s.id, id);
    assert.equal((await manager.load(cookiePair(r.setCookie))).get('username'), 'bob');
    assert.equal((await manager.load(cookie)).isNew, true);
  });

  it('cycleKey keeps data under a new ID and kills the old one', async () => {
    const { manager } = setup();
    const { cookie, id } = await saved(manager, { username: 'ada', cart: ['x'] });
    const s = await manager.load(cookie);
    s.cycleKey();
    const r = await manager.commit(s, { status: 302 });
    assert.notEqual(s.id, id);
    const next = await manager.load(cookiePair(r.setCookie));
    assert.deepEqual(Object.fromEntries(next.entries()), { username: 'ada', cart: ['x'] });
    assert.equal((await manager.load(cookie)).isNew, true);
  });

  it('login cycles the key, binds the user and rotates the CSRF secret', async () => {
    const { manager } = setup();
    const s = await manager.load(undefined);
    const before = s.csrfToken();
    await manager.commit(s, { status: 200 });
    const oldId = s.id;
    s.login('ada');
    assert.equal(s.verifyCsrfToken(before), false);
    const r = await manager.commit(s, { status: 302 });
    assert.notEqual(s.id, oldId);
    const list = await manager.listUserSessions('ada', await manager.load(cookiePair(r.setCookie)));
    assert.equal(list.length, 1);
    assert.equal(list[0]!.current, true);
  });
});

describe('lifecycle: expiry rules', () => {
  it('setExpiry(0) makes a browser-session cookie that still expires on the server', async () => {
    const { manager, advance } = setup();
    const s = await manager.load(undefined);
    s.set('a', 1);
    s.setExpiry(0);
    assert.equal(s.expiresAtBrowserClose, true);
    const r = await manager.commit(s, { status: 200 });
    assert.doesNotMatch(r.setCookie!, /Max-Age|Expires/);
    advance(1_209_600_000 + 1);
    assert.equal((await manager.load(cookiePair(r.setCookie))).isNew, true);
  });

  it('setExpiry(Date) expires at that date and does not slide', async () => {
    const { manager, advance, now } = setup({ touchAfter: 1 });
    const s = await manager.load(undefined);
    s.set('a', 1);
    s.setExpiry(new Date(now() + 10_000));
    const r = await manager.commit(s, { status: 200 });
    assert.match(r.setCookie!, /Max-Age=10;/);
    advance(5_000);
    const mid = await manager.load(cookiePair(r.setCookie));
    assert.equal(mid.expiryAge, 5);
    assert.equal((await manager.commit(mid, { status: 200 })).setCookie, undefined, 'absolute expiry is not renewed');
    advance(5_001);
    assert.equal((await manager.load(cookiePair(r.setCookie))).isNew, true);
  });

  it('setExpiry(null) returns to the default age', async () => {
    const { manager } = setup();
    const s = await manager.load(undefined);
    s.setExpiry(30);
    assert.equal(s.expiryAge, 30);
    s.setExpiry(null);
    assert.equal(s.expiryAge, 1_209_600);
  });

  it('a rolling session is touched (not rewritten) once touchAfter has passed', async () => {
    const { manager, store, advance } = setup({ touchAfter: 60 });
    const { cookie } = await saved(manager);
    store.reset();
    advance(30_000);
    const early = await manager.load(cookie);
    assert.equal((await manager.commit(early, { status: 200 })).setCookie, undefined);
    assert.equal(store.calls.touch, 0);
    advance(31_000);
    const due = await manager.load(cookie);
    const r = await manager.commit(due, { status: 200 });
    assert.equal(store.calls.touch, 1);
    assert.equal(store.calls.update, 0);
    assert.match(r.setCookie!, /Max-Age=1209600/);
  });

  it('a write inside the renewal window saves the data but keeps the expiry and the cookie (no Set-Cookie)', async () => {
    const { manager, store, advance, now } = setup({ touchAfter: 60 });
    const { cookie, id } = await saved(manager);
    const savedExpiry = now() + 1209600_000;
    advance(30_000);
    const early = await manager.load(cookie);
    early.set('cart', ['apple']);
    const r = await manager.commit(early, { status: 200 });
    assert.equal(r.setCookie, undefined, 'the cookie the browser holds is still right');
    assert.equal(r.vary, true);
    const again = await manager.load(cookie);
    assert.deepEqual(again.get('cart'), ['apple'], 'the write was saved');
    assert.equal((await store.get(storeKeyFor(id), now()))?.expiresAt, savedExpiry, 'the stored expiry did not move');
    advance(31_000);
    const due = await manager.load(cookie);
    due.set('cart', ['apple', 'pear']);
    store.reset();
    const renewed = await manager.commit(due, { status: 200 });
    assert.equal(store.calls.update, 1);
    assert.equal(store.calls.touch, 0, 'the renewal rides on the write');
    assert.match(renewed.setCookie!, /Max-Age=1209600/);
    assert.equal(cookiePair(renewed.setCookie), cookie, 'same ID, same signed value');
    assert.deepEqual((await manager.load(cookie)).get('cart'), ['apple', 'pear']);
    assert.equal((await store.get(storeKeyFor(id), now()))?.expiresAt, now() + 1209600_000, 'renewed from now');
  });

  it('a write always re-sends the cookie under rolling: false, saveEveryRequest, or a changed expiry', async () => {
    for (const options of [{ rolling: false }, { saveEveryRequest: true }]) {
      const { manager, advance } = setup({ touchAfter: 3600, ...options });
      const { cookie } = await saved(manager);
      advance(1000);
      const s = await manager.load(cookie);
      s.set('n', 1);
      const r = await manager.commit(s, { status: 200 });
      assert.match(r.setCookie ?? '', /Max-Age=1209600/, JSON.stringify(options));
    }
    const { manager, advance } = setup({ touchAfter: 3600 });
    const { cookie } = await saved(manager);
    advance(1000);
    const s = await manager.load(cookie);
    s.setExpiry(600);
    assert.match((await manager.commit(s, { status: 200 })).setCookie ?? '', /Max-Age=600/);
    const cleared = await manager.load(cookie);
    cleared.clear();
    cleared.set('fresh', true);
    assert.match((await manager.commit(cleared, { status: 200 })).setCookie ?? '', /Max-Age=1209600/, 'clear() drops the expiry setting');
  });

  it('rolling: false keeps Django expiry: counted from the last save', async () => {
    const { manager, store, advance } = setup({ rolling: false, touchAfter: 1 });
    const { cookie } = await saved(manager);
    advance(10_000);
    store.reset();
    const s = await manager.load(cookie);
    await manager.commit(s, { status: 200 });
    assert.equal(store.calls.touch, 0);
  });
});

describe('lifecycle: concurrency', () => {
  it('a write racing a logout is refused with ERR_SESSION_INTERRUPTED and sets no cookie', async () => {
    const { manager, warnings } = provoking();
    const { cookie } = await saved(manager);
    const a = await manager.load(cookie);
    const b = await manager.load(cookie);
    b.flush();
    await manager.commit(b, { status: 302 });
    a.set('cart', ['late']);
    await assert.rejects(manager.commit(a, { status: 200 }), (err: any) => err.code === 'ERR_SESSION_INTERRUPTED' && err.status === 400);
    assert.equal((await manager.load(cookie)).isNew, true);
    assert.deepEqual(warnings(), ['security.interrupted']);
  });
});

describe('lifecycle: secrets', () => {
  it('rotation: a cookie signed by an older secret still loads; new cookies use the newest', async () => {
    const old = 'old-secret-0123456789abcdefghijklmnopqr';
    const store = new MemoryStore({ sweepInterval: 0 });
    const before = new SessionManager({ store, secrets: [old] });
    const s = await before.load(undefined);
    s.set('username', 'ada');
    const cookie = cookiePair((await before.commit(s, { status: 200 })).setCookie);
    const after = new SessionManager({ store, secrets: `${SECRET}, ${old}` });
    const loaded = await after.load(cookie);
    assert.equal(loaded.get('username'), 'ada');
    loaded.set('x', 1);
    const value = cookiePair((await after.commit(loaded, { status: 200 })).setCookie).split('=')[1]!;
    assert.equal(new Signer([SECRET]).unsign(value), loaded.id);
    assert.equal(new Signer([old]).unsign(value), null);
  });

  it('refuses missing and short secrets at startup, naming SESSION_SECRET', () => {
    const store = new MemoryStore({ sweepInterval: 0 });
    assert.throws(() => new SessionManager({ store, secrets: [] }), /SESSION_SECRET/);
    assert.throws(() => new SessionManager({ store, secrets: '' }), /SESSION_SECRET/);
    assert.throws(() => new SessionManager({ store, secrets: 'short' }), /at least 32/);
  });
});

describe('store failures', () => {
  it('a failing or hanging store becomes ERR_STORE_UNAVAILABLE (503) within storeTimeout', async () => {
    class HangingStore extends MemoryStore {
      override get(): Promise<never> {
        return new Promise(() => {});
      }
      override create(): Promise<never> {
        return Promise.reject(new Error('ECONNREFUSED'));
      }
    }
    const captured = captureEvents();
    const manager = new SessionManager({ store: new HangingStore({ sweepInterval: 0 }), secrets: [SECRET], storeTimeout: 50, ...captured.options });
    const cookie = `sessionid=${new Signer([SECRET]).sign('B'.repeat(32))}`;
    // The get never settles: only the store timeout can end the load (without it, this test hangs).
    await assert.rejects(manager.load(cookie), (err: any) => err.code === 'ERR_STORE_UNAVAILABLE' && err.status === 503);
    const s = await manager.load(undefined);
    s.set('a', 1);
    await assert.rejects(manager.commit(s, { status: 200 }), /ECONNREFUSED/);
    assert.deepEqual(captured.take(), ['store.outage-began'], 'one outage, however many calls failed');
  });
});

describe("storeOutage: 'anonymous'", () => {
  class DownStore extends MemoryStore {
    down = false;
    override get(key: string, now: number) {
      return this.down ? Promise.reject(new Error('ECONNREFUSED')) : super.get(key, now);
    }
  }

  it('serves reads with an empty stand-in, keeps the cookie, refuses writes with 503', async () => {
    const store = new DownStore({ sweepInterval: 0 });
    const captured = captureEvents();
    const manager = new SessionManager({ store, secrets: [SECRET], storeOutage: 'anonymous', ...captured.options });
    const { cookie } = await saved(manager as SessionManager<Record<string, unknown>>);
    store.down = true;
    const reading = await manager.load(cookie);
    assert.equal(reading.isDegraded, true);
    assert.equal(reading.get('username', 'Guest'), 'Guest');
    const r = await manager.commit(reading, { status: 200 });
    assert.equal(r.setCookie, undefined, 'the visitor keeps their cookie through the outage');
    const writing = await manager.load(cookie);
    writing.set('cart', ['x']);
    await assert.rejects(manager.commit(writing, { status: 200 }), (e: any) => e.code === 'ERR_STORE_UNAVAILABLE' && e.status === 503);
    store.down = false;
    const back = await manager.load(cookie);
    assert.equal(back.isDegraded, false);
    assert.equal(back.get('username'), 'ada', 'the real session is intact after the outage');
    assert.deepEqual(captured.take(), ['store.outage-began', 'store.outage-ended']);
  });

  it("the default ('error') answers the outage with 503 at load", async () => {
    const store = new DownStore({ sweepInterval: 0 });
    const captured = captureEvents();
    const manager = new SessionManager({ store, secrets: [SECRET], ...captured.options });
    const { cookie } = await saved(manager as SessionManager<Record<string, unknown>>);
    store.down = true;
    await assert.rejects(manager.load(cookie), { code: 'ERR_STORE_UNAVAILABLE' });
    assert.deepEqual(captured.take(), ['store.outage-began']);
  });
});
