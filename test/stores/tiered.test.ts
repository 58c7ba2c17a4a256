import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeStoreConformance, newStoreKey, sampleChange, sampleRecord } from '../../src/testing/index.ts';
import { TieredStore } from '../../src/stores/tiered.ts';
import { MemoryStore } from '../../src/stores/memory.ts';
import { SqliteStore } from '../../src/stores/sqlite.ts';
import { SessionManager } from '../../src/core/manager.ts';
import type { SessionRecord } from '../../src/core/store.ts';
import type { SessionEvent } from '../../src/core/events.ts';
import { uniqueSuffix } from '../helpers/services.ts';

const dir = mkdtempSync(join(tmpdir(), `cloakroom-tiered-${uniqueSuffix()}-`));
after(() => rmSync(dir, { recursive: true, force: true }));
let dbCount = 0;
const sqlite = () => new SqliteStore({ path: join(dir, `db-${dbCount++}.sqlite`) });
/** A real memory store whose every call throws while `down` is true: a cache server outage. */
class FlakyCache extends MemoryStore {
  down = false;
  #check(): void {
    if (this.down) throw new Error('connect ECONNREFUSED 127.0.0.1:6390');
  }
  override async get(...a: Parameters<MemoryStore['get']>) {
    this.#check();
    return super.get(...a);
  }
  override async create(...a: Parameters<MemoryStore['create']>) {
    this.#check();
    return super.create(...a);
  }
  override async update(...a: Parameters<MemoryStore['update']>) {
    this.#check();
    return super.update(...a);
  }
  override async touch(...a: Parameters<MemoryStore['touch']>) {
    this.#check();
    return super.touch(...a);
  }
  override async destroy(...a: Parameters<MemoryStore['destroy']>) {
    this.#check();
    return super.destroy(...a);
  }
  override async clearExpired(...a: Parameters<MemoryStore['clearExpired']>) {
    this.#check();
    return super.clearExpired(...a);
  }
  override async destroyByUser(...a: Parameters<MemoryStore['destroyByUser']>) {
    this.#check();
    return super.destroyByUser(...a);
  }
}

/** A real memory store whose `get` answers only when the test opens the gate (after reading). */
class GatedDatabase extends MemoryStore {
  gate: Promise<void> | null = null;
  updateGate: Promise<void> | null = null;
  override async get(key: string, now: number): Promise<SessionRecord | null> {
    const record = await super.get(key, now);
    if (this.gate) await this.gate;
    return record;
  }
  override async update(...a: Parameters<MemoryStore['update']>) {
    if (this.updateGate) await this.updateGate;
    return super.update(...a);
  }
}

const SECRET = 'tiered-test-secret-0123456789abcdef-0123456789';

/** A manager over `store` whose events (all of them, debug included) are kept, not printed. */
function observed(store: TieredStore) {
  const events: SessionEvent[] = [];
  const manager = new SessionManager({ store, secrets: [SECRET], logger: false, onEvent: (e) => events.push(e) });
  const about = (prefix: string) => events.filter((e) => e.type.startsWith(prefix));
  return { manager, events, about };
}

describeStoreConformance({
  name: 'tiered (memory cache, sqlite database)',
  setup: async () => new TieredStore({ cache: new MemoryStore({ sweepInterval: 0 }), database: sqlite() }),
  dump: async (store) => {
    const tiered = store as TieredStore;
    const rows = (tiered.database as SqliteStore).database.prepare('SELECT * FROM cloakroom_sessions').all();
    return (tiered.cache as MemoryStore).snapshot() + JSON.stringify(rows);
  },
});

describeStoreConformance({
  name: 'tiered (memory cache, sqlite database, cache down)',
  setup: async () => {
    const cache = new FlakyCache({ sweepInterval: 0 });
    cache.down = true;
    return new TieredStore({ cache, database: sqlite() });
  },
});

describe('tiered store behaviour', () => {
  it('reads hit the cache once it is filled', async () => {
    const cache = new MemoryStore({ sweepInterval: 0 });
    const database = sqlite();
    const store = new TieredStore({ cache, database });
    const key = newStoreKey();
    await store.create(key, sampleRecord({ a: 1 }));
    assert.equal(await cache.get(key, Date.now()), null, 'create does not fill the cache');
    assert.ok(await store.get(key, Date.now()), 'a miss reads the database');
    assert.ok(await cache.get(key, Date.now()), '… and fills the cache');
    await database.destroy(key); // behind the tier's back
    assert.ok(await store.get(key, Date.now()), 'the next read is served by the cache');
    await store.close();
  });

  it('a cache entry that is not a live session record is a miss: the database answers', async () => {
    const database = sqlite();
    const key = newStoreKey();
    await database.create(key, sampleRecord({ a: 1 }));
    for (const broken of [{ ...sampleRecord({ stale: 1 }), data: null }, { ...sampleRecord({ stale: 1 }), expiresAt: Date.now() - 1 }]) {
      const cache = new MemoryStore({ sweepInterval: 0 });
      cache.get = async () => broken as unknown as SessionRecord;
      const store = new TieredStore({ cache, database });
      assert.deepEqual(Object.keys((await store.get(key, Date.now()))!.data), ['a']);
    }
    await database.close();
  });

  it('writes go to the database and drop the cache entry (invalidate, not merge)', async () => {
    const cache = new MemoryStore({ sweepInterval: 0 });
    const database = sqlite();
    const store = new TieredStore({ cache, database });
    const key = newStoreKey();
    await store.create(key, sampleRecord({ a: 1 }));
    await store.get(key, Date.now());
    assert.equal(await store.update(key, sampleChange({ b: 2 }), Date.now()), true);
    assert.deepEqual(Object.keys((await database.get(key, Date.now()))!.data).sort(), ['a', 'b']);
    assert.equal(await cache.get(key, Date.now()), null);
    assert.deepEqual(Object.keys((await store.get(key, Date.now()))!.data).sort(), ['a', 'b']);

    await store.destroy(key);
    assert.equal(await cache.get(key, Date.now()), null);
    assert.equal(await store.get(key, Date.now()), null);
    assert.equal(await store.update(key, sampleChange({ c: 3 }), Date.now()), false, "the database's answer decides");
    await store.close();
  });

  it('the database decides create: a key taken there is taken, whatever the cache holds', async () => {
    const cache = new MemoryStore({ sweepInterval: 0 });
    const database = sqlite();
    const store = new TieredStore({ cache, database });
    const key = newStoreKey();
    await database.create(key, sampleRecord({ owner: 'db' }));
    assert.equal(await store.create(key, sampleRecord({ owner: 'tier' })), false);
    assert.deepEqual((await store.get(key, Date.now()))!.data, { owner: '"db"' });
    await store.close();
  });

  it("a cache outage is served from the database and reported as the cache tier's outage, once each way", async () => {
    const cache = new FlakyCache({ sweepInterval: 0 });
    const store = new TieredStore({ cache, database: sqlite() });
    const { manager, about } = observed(store);
    const s = await manager.load(undefined);
    s.set('username', 'ada');
    const cookie = (await manager.commit(s, { status: 200 })).setCookie!.split(';')[0]!;

    cache.down = true;
    for (let i = 0; i < 30; i++) {
      const r = await manager.load(cookie);
      assert.equal(r.get('username'), 'ada');
      r.set(`k${i}`, i);
      await manager.commit(r, { status: 200 });
    }
    const failed = about('store.failed');
    assert.ok(failed.length >= 30, 'each failed cache call is a store.failed');
    assert.ok(failed.every((e) => e.type === 'store.failed' && e.tier === 'cache' && e.store === store.name && /ECONNREFUSED/.test(e.error)));
    assert.deepEqual(about('store.outage'), [{ type: 'store.outage-began', level: 'error', store: store.name, tier: 'cache', error: 'connect ECONNREFUSED 127.0.0.1:6390' }]);

    cache.down = false;
    const back = await manager.load(cookie);
    assert.equal(back.get('k29'), 29);
    const [, ended] = about('store.outage');
    assert.ok(ended?.type === 'store.outage-ended' && ended.tier === 'cache' && ended.failures === failed.length, JSON.stringify(ended));
    assert.equal(about('store.outage').length, 2);
    await store.close();
  });

  it('a cache found down by ready() is reported by the manager made afterwards, at once', async () => {
    const cache = new FlakyCache({ sweepInterval: 0 });
    cache.down = true;
    (cache as FlakyCache & { ready(): Promise<void> }).ready = async () => cache.get(newStoreKey(), Date.now()).then(() => undefined);
    const store = new TieredStore({ cache, database: sqlite() });
    await store.ready(); // the cache's failure is no error: the database serves
    assert.equal(store.degraded, true);
    const { about } = observed(store);
    assert.deepEqual(about('store.outage').map((e) => [e.type, (e as { tier?: string }).tier]), [['store.outage-began', 'cache']]);
    await store.close();
  });

  it('a logout during a cache outage is not undone when the cache comes back with the old entry', async () => {
    const cache = new FlakyCache({ sweepInterval: 0 });
    const store = new TieredStore({ cache, database: sqlite() });
    const key = newStoreKey();
    await store.create(key, sampleRecord({ username: 'ada' }));
    await store.get(key, Date.now()); // cached
    cache.down = true;
    await store.destroy(key); // database: gone; cache: invalidation failed
    assert.equal(store.degraded, true);
    cache.down = false;
    assert.ok(await cache.get(key, Date.now()), 'the stale entry is still in the cache');
    assert.equal(await store.get(key, Date.now()), null, 'but the tier does not serve it');
    assert.equal(await cache.get(key, Date.now()), null, 'and it was dropped on the way');
    assert.equal(store.degraded, false);
    await store.close();
  });

  it('too many failed invalidations: reads bypass the cache for good, reported as store.tier-bypassed', async () => {
    const cache = new FlakyCache({ sweepInterval: 0 });
    const store = new TieredStore({ cache, database: sqlite(), maxPendingInvalidations: 2 });
    const { about } = observed(store);
    const keys = [newStoreKey(), newStoreKey(), newStoreKey()];
    for (const key of keys) {
      await store.create(key, sampleRecord({ v: 1 }));
      await store.get(key, Date.now());
    }
    cache.down = true;
    for (const key of keys) await store.update(key, sampleChange({ v: 2 }), Date.now());
    cache.down = false;
    for (const key of keys) assert.equal((await store.get(key, Date.now()))!.data.v, '2');
    const bypassed = about('store.tier-bypassed');
    assert.equal(bypassed.length, 1, JSON.stringify(bypassed));
    assert.ok(bypassed[0]?.type === 'store.tier-bypassed' && bypassed[0].level === 'error' && bypassed[0].tier === 'cache' && /more than 2 cache entries could not be invalidated/.test(bypassed[0].reason));
    await store.close();
  });

  it('a read that raced a write does not put the old copy in the cache', async () => {
    const cache = new MemoryStore({ sweepInterval: 0 });
    const database = new GatedDatabase({ sweepInterval: 0 });
    const store = new TieredStore({ cache, database });
    const key = newStoreKey();
    await store.create(key, sampleRecord({ v: 'old' }));
    let open!: () => void;
    database.gate = new Promise((r) => (open = r));
    const slowRead = store.get(key, Date.now()); // reads 'old', then waits at the gate
    await new Promise((r) => setImmediate(r));
    database.gate = null;
    assert.equal(await store.update(key, sampleChange({ v: 'new' }), Date.now()), true);
    open();
    assert.equal((await slowRead)!.data.v, '"old"');
    assert.equal(await cache.get(key, Date.now()), null, 'the stale read did not fill the cache');
    assert.equal((await store.get(key, Date.now()))!.data.v, '"new"');
    await store.close();
  });

  it('a read that started during a write does not put the old copy in the cache either', async () => {
    const cache = new MemoryStore({ sweepInterval: 0 });
    const database = new GatedDatabase({ sweepInterval: 0 });
    const store = new TieredStore({ cache, database });
    const key = newStoreKey();
    await store.create(key, sampleRecord({ v: 'old' }));
    let commit!: () => void;
    let answer!: () => void;
    database.updateGate = new Promise((r) => (commit = r));
    database.gate = new Promise((r) => (answer = r));
    const write = store.update(key, sampleChange({ v: 'new' }), Date.now()); // waits before writing
    const read = store.get(key, Date.now()); // reads 'old' before the write, answers after it
    await new Promise((r) => setImmediate(r));
    commit();
    assert.equal(await write, true);
    database.gate = null;
    answer();
    assert.equal((await read)!.data.v, '"old"');
    assert.equal(await cache.get(key, Date.now()), null, 'the stale read did not fill the cache');
    assert.equal((await store.get(key, Date.now()))!.data.v, '"new"');
    await store.close();
  });

  it('a database failure is the store failure', async () => {
    const database = new FlakyCache({ sweepInterval: 0 });
    const store = new TieredStore({ cache: new MemoryStore({ sweepInterval: 0 }), database });
    database.down = true;
    await assert.rejects(store.get(newStoreKey(), Date.now()), /ECONNREFUSED/);
    await assert.rejects(store.create(newStoreKey(), sampleRecord({ a: 1 })), /ECONNREFUSED/);
    await store.close();
  });

  it('revoking a user drops their cached sessions too', async () => {
    const cache = new MemoryStore({ sweepInterval: 0 });
    const store = new TieredStore({ cache, database: sqlite() });
    const keys = [newStoreKey(), newStoreKey(), newStoreKey()];
    for (const key of keys) {
      await store.create(key, sampleRecord({ a: 1 }, 600_000, { userId: 'grace' }));
      await store.get(key, Date.now());
    }
    assert.equal(await store.destroyByUser('grace', keys[0]), 2);
    assert.ok(await store.get(keys[0]!, Date.now()));
    for (const key of keys.slice(1)) {
      assert.equal(await cache.get(key, Date.now()), null);
      assert.equal(await store.get(key, Date.now()), null);
    }
    await store.close();
  });
});
