/**
 * The store conformance suite: one set of behaviours every `SessionStore` must show, run
 * unchanged against every store over a real connection. Third-party stores run it too.
 *
 * @example
 * // test/my-store.test.ts (run with `node --test`)
 * import { describeStoreConformance } from 'cloakroom/testing';
 * describeStoreConformance({ name: 'my-store', setup: async () => new MyStore({ … }) });
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isSessionRecord } from '../core/record.js';
import type { SessionChange, SessionRecord, SessionStore } from '../core/store.js';
import { generateSessionId, storeKeyFor, STORE_KEY_PATTERN } from '../core/session-id.js';
import { SessionManager } from '../core/manager.js';

/**
 * Options of `describeStoreConformance()`.
 *
 * @example
 * describeStoreConformance({ name: 'pg', setup: async () => new PostgresStore({ pool, table }), skip: serviceOrSkip('postgres') });
 */
export interface ConformanceOptions {
  /** Shown in the test names. */
  name: string;
  /** A fresh, empty store (its own table, prefix or folder). Called once. */
  setup: () => Promise<SessionStore>;
  /** Drops what `setup` made. The suite calls `store.close()` itself, after this. */
  teardown?: (store: SessionStore) => Promise<void>;
  /**
   * Everything the backend holds for this store, as text (rows, hashes, files). When given,
   * the suite checks that no cookie ID is ever stored, only its hash.
   */
  dump?: (store: SessionStore) => Promise<string>;
  /** node:test `skip`: false to run, or the reason it cannot (see `serviceOrSkip`). */
  skip?: false | string;
  /**
   * The store answers synchronously, as memory and SQLite do: the suite then checks that no
   * request-path call returns a promise (the core's promise-free path depends on it).
   */
  synchronous?: boolean;
}

const MINUTE = 60_000;

/**
 * A fresh store key, as the core would hand it to a store.
 *
 * @example
 * assert.equal(await store.get(newStoreKey(), Date.now()), null);
 */
export function newStoreKey(): string {
  return storeKeyFor(generateSessionId());
}

/**
 * A record that lives for `ttl` ms from now.
 *
 * @example
 * assert.equal(await store.create(newStoreKey(), sampleRecord({ a: 1 }, 60_000)), true);
 */
export function sampleRecord(data: Record<string, unknown> = {}, ttl = 10 * MINUTE, extra: Partial<SessionRecord> = {}): SessionRecord {
  const now = Date.now();
  const serialized: Record<string, string> = {};
  for (const [k, v] of Object.entries(data)) serialized[k] = JSON.stringify(v);
  return { data: serialized, expiresAt: now + ttl, createdAt: now, lastSeenAt: now, userId: null, userAgent: null, ...extra };
}

function decoded(record: SessionRecord | null): Record<string, unknown> | null {
  if (record === null) return null;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record.data)) out[k] = JSON.parse(v);
  return out;
}

/** A change as the core would send it: `set` values serialized, expiring `ttl` ms from now. */
export function sampleChange(set: Record<string, unknown>, unset: string[] = [], replace = false, ttl = 10 * MINUTE): SessionChange {
  const now = Date.now();
  const serialized: Record<string, string> = {};
  for (const [k, v] of Object.entries(set)) serialized[k] = JSON.stringify(v);
  return { set: serialized, unset, replace, expiresAt: now + ttl, lastSeenAt: now };
}

const change = sampleChange;

/**
 * Registers the conformance tests for one store with node:test.
 *
 * @example
 * describeStoreConformance({ name: 'memory', setup: async () => new MemoryStore({ sweepInterval: 0 }) });
 */
export function describeStoreConformance(options: ConformanceOptions): void {
  describe(`store conformance: ${options.name}`, { skip: options.skip ?? false }, () => {
    let store: SessionStore;
    before(async () => {
      store = await options.setup();
    });
    after(async () => {
      if (!store) return;
      try {
        await options.teardown?.(store);
      } finally {
        await store.close();
      }
    });

    it('get of an unknown key resolves null', async () => {
      assert.equal(await store.get(newStoreKey(), Date.now()), null);
    });

    it('create stores the whole record and get returns it', async () => {
      const key = newStoreKey();
      const record = sampleRecord({ username: 'ada', cart: [{ sku: 'x', qty: 2 }] }, 10 * MINUTE, { userAgent: 'Mozilla/5.0 test' });
      assert.equal(await store.create(key, record), true);
      const got = await store.get(key, Date.now());
      assert.ok(got);
      assert.ok(isSessionRecord(got), 'get answers exactly a SessionRecord (isSessionRecord): the core refuses anything else');
      assert.deepEqual(decoded(got), { username: 'ada', cart: [{ sku: 'x', qty: 2 }] });
      assert.equal(got.expiresAt, record.expiresAt);
      assert.equal(got.createdAt, record.createdAt);
      assert.equal(got.lastSeenAt, record.lastSeenAt);
      assert.equal(got.userId, null);
      assert.equal(got.userAgent, 'Mozilla/5.0 test');
    });

    it('create refuses an existing key and leaves its data alone', async () => {
      const key = newStoreKey();
      assert.equal(await store.create(key, sampleRecord({ a: 1 })), true);
      assert.equal(await store.create(key, sampleRecord({ a: 2 })), false);
      assert.deepEqual(decoded(await store.get(key, Date.now())), { a: 1 });
    });

    it('odd keys and values round-trip exactly', async () => {
      const key = newStoreKey();
      const data = {
        $csrf: 'secret',
        'a.b': 1,
        'with space': true,
        ключ: 'значение 🎟️',
        'quote"s': "it's",
        "it's": null,
        'a[0]': { nested: ['x', 1.5, false] },
        big: 'x'.repeat(100_000),
      };
      assert.equal(await store.create(key, sampleRecord(data)), true);
      assert.deepEqual(decoded(await store.get(key, Date.now())), data);
      assert.equal(await store.update(key, change({ 'a.b': 2, 'new.key': '"' }, ['with space', 'quote"s']), Date.now()), true);
      const { 'with space': _a, 'quote"s': _b, ...rest } = data;
      assert.deepEqual(decoded(await store.get(key, Date.now())), { ...rest, 'a.b': 2, 'new.key': '"' });
    });

    it('keys named like Object.prototype members are ordinary keys and never reach a prototype', async () => {
      const key = newStoreKey();
      // JSON.parse makes `__proto__` an own key, as a backend's reply would.
      const data = JSON.parse('{"__proto__":"\\"p\\"","constructor":"1","toString":"2","hasOwnProperty":"3"}') as Record<string, string>;
      assert.equal(await store.create(key, { ...sampleRecord({}), data }), true);
      let got = (await store.get(key, Date.now()))!;
      assert.deepEqual(Object.keys(got.data).sort(), ['__proto__', 'constructor', 'hasOwnProperty', 'toString']);
      assert.equal(got.data['__proto__'], '"p"');
      const set = JSON.parse('{"__proto__":"\\"q\\"","valueOf":"4"}') as Record<string, string>;
      assert.equal(await store.update(key, { ...change({}), set, unset: ['constructor'] }, Date.now()), true);
      got = (await store.get(key, Date.now()))!;
      assert.deepEqual(Object.keys(got.data).sort(), ['__proto__', 'hasOwnProperty', 'toString', 'valueOf']);
      assert.equal(got.data['__proto__'], '"q"');
      assert.equal(({} as Record<string, unknown>).valueOf, Object.prototype.valueOf, 'Object.prototype is untouched');
    });

    it('update writes only the changed keys and removes the unset ones', async () => {
      const key = newStoreKey();
      await store.create(key, sampleRecord({ a: 1, b: 2, c: 3 }));
      assert.equal(await store.update(key, change({ b: 20, d: 4 }, ['a']), Date.now()), true);
      assert.deepEqual(decoded(await store.get(key, Date.now())), { b: 20, c: 3, d: 4 });
    });

    it('update with replace makes the data exactly the new set', async () => {
      const key = newStoreKey();
      await store.create(key, sampleRecord({ a: 1, b: 2 }));
      assert.equal(await store.update(key, change({ z: 26 }, [], true), Date.now()), true);
      assert.deepEqual(decoded(await store.get(key, Date.now())), { z: 26 });
    });

    it('update moves expiry and last-seen, and binds or keeps the user', async () => {
      const key = newStoreKey();
      await store.create(key, sampleRecord({ a: 1 }, MINUTE, { userId: 'keep-me' }));
      const c = change({ a: 2 }, [], false, 30 * MINUTE);
      assert.equal(await store.update(key, c, Date.now()), true);
      let got = await store.get(key, Date.now());
      assert.equal(got?.expiresAt, c.expiresAt);
      assert.equal(got?.lastSeenAt, c.lastSeenAt);
      assert.equal(got?.userId, 'keep-me', 'userId undefined in a change leaves the binding alone');
      assert.equal(await store.update(key, { ...change({}), userId: 'other' }, Date.now()), true);
      got = await store.get(key, Date.now());
      assert.equal(got?.userId, 'other');
      assert.equal(await store.update(key, { ...change({}), userId: null }, Date.now()), true);
      got = await store.get(key, Date.now());
      assert.equal(got?.userId, null);
      assert.ok(isSessionRecord(got), 'still exactly a SessionRecord after updates');
    });

    it('update of a deleted record fails and does not bring it back', async () => {
      const key = newStoreKey();
      await store.create(key, sampleRecord({ a: 1 }));
      await store.destroy(key);
      assert.equal(await store.update(key, change({ b: 2 }), Date.now()), false);
      assert.equal(await store.get(key, Date.now()), null);
      assert.equal(await store.update(newStoreKey(), change({ b: 2 }), Date.now()), false);
    });

    it('an expired record is not returned, not updated and not touched', async () => {
      const key = newStoreKey();
      await store.create(key, sampleRecord({ a: 1 }, -MINUTE));
      assert.equal(await store.get(key, Date.now()), null);
      assert.equal(await store.update(key, change({ a: 2 }), Date.now()), false);
      assert.equal(await store.touch(key, Date.now() + MINUTE, Date.now(), Date.now()), false);
      assert.equal(await store.get(key, Date.now()), null);
    });

    it('50 parallel updates of different keys on one record keep all 50', async () => {
      const key = newStoreKey();
      await store.create(key, sampleRecord({ base: true }));
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => store.update(key, change({ [`k${i}`]: i }), Date.now())),
      );
      assert.ok(results.every((r) => r === true));
      const data = decoded(await store.get(key, Date.now()))!;
      const kept = Array.from({ length: 50 }, (_, i) => data[`k${i}`] === i).filter(Boolean).length;
      assert.equal(kept, 50, `kept ${kept}/50 parallel writes`);
      assert.equal(data.base, true);
    });

    it('parallel updates of the same key: the last writer wins, no mixture', async () => {
      const key = newStoreKey();
      await store.create(key, sampleRecord({ v: -1 }));
      await Promise.all(Array.from({ length: 20 }, (_, i) => store.update(key, change({ v: { writer: i, body: String(i).repeat(50) } }), Date.now())));
      const v = decoded(await store.get(key, Date.now()))!.v as { writer: number; body: string };
      assert.ok(v.writer >= 0 && v.writer < 20);
      assert.equal(v.body, String(v.writer).repeat(50));
    });

    it('touch extends expiry without rewriting data; touch of a missing record fails', async () => {
      const key = newStoreKey();
      await store.create(key, sampleRecord({ a: 1 }, MINUTE));
      const later = Date.now() + 60 * MINUTE;
      const seen = Date.now() + 5;
      assert.equal(await store.touch(key, later, seen, Date.now()), true);
      const got = await store.get(key, Date.now());
      assert.equal(got?.expiresAt, later);
      assert.equal(got?.lastSeenAt, seen);
      assert.deepEqual(decoded(got), { a: 1 });
      assert.equal(await store.touch(newStoreKey(), later, seen, Date.now()), false);
    });

    it('a record handed out by get cannot be changed to change the store', async () => {
      const key = newStoreKey();
      const record = sampleRecord({ a: 1 });
      await store.create(key, record);
      record.data.a = '"changed after create"';
      const got = (await store.get(key, Date.now()))!;
      try {
        got.data.a = '"changed after get"';
        got.expiresAt = 0;
      } catch {
        // A store may hand out frozen records: refusing the change is fine too.
      }
      const again = await store.get(key, Date.now());
      assert.deepEqual(decoded(again), { a: 1 });
      assert.ok(again!.expiresAt > Date.now());
    });

    if (options.synchronous) it('a synchronous store answers every request-path call without a promise', () => {
      const answered = <T>(value: T | Promise<T>): T => {
        assert.ok(!(value instanceof Promise), 'answered at once, not with a promise');
        return value as T;
      };
      const key = newStoreKey();
      const now = Date.now();
      assert.equal(answered(store.get(key, now)), null);
      assert.equal(answered(store.create(key, sampleRecord({ a: 1, b: 2 }))), true);
      assert.equal(answered(store.create(key, sampleRecord({ a: 9 }))), false);
      assert.deepEqual(decoded(answered(store.get(key, now))), { a: 1, b: 2 });
      assert.equal(answered(store.update(key, change({ c: 3 }, ['a']), now)), true);
      assert.deepEqual(decoded(answered(store.get(key, now))), { b: 2, c: 3 });
      const later = now + 60 * MINUTE;
      assert.equal(answered(store.touch(key, later, now + 1, now)), true);
      assert.equal(answered(store.get(key, now))?.expiresAt, later);
      answered(store.destroy(key));
      assert.equal(answered(store.get(key, now)), null);
      assert.equal(answered(store.update(key, change({ d: 4 }), now)), false, 'an update cannot bring a destroyed record back');
      assert.equal(answered(store.touch(key, later, now, now)), false);
    });

    it('destroy removes a record; destroying a missing one is fine', async () => {
      const key = newStoreKey();
      await store.create(key, sampleRecord({ a: 1 }));
      await store.destroy(key);
      assert.equal(await store.get(key, Date.now()), null);
      await store.destroy(key);
      await store.destroy(newStoreKey());
    });

    it('clearExpired removes expired records in batches and keeps live ones', async () => {
      const live = newStoreKey();
      await store.create(live, sampleRecord({ keep: true }));
      const dead = Array.from({ length: 25 }, () => newStoreKey());
      for (const key of dead) await store.create(key, sampleRecord({ gone: true }, -MINUTE));
      const progress: number[] = [];
      const deleted = await store.clearExpired(Date.now(), { batchSize: 10, onProgress: (n) => progress.push(n) });
      assert.equal(typeof deleted, 'number');
      // Stores with native expiry (Redis TTLs) may have dropped them already; none may remain.
      assert.ok(deleted >= 0);
      for (let i = 1; i < progress.length; i++) assert.ok(progress[i]! >= progress[i - 1]!, 'progress only grows');
      for (const key of dead) assert.equal(await store.get(key, Date.now()), null);
      assert.deepEqual(decoded(await store.get(live, Date.now())), { keep: true });
      const stats = await store.stats(Date.now());
      assert.equal(stats.expired, 0);
      assert.ok(stats.live >= 1);
    });

    it('stats counts live and expired records', async () => {
      const before = await store.stats(Date.now());
      const key = newStoreKey();
      await store.create(key, sampleRecord({ a: 1 }));
      const after = await store.stats(Date.now());
      assert.equal(after.live, before.live + 1);
      await store.destroy(key);
    });

    it("lists a user's live sessions, newest activity first, and revokes all but one", async () => {
      const user = `user-${Math.random().toString(36).slice(2)}`;
      const other = `${user}-other`;
      const now = Date.now();
      const keys = [newStoreKey(), newStoreKey(), newStoreKey()];
      for (const [i, key] of keys.entries()) {
        await store.create(key, sampleRecord({ i }, 10 * MINUTE, { userId: user, lastSeenAt: now - i * 1000, userAgent: `agent-${i}` }));
      }
      const expired = newStoreKey();
      await store.create(expired, sampleRecord({}, -MINUTE, { userId: user }));
      const others = newStoreKey();
      await store.create(others, sampleRecord({}, 10 * MINUTE, { userId: other }));

      const listed = await store.listByUser(user, Date.now());
      assert.deepEqual(listed.map((s) => s.key), keys);
      assert.deepEqual(listed.map((s) => s.userAgent), ['agent-0', 'agent-1', 'agent-2']);
      assert.ok(listed.every((s) => s.expiresAt > Date.now() && s.createdAt > 0));

      // Expired records of the user may be counted too (they are removed as well).
      const removed = await store.destroyByUser(user, keys[0]);
      assert.ok(removed >= 2 && removed <= 3, `removed ${removed}`);
      assert.deepEqual((await store.listByUser(user, Date.now())).map((s) => s.key), [keys[0]]);
      assert.equal(await store.get(keys[1]!, Date.now()), null);
      assert.ok(await store.get(others, Date.now()), "another user's session is untouched");
      assert.ok((await store.destroyByUser(user)) >= 1);
      assert.deepEqual(await store.listByUser(user, Date.now()), []);
    });

    it('a binding made by update shows in the user listing; unbinding removes it', async () => {
      const user = `user-${Math.random().toString(36).slice(2)}`;
      const key = newStoreKey();
      await store.create(key, sampleRecord({ a: 1 }));
      await store.update(key, { ...change({}), userId: user }, Date.now());
      assert.deepEqual((await store.listByUser(user, Date.now())).map((s) => s.key), [key]);
      await store.update(key, { ...change({}), userId: null }, Date.now());
      assert.deepEqual(await store.listByUser(user, Date.now()), []);
    });

    describe('through the session manager', () => {
      const secrets = ['conformance-secret-0123456789abcdef-0123456789'];
      // What the store does, not how fast: 50 parallel commits to one session take turns on its
      // lock (a file store's lock file), and on a busy CI runner their last one can pass the
      // default 1 s store timeout. The timeout itself is the core's to test, not a store's.
      const storeTimeout = 60_000;
      // The suite judges a store by its answers; what a manager would log about it (a tiered
      // store's cache outage, in its cache-down run) is not part of the contract.
      const logger = false;
      const cookieOf = (setCookie: string | undefined) => setCookie!.split(';')[0]!;

      it('saves, loads, merges parallel requests, and flushes', async () => {
        const manager = new SessionManager({ store, secrets, storeTimeout, logger });
        const first = await manager.load(undefined);
        first.set('username', 'ada');
        const { setCookie } = await manager.commit(first, { status: 302 });
        const cookie = cookieOf(setCookie);

        // 50 "requests" in parallel, each writing its own key to the same session.
        await Promise.all(
          Array.from({ length: 50 }, async (_, i) => {
            const s = await manager.load(cookie);
            s.set(`item${i}`, i);
            await manager.commit(s, { status: 200 });
          }),
        );
        const loaded = await manager.load(cookie);
        assert.equal(loaded.get('username'), 'ada');
        assert.equal(loaded.keys().filter((k) => k.startsWith('item')).length, 50);

        loaded.flush();
        const result = await manager.commit(loaded, { status: 302 });
        assert.match(result.setCookie ?? '', /Max-Age=0/);
        const after = await manager.load(cookie);
        assert.equal(after.isNew, true);
        assert.equal(after.get('username'), undefined);
      });

      it('stores only the hash of the session ID, never the ID itself', async () => {
        const manager = new SessionManager({ store, secrets, storeTimeout, logger });
        const s = await manager.load(undefined);
        s.set('secret-holder', 'yes');
        await manager.commit(s, { status: 200 });
        const id = s.id!;
        assert.equal(await store.get(id, Date.now()), null, 'the raw ID is not a key');
        assert.ok(await store.get(storeKeyFor(id), Date.now()), 'the hashed ID is');
        assert.match(storeKeyFor(id), STORE_KEY_PATTERN);
        if (options.dump) {
          const everything = await options.dump(store);
          assert.ok(everything.includes(storeKeyFor(id)), 'the dump shows the stored session (sanity check of the dump)');
          assert.ok(!everything.includes(id), 'the cookie ID appears nowhere in the store');
        }
      });

      it('a request racing a logout cannot resurrect the session', async () => {
        const manager = new SessionManager({ store, secrets, storeTimeout, logger });
        const s = await manager.load(undefined);
        s.set('username', 'ada');
        const cookie = cookieOf((await manager.commit(s, { status: 200 })).setCookie);
        const slow = await manager.load(cookie); // request A starts
        const logout = await manager.load(cookie); // request B logs out and finishes first
        logout.flush();
        await manager.commit(logout, { status: 302 });
        slow.set('cart', ['x']);
        await assert.rejects(manager.commit(slow, { status: 200 }), { code: 'ERR_SESSION_INTERRUPTED' });
        assert.equal((await manager.load(cookie)).isNew, true);
      });
    });
  });
}
