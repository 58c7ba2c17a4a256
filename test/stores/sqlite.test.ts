import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describeStoreConformance, newStoreKey, sampleChange, sampleRecord } from '../../src/testing/index.ts';
import { SqliteStore, sqliteSchemaSql } from '../../src/stores/sqlite.ts';
import { BackgroundCheckpoints } from '../../src/stores/sqlite-checkpoints.ts';
import { uniqueSuffix } from '../helpers/services.ts';
import { redactUrl } from '../../src/stores/sql-shared.ts';
import { SessionManager } from '../../src/core/manager.ts';
import { captureEvents } from '../helpers/observe.ts';

const MINUTE = 60_000;
const folder = mkdtempSync(join(tmpdir(), `cloakroom-sqlite-${uniqueSuffix()}-`));
after(() => rmSync(folder, { recursive: true, force: true }));

describeStoreConformance({
  name: 'sqlite',
  setup: async () => new SqliteStore({ path: join(folder, 'conformance', 'sessions.db') }),
  dump: async (store) => JSON.stringify((store as SqliteStore).database.prepare('SELECT * FROM cloakroom_sessions').all()),
  synchronous: true,
});

describeStoreConformance({
  name: 'sqlite, checkpoints in a worker thread',
  setup: async () => new SqliteStore({ path: join(folder, 'conformance-worker', 'sessions.db'), checkpoints: 'worker' }),
  dump: async (store) => JSON.stringify((store as SqliteStore).database.prepare('SELECT * FROM cloakroom_sessions').all()),
  synchronous: true,
});

describe('sqlite store: WAL checkpoints in a worker thread', () => {
  /**
   * Whether `key`'s row is in the database file itself, i.e. checkpointed out of the WAL: read
   * from a copy of the file alone. Undefined when the copy is torn: a plain file copy does not
   * take SQLite's locks, so one made while the worker is writing pages back can mix pages of
   * before and after (opened, it reports SQLITE_CORRUPT). That is the copy's fault, not the
   * store's: SQLite's own readers never see such a state. A torn copy proves nothing either
   * way, so the caller copies again; a row found in any copy is really in the file (only a
   * checkpoint puts it there: the store's own connection does not checkpoint below 10,000 pages).
   */
  function inDatabaseFile(path: string, key: string): boolean | undefined {
    const copy = `${path}.copy-${uniqueSuffix()}`;
    copyFileSync(path, copy);
    let db: Database.Database | undefined;
    try {
      db = new Database(copy);
      // Even the table may still be in the WAL only.
      if (db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'cloakroom_sessions'").get() === undefined) return false;
      return db.prepare('SELECT 1 FROM cloakroom_sessions WHERE key = ?').get(key) !== undefined;
    } catch (err) {
      if (/^SQLITE_(CORRUPT|NOTADB)/.test((err as { code?: string }).code ?? '')) return undefined;
      throw err;
    } finally {
      db?.close();
      for (const file of [copy, `${copy}-wal`, `${copy}-shm`]) rmSync(file, { force: true });
    }
  }

  it("'worker' checkpoints writes into the database file by itself; the store's own connection waits for 10,000 pages", async () => {
    const path = join(folder, 'ckpt-worker', 'sessions.db');
    const store = new SqliteStore({ path, checkpoints: 'worker', checkpointInterval: 20 });
    try {
      assert.equal(store.database.pragma('wal_autocheckpoint', { simple: true }), 10_000);
      const key = newStoreKey();
      await store.create(key, sampleRecord({ username: 'ada' }));
      // Bounded against a worker that never checkpoints; generous, a busy machine starts the worker thread late.
      const deadline = Date.now() + 30_000;
      let found = inDatabaseFile(path, key);
      while (found !== true && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
        found = inDatabaseFile(path, key);
      }
      assert.equal(found, true, 'the write reached the database file');
    } finally {
      await store.close();
    }
    assert.equal(store.database.open, false);
  });

  it("'inline' (the default) leaves SQLite's own auto-checkpoint at 1,000 pages", async () => {
    const path = join(folder, 'ckpt-inline', 'sessions.db');
    const store = new SqliteStore({ path });
    try {
      assert.equal(store.database.pragma('wal_autocheckpoint', { simple: true }), 1000);
      // Below 1,000 pages nothing checkpoints inline: the write stays in the WAL.
      const key = newStoreKey();
      await store.create(key, sampleRecord({ username: 'ada' }));
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(inDatabaseFile(path, key), false);
    } finally {
      await store.close();
    }
  });

  it('close() stops the worker: the data is all there when the file is opened again', { timeout: 60_000 }, async () => {
    const path = join(folder, 'ckpt-close', 'sessions.db');
    const store = new SqliteStore({ path, checkpoints: 'worker' });
    const key = newStoreKey();
    await store.create(key, sampleRecord({ kept: true }));
    const started = Date.now();
    await store.close();
    // At most the 2 s after which close() terminates the worker, plus what a busy machine adds
    // (a worker thread that has not even started yet is what takes that long).
    assert.ok(Date.now() - started < 2000 + 5000, `close took ${Date.now() - started} ms`);
    const again = new SqliteStore({ path });
    try {
      assert.deepEqual((await again.get(key, Date.now()))?.data, { kept: 'true' });
    } finally {
      await again.close();
    }
  });

  it('a worker that cannot open the database leaves checkpoints inline, and close() still returns', { timeout: 60_000 }, async () => {
    const db = new Database(join(folder, 'ckpt-fallback.db'));
    try {
      const checkpoints = BackgroundCheckpoints.start(db, join(folder, 'no-such-folder', 'missing.db'), 20);
      assert.ok(checkpoints);
      assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), 10_000);
      const deadline = Date.now() + 30_000; // a busy machine is slow to start a worker thread
      while (db.pragma('wal_autocheckpoint', { simple: true }) !== 1000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), 1000, "back to SQLite's default once the worker is gone");
      await new Promise((r) => setTimeout(r, 300)); // the worker has exited by now, before close() is asked
      const started = Date.now();
      await checkpoints.close();
      // Without waiting for its 2 s terminate fallback: the worker's exit was already known.
      assert.ok(Date.now() - started < 2000, `close took ${Date.now() - started} ms`);
    } finally {
      db.close();
    }
  });

  it('bad checkpoint options are a configuration error at startup', () => {
    const path = join(folder, 'ckpt-bad', 'sessions.db');
    assert.throws(() => new SqliteStore({ path, checkpoints: 'later' as never }), { code: 'ERR_SESSION_CONFIG' });
    assert.throws(() => new SqliteStore({ path, checkpoints: 'worker', checkpointInterval: 0 }), { code: 'ERR_SESSION_CONFIG' });
  });
});

describe('sqlite store specifics', () => {
  let store: SqliteStore;
  let path: string;
  before(() => {
    path = join(folder, 'nested', 'deeper', 'sessions.db');
    store = new SqliteStore({ path });
  });
  after(() => store.close());

  it('creates the database file and its missing parent folders on first use', () => {
    assert.ok(existsSync(path));
    assert.equal(store.name, `sqlite:${path}`);
  });

  it('runs in WAL mode with synchronous=NORMAL and a busy timeout', () => {
    assert.equal(store.database.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(store.database.pragma('synchronous', { simple: true }), 1); // NORMAL
    assert.equal(store.database.pragma('busy_timeout', { simple: true }), 1000);
  });

  it('indexes expiry and user, and sweeps expired rows through the expiry index', () => {
    const indexes = store.database.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'cloakroom_sessions'`).pluck().all();
    assert.ok(indexes.includes('cloakroom_sessions_expires_at'));
    assert.ok(indexes.includes('cloakroom_sessions_user_id'));
    const plan = store.database
      .prepare(`EXPLAIN QUERY PLAN SELECT rowid FROM cloakroom_sessions WHERE expires_at <= ? LIMIT ?`)
      .all(Date.now(), 10) as Array<{ detail: string }>;
    assert.match(plan.map((p) => p.detail).join('\n'), /USING (COVERING )?INDEX cloakroom_sessions_expires_at/);
  });

  it('keeps 50/50 keys when 50 updates of one record run in parallel', async () => {
    const key = newStoreKey();
    await store.create(key, sampleRecord({ base: 1 }));
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => store.update(key, sampleChange({ [`k${i}`]: i }), Date.now())));
    assert.equal(results.filter(Boolean).length, 50);
    const data = (await store.get(key, Date.now()))!.data;
    assert.equal(Object.keys(data).filter((k) => k.startsWith('k')).length, 50);
  });

  it('two stores on one file (two processes in production) see each other’s writes and merge', async () => {
    const other = new SqliteStore({ path });
    try {
      const key = newStoreKey();
      await store.create(key, sampleRecord({ a: 1 }));
      assert.equal(await other.update(key, sampleChange({ b: 2 }), Date.now()), true);
      assert.equal(await store.update(key, sampleChange({ c: 3 }), Date.now()), true);
      assert.deepEqual(Object.keys((await other.get(key, Date.now()))!.data).sort(), ['a', 'b', 'c']);
    } finally {
      await other.close();
    }
  });

  it('garbage in the data column reads as an empty session, and writing to it works', async () => {
    for (const garbage of ['not json at all', '[1,2,3]', '"a string"', '{"truncated": "x']) {
      const key = newStoreKey();
      await store.create(key, sampleRecord({ a: 1 }));
      store.database.prepare(`UPDATE cloakroom_sessions SET data = ? WHERE key = ?`).run(garbage, key);
      const got = await store.get(key, Date.now());
      assert.ok(got, `a row with ${garbage} is still a record`);
      assert.deepEqual(got.data, {});
      assert.equal(await store.update(key, sampleChange({ b: 2 }), Date.now()), true);
      assert.deepEqual((await store.get(key, Date.now()))!.data, { b: '2' });
    }
  });

  it('a native JSON value in the data column reads as its JSON text', async () => {
    const key = newStoreKey();
    await store.create(key, sampleRecord({}));
    store.database.prepare(`UPDATE cloakroom_sessions SET data = ? WHERE key = ?`).run('{"n": 5, "o": {"x": true}}', key);
    assert.deepEqual((await store.get(key, Date.now()))!.data, { n: '5', o: '{"x":true}' });
  });

  it('uses a Database you pass, a custom table, and leaves that Database open on close', async () => {
    const db = new Database(join(folder, 'own.db'));
    const table = `sessions_${uniqueSuffix()}`;
    const own = new SqliteStore({ database: db, table });
    const key = newStoreKey();
    assert.equal(await own.create(key, sampleRecord({ a: 1 })), true);
    assert.equal(db.prepare(`SELECT count(*) FROM "${table}"`).pluck().get(), 1);
    await own.close();
    assert.equal(db.open, true);
    db.close();
  });

  it('answers synchronously, and a failing SQLite call is a 503 SessionError, thrown where the core called it', async () => {
    const database = new Database(':memory:');
    const own = new SqliteStore({ database });
    const captured = captureEvents();
    const manager = new SessionManager({ store: own, secrets: 'a-test-secret-that-is-long-enough-123', ...captured.options });
    const fresh = manager.loadNow(undefined);
    assert.ok(!(fresh instanceof Promise));
    fresh.set('n', 1);
    const saved = manager.commitNow(fresh, 200);
    assert.ok(!(saved instanceof Promise), 'a synchronous store commits without a promise');
    const cookie = saved.setCookie!.split(';')[0]!;
    const loaded = manager.loadNow(cookie);
    assert.ok(!(loaded instanceof Promise));
    assert.equal(loaded.get('n'), 1);

    database.pragma('query_only = ON'); // every write now fails inside SQLite itself
    loaded.set('n', 2);
    assert.throws(() => manager.commitNow(loaded, 200), (err: any) => err.code === 'ERR_STORE_UNAVAILABLE' && err.status === 503 && /readonly/i.test(err.message));
    await assert.rejects(manager.commit(loaded, { status: 200 }), { code: 'ERR_STORE_UNAVAILABLE' });
    database.close(); // and now every read fails too
    assert.throws(() => manager.loadNow(cookie), (err: any) => err.code === 'ERR_STORE_UNAVAILABLE' && err.status === 503);
    const lenient = captureEvents();
    const standIn = new SessionManager({ store: own, secrets: 'a-test-secret-that-is-long-enough-123', storeOutage: 'anonymous', ...lenient.options }).loadNow(cookie);
    assert.ok(!(standIn instanceof Promise) && standIn.isDegraded, "storeOutage: 'anonymous' serves a stand-in on the synchronous path too");
    assert.deepEqual([captured.take(), lenient.take()], [['store.outage-began'], ['store.outage-began']], 'one outage each, however many calls failed');
  });

  it('refuses a table name that is not a plain identifier', () => {
    assert.throws(() => new SqliteStore({ path: ':memory:', table: 'x"; DROP TABLE y; --' }), { code: 'ERR_SESSION_CONFIG' });
    assert.throws(() => sqliteSchemaSql('1abc'), { code: 'ERR_SESSION_CONFIG' });
  });

  it('an unopenable path is a clear startup error naming it', () => {
    const blocker = join(folder, 'a-file');
    new Database(blocker).close(); // a file where the store wants a folder
    const bad = join(blocker, 'sub', 'sessions.db');
    assert.throws(
      () => new SqliteStore({ path: bad }),
      (err: Error & { code?: string }) => err.code === 'ERR_STORE_UNAVAILABLE' && err.message.includes(`sqlite:${bad}`),
    );
  });

  it('clearExpired reports progress per batch and uses the default batch size', async () => {
    const mem = new SqliteStore({ path: ':memory:' });
    const insert = mem.database.prepare(
      `INSERT INTO cloakroom_sessions (key, data, expires_at, created_at, last_seen_at) VALUES (?, '{}', ?, 0, 0)`,
    );
    const past = Date.now() - MINUTE;
    mem.database.transaction(() => {
      for (let i = 0; i < 2500; i++) insert.run(`k${i}`, past);
    })();
    await mem.create(newStoreKey(), sampleRecord({ live: true }));
    const progress: number[] = [];
    assert.equal(await mem.clearExpired(Date.now(), { onProgress: (n) => progress.push(n) }), 2500);
    assert.deepEqual(progress, [1000, 2000, 2500]);
    assert.deepEqual(await mem.stats(Date.now()), { live: 1, expired: 0 });
    await assert.rejects(mem.clearExpired(Date.now(), { batchSize: 0 }), { code: 'ERR_SESSION_CONFIG' });
    await mem.close();
  });
});

describe('store names never carry a password', () => {
  it('redactUrl drops the password and password-like query parameters, and never echoes garbage', () => {
    assert.equal(redactUrl('postgres://app:s3cret@db.internal:5432/prod'), 'postgres://app@db.internal:5432/prod');
    assert.equal(redactUrl('mysql://root:@127.0.0.1:3306/test'), 'mysql://root@127.0.0.1:3306/test');
    const withQuery = redactUrl('postgres://db/prod?sslmode=require&password=s3cret&sslkey=/k');
    assert.ok(!withQuery.includes('s3cret') && withQuery.includes('sslmode=require'), withQuery);
    assert.equal(redactUrl('app:s3cret@not a url'), '(unparseable connection string)');
  });
});
