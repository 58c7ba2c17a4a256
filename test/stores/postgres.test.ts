import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { describeStoreConformance, newStoreKey, sampleChange, sampleRecord } from '../../src/testing/index.ts';
import { PostgresStore, postgresSchemaSql, POSTGRES_MIGRATION } from '../../src/stores/postgres.ts';
import { closedPort, SERVICES, serviceOrSkip, uniqueSuffix } from '../helpers/services.ts';

const MINUTE = 60_000;
const skip = await serviceOrSkip('postgres');
const url = SERVICES.postgres.url;

const conformanceTable = `cr_conf_${uniqueSuffix()}`;
describeStoreConformance({
  name: 'postgres',
  skip,
  setup: async () => new PostgresStore({ connectionString: url, table: conformanceTable }),
  teardown: async () => {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`DROP TABLE IF EXISTS "${conformanceTable}"`);
    await admin.end();
  },
  dump: async () => {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    const { rows } = await admin.query(`SELECT * FROM "${conformanceTable}"`);
    await admin.end();
    return JSON.stringify(rows);
  },
});

describe('postgres store specifics', { skip }, () => {
  const table = `cr_pg_${uniqueSuffix()}`;
  let admin: pg.Pool;
  let store: PostgresStore;
  before(async () => {
    admin = new pg.Pool({ connectionString: url, max: 2 });
    store = new PostgresStore({ connectionString: url, table });
  });
  after(async () => {
    await store?.close();
    await admin.query(`DROP TABLE IF EXISTS "${table}"`);
    await admin.query(`DROP TABLE IF EXISTS "${table}_pool"`);
    await admin.query(`DROP TABLE IF EXISTS "${table}_mig"`);
    await admin.query(`DROP TABLE IF EXISTS "${table}_drop"`);
    await admin.end();
  });

  it('creates its table and indexes on first use', async () => {
    assert.equal((await admin.query('SELECT to_regclass($1) AS t', [table])).rows[0].t, null, 'no table before first use');
    await store.ready();
    const { rows } = await admin.query(`SELECT indexname FROM pg_indexes WHERE tablename = $1 ORDER BY indexname`, [table]);
    assert.deepEqual(rows.map((r) => r.indexname).sort(), [`${table}_expires_at`, `${table}_pkey`, `${table}_user_id`].sort());
    const types = await admin.query(`SELECT column_name, data_type FROM information_schema.columns WHERE table_name = $1`, [table]);
    const byName = Object.fromEntries(types.rows.map((r) => [r.column_name, r.data_type]));
    assert.equal(byName.data, 'jsonb');
    assert.equal(byName.expires_at, 'bigint');
  });

  it('keeps 50/50 keys when 50 updates of one record run in parallel on the server', async () => {
    // The store's pool holds 10 connections (pg's default), so the 50 UPDATEs really overlap on the server.
    const key = newStoreKey();
    await store.create(key, sampleRecord({ base: 1 }));
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => store.update(key, sampleChange({ [`k${i}`]: i }), Date.now())));
    assert.equal(results.filter(Boolean).length, 50);
    const { rows } = await admin.query(`SELECT data FROM "${table}" WHERE key = $1`, [key]);
    const keys = Object.keys(rows[0].data).filter((k) => k.startsWith('k'));
    assert.equal(keys.length, 50, `kept ${keys.length}/50`);
  });

  it('update writes only the changed keys: a key written by someone else meanwhile survives', async () => {
    const key = newStoreKey();
    await store.create(key, sampleRecord({ a: 1 }));
    await admin.query(`UPDATE "${table}" SET data = data || '{"outside":"1"}'::jsonb WHERE key = $1`, [key]);
    assert.equal(await store.update(key, sampleChange({ b: 2 }, ['a']), Date.now()), true);
    assert.deepEqual((await store.get(key, Date.now()))!.data, { outside: '1', b: '2' });
  });

  it('touch leaves the data column untouched', async () => {
    const key = newStoreKey();
    await store.create(key, sampleRecord({ a: 1 }));
    await admin.query(`UPDATE "${table}" SET data = '{"marker":"1"}'::jsonb WHERE key = $1`, [key]);
    assert.equal(await store.touch(key, Date.now() + 99 * MINUTE, Date.now(), Date.now()), true);
    assert.deepEqual((await store.get(key, Date.now()))!.data, { marker: '1' });
  });

  it('non-object jsonb in the data column reads as an empty session, and writing to it works', async () => {
    for (const garbage of ['[1,2]', '"a string"', 'null', '42']) {
      const key = newStoreKey();
      await store.create(key, sampleRecord({ a: 1 }));
      await admin.query(`UPDATE "${table}" SET data = $2::jsonb WHERE key = $1`, [key, garbage]);
      const got = await store.get(key, Date.now());
      assert.ok(got);
      assert.deepEqual(got.data, {}, `data ${garbage}`);
      assert.equal(await store.update(key, sampleChange({ b: 2 }), Date.now()), true);
      assert.deepEqual((await store.get(key, Date.now()))!.data, { b: '2' });
    }
    const key = newStoreKey();
    await store.create(key, sampleRecord({}));
    await admin.query(`UPDATE "${table}" SET data = '{"n": 5, "o": {"x": true}}'::jsonb WHERE key = $1`, [key]);
    assert.deepEqual((await store.get(key, Date.now()))!.data, { n: '5', o: '{"x":true}' });
  });

  it('clearExpired deletes in batches through the expiry index', async () => {
    await admin.query(
      `INSERT INTO "${table}" (key, data, expires_at, created_at, last_seen_at) SELECT 'exp' || g, '{}', $1, 0, 0 FROM generate_series(1, 2500) g`,
      [Date.now() - MINUTE],
    );
    const progress: number[] = [];
    const deleted = await store.clearExpired(Date.now(), { onProgress: (n) => progress.push(n) });
    assert.ok(deleted >= 2500);
    assert.deepEqual(progress.slice(0, 2), [1000, 2000]);
    assert.equal((await store.stats(Date.now())).expired, 0);
    await admin.query('SET enable_seqscan = off');
    const plan = await admin.query(`EXPLAIN SELECT key FROM "${table}" WHERE expires_at <= 1 LIMIT 10`);
    await admin.query('SET enable_seqscan = on');
    assert.match(plan.rows.map((r) => r['QUERY PLAN']).join('\n'), new RegExp(`${table}_expires_at`));
  });

  it('uses a pool you pass and leaves it open on close', async () => {
    const pool = new pg.Pool({ connectionString: url, max: 2 });
    const own = new PostgresStore({ pool, table: `${table}_pool` });
    assert.equal(own.name, 'postgres://postgres@127.0.0.1:5432/test');
    const key = newStoreKey();
    assert.equal(await own.create(key, sampleRecord({ a: 1 })), true);
    await own.close();
    assert.equal((await pool.query(`SELECT count(*)::int AS n FROM "${table}_pool"`)).rows[0].n, 1);
    await pool.end();
  });

  it('with createTable false it names the missing table, and works once the migration ran', async () => {
    const migTable = `${table}_mig`;
    const own = new PostgresStore({ connectionString: url, table: migTable, createTable: false });
    const missing = (err: Error & { code?: string; status?: number }) => {
      assert.equal(err.code, 'ERR_STORE_SCHEMA');
      assert.equal(err.status, 503);
      assert.ok(err.message.includes(`postgresSchemaSql({ table: '${migTable}' })`) && /migration/.test(err.message), err.message);
      return true;
    };
    await assert.rejects(own.ready(), missing);
    await assert.rejects(own.get(newStoreKey(), Date.now()), missing, 'every call says so until the table exists');
    await admin.query(postgresSchemaSql({ table: migTable }));
    await own.ready();
    assert.equal(await own.create(newStoreKey(), sampleRecord({ a: 1 })), true);
    await own.close();
    assert.match(POSTGRES_MIGRATION, /CREATE TABLE IF NOT EXISTS "cloakroom_sessions"/);
  });

  it('a table dropped under a running store is ERR_STORE_SCHEMA naming it, until it is created again', async () => {
    const dropTable = `${table}_drop`;
    const own = new PostgresStore({ connectionString: url, table: dropTable });
    const key = newStoreKey();
    assert.equal(await own.create(key, sampleRecord({ a: 1 })), true);
    await admin.query(`DROP TABLE "${dropTable}"`);
    await assert.rejects(own.get(key, Date.now()), (err: Error & { code?: string; status?: number }) => {
      assert.equal(err.code, 'ERR_STORE_SCHEMA');
      assert.equal(err.status, 503);
      assert.ok(err.message.includes(`postgresSchemaSql({ table: '${dropTable}' })`), err.message);
      return true;
    });
    await admin.query(postgresSchemaSql({ table: dropTable }));
    assert.equal(await own.get(key, Date.now()), null);
    await own.close();
  });

  it('an unreachable server is a clear error naming the URL without its password', async () => {
    const port = await closedPort();
    const own = new PostgresStore({ connectionString: `postgres://postgres:hunter2@127.0.0.1:${port}/test`, table });
    assert.equal(own.name, `postgres://postgres@127.0.0.1:${port}/test`);
    const check = (err: Error & { code?: string; status?: number }) => {
      assert.equal(err.code, 'ERR_STORE_UNAVAILABLE');
      assert.equal(err.status, 503);
      assert.ok(err.message.includes(`postgres://postgres@127.0.0.1:${port}/test`), err.message);
      assert.ok(!err.message.includes('hunter2'));
      return true;
    };
    const started = Date.now();
    await assert.rejects(own.ready(), check);
    await assert.rejects(own.get(newStoreKey(), Date.now()), check, 'a first call without ready() fails the same way');
    // A refused port answers at once; the bound is only against a hang (generous: a busy machine adds seconds).
    assert.ok(Date.now() - started < 30_000, `took ${Date.now() - started} ms`);
    await own.close();
  });

  it('refuses table and schema names that are not plain identifiers', () => {
    assert.throws(() => new PostgresStore({ connectionString: url, table: 'x"; drop' }), { code: 'ERR_SESSION_CONFIG' });
    assert.throws(() => new PostgresStore({ connectionString: url, schema: 'a.b' }), { code: 'ERR_SESSION_CONFIG' });
    assert.throws(() => new PostgresStore({ table: 'x' }), { code: 'ERR_SESSION_CONFIG' });
  });
});
