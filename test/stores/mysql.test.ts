import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import mysql from 'mysql2/promise';
import { describeStoreConformance, newStoreKey, sampleChange, sampleRecord } from '../../src/testing/index.ts';
import { MysqlStore, mysqlSchemaSql, MYSQL_MIGRATION } from '../../src/stores/mysql.ts';
import { closedPort, SERVICES, serviceOrSkip, uniqueSuffix } from '../helpers/services.ts';

const MINUTE = 60_000;
const skip = await serviceOrSkip('mysql');
const url = SERVICES.mysql.url;

async function withAdmin<T>(fn: (c: mysql.Connection) => Promise<T>): Promise<T> {
  const c = await mysql.createConnection(url);
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

const conformanceTable = `cr_conf_${uniqueSuffix()}`;
describeStoreConformance({
  name: 'mysql/mariadb',
  skip,
  setup: async () => new MysqlStore({ connectionString: url, table: conformanceTable }),
  teardown: () => withAdmin((c) => c.query(`DROP TABLE IF EXISTS \`${conformanceTable}\``)).then(() => {}),
  dump: () => withAdmin(async (c) => JSON.stringify((await c.query(`SELECT * FROM \`${conformanceTable}\``))[0])),
});

describe('mysql/mariadb store specifics', { skip }, () => {
  const table = `cr_my_${uniqueSuffix()}`;
  let admin: mysql.Pool;
  let store: MysqlStore;
  const q = (sql: string, values: unknown[] = []) => admin.query<mysql.RowDataPacket[]>(sql, values).then(([rows]) => rows);
  before(() => {
    admin = mysql.createPool({ uri: url, connectionLimit: 2 });
    store = new MysqlStore({ connectionString: url, table });
  });
  after(async () => {
    await store?.close();
    for (const suffix of ['', '_pool', '_text', '_mig', '_rows', '_drop']) await admin.query(`DROP TABLE IF EXISTS \`${table}${suffix}\``);
    await admin.end();
  });

  it('creates its table and indexes on first use', async () => {
    assert.equal((await q('SHOW TABLES LIKE ?', [table])).length, 0, 'no table before first use');
    await store.ready();
    const indexes = new Set((await q(`SHOW INDEX FROM \`${table}\``)).map((r) => r.Key_name));
    assert.deepEqual([...indexes].sort(), ['PRIMARY', `${table}_expires_at`, `${table}_user_id`].sort());
  });

  it('keeps 50/50 keys when 50 updates of one record run in parallel on the server', async () => {
    const key = newStoreKey();
    await store.create(key, sampleRecord({ base: 1 }));
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => store.update(key, sampleChange({ [`k${i}`]: i }), Date.now())));
    assert.equal(results.filter(Boolean).length, 50);
    const [row] = await q(`SELECT data FROM \`${table}\` WHERE \`key\` = ?`, [key]);
    const data = typeof row!.data === 'string' ? JSON.parse(row!.data) : row!.data; // MariaDB: text; MySQL 8: object
    const kept = Object.keys(data).filter((k) => k.startsWith('k')).length;
    assert.equal(kept, 50, `kept ${kept}/50`);
  });

  it('update writes only the changed keys: a key written by someone else meanwhile survives', async () => {
    const key = newStoreKey();
    await store.create(key, sampleRecord({ a: 1 }));
    await q(`UPDATE \`${table}\` SET data = JSON_SET(data, '$.outside', '1') WHERE \`key\` = ?`, [key]);
    assert.equal(await store.update(key, sampleChange({ b: 2 }, ['a']), Date.now()), true);
    assert.deepEqual((await store.get(key, Date.now()))!.data, { outside: '1', b: '2' });
  });

  it('keys differing only in letter case are different sessions (binary collation)', async () => {
    const lower = `${'a'.repeat(42)}b`;
    const upper = `${'a'.repeat(42)}B`;
    assert.equal(await store.create(lower, sampleRecord({ who: 'lower' })), true);
    assert.equal(await store.create(upper, sampleRecord({ who: 'upper' })), true);
    assert.deepEqual((await store.get(upper, Date.now()))!.data, { who: '"upper"' });
  });

  it('touch with unchanged values still reports the record as there, even without FOUND_ROWS', async () => {
    const pool = mysql.createPool({ uri: url, connectionLimit: 2, flags: ['-FOUND_ROWS'] });
    const own = new MysqlStore({ pool, table });
    const key = newStoreKey();
    await own.create(key, sampleRecord({ a: 1 }));
    const later = Date.now() + 30 * MINUTE;
    const seen = Date.now();
    assert.equal(await own.touch(key, later, seen, Date.now()), true);
    assert.equal(await own.touch(key, later, seen, Date.now()), true, 'same values: 0 changed, 1 matched');
    assert.equal(await own.update(key, { set: {}, unset: [], replace: false, expiresAt: later, lastSeenAt: seen }, Date.now()), true);
    await own.close();
    await pool.end();
  });

  it('non-object JSON in the data column reads as an empty session, and writing to it works', async () => {
    for (const garbage of ['[1,2]', '"a string"', 'null', '42']) {
      const key = newStoreKey();
      await store.create(key, sampleRecord({ a: 1 }));
      await q(`UPDATE \`${table}\` SET data = ? WHERE \`key\` = ?`, [garbage, key]);
      const got = await store.get(key, Date.now());
      assert.ok(got);
      assert.deepEqual(got.data, {}, `data ${garbage}`);
      assert.equal(await store.update(key, sampleChange({ b: 2 }), Date.now()), true);
      assert.deepEqual((await store.get(key, Date.now()))!.data, { b: '2' });
    }
  });

  it('text that is not JSON at all (a table migrated with a LONGTEXT data column) reads as empty', async () => {
    const textTable = `${table}_text`;
    await admin.query(mysqlSchemaSql({ table: textTable }).replace('`data` JSON NOT NULL', '`data` LONGTEXT NOT NULL'));
    const own = new MysqlStore({ connectionString: url, table: textTable, createTable: false });
    const key = newStoreKey();
    await own.create(key, sampleRecord({ a: 1 }));
    await q(`UPDATE \`${textTable}\` SET data = 'garbage{' WHERE \`key\` = ?`, [key]);
    assert.deepEqual((await own.get(key, Date.now()))!.data, {});
    assert.equal(await own.update(key, sampleChange({ b: 2 }), Date.now()), true);
    assert.deepEqual((await own.get(key, Date.now()))!.data, { b: '2' });
    await own.close();
  });

  it('clearExpired deletes in batches through the expiry index', async () => {
    const rowsTable = `${table}_rows`;
    const own = new MysqlStore({ connectionString: url, table: rowsTable });
    await own.ready();
    const past = Date.now() - MINUTE;
    const values = Array.from({ length: 2500 }, (_, i) => [`exp${i}`, '{}', past, 0, 0]);
    await admin.query(`INSERT INTO \`${rowsTable}\` (\`key\`, data, expires_at, created_at, last_seen_at) VALUES ?`, [values]);
    await own.create(newStoreKey(), sampleRecord({ live: true }));
    const progress: number[] = [];
    assert.equal(await own.clearExpired(Date.now(), { onProgress: (n) => progress.push(n) }), 2500);
    assert.deepEqual(progress, [1000, 2000, 2500]);
    assert.deepEqual(await own.stats(Date.now()), { live: 1, expired: 0 });
    const plan = await q(`EXPLAIN DELETE FROM \`${rowsTable}\` WHERE expires_at <= ? ORDER BY expires_at LIMIT 10`, [Date.now()]);
    assert.equal(plan[0]!.key, `${rowsTable}_expires_at`);
    await own.close();
  });

  it('uses a pool you pass, names it without a password, and leaves it open on close', async () => {
    const pool = mysql.createPool({ uri: 'mysql://root:@127.0.0.1:3306/test', connectionLimit: 2 });
    const own = new MysqlStore({ pool, table: `${table}_pool` });
    assert.equal(own.name, 'mysql://root@127.0.0.1:3306/test');
    assert.equal(await own.create(newStoreKey(), sampleRecord({ a: 1 })), true);
    await own.close();
    const [rows] = await pool.query<mysql.RowDataPacket[]>(`SELECT COUNT(*) AS n FROM \`${table}_pool\``);
    assert.equal(Number(rows[0]!.n), 1);
    await pool.end();
  });

  it('with createTable false it names the missing table, and works once the migration ran', async () => {
    const migTable = `${table}_mig`;
    const own = new MysqlStore({ connectionString: url, table: migTable, createTable: false });
    const missing = (err: Error & { code?: string; status?: number }) => {
      assert.equal(err.code, 'ERR_STORE_SCHEMA');
      assert.equal(err.status, 503);
      assert.ok(err.message.includes(`mysqlSchemaSql({ table: '${migTable}' })`) && /migration/.test(err.message), err.message);
      return true;
    };
    await assert.rejects(own.ready(), missing);
    await assert.rejects(own.get(newStoreKey(), Date.now()), missing, 'every call says so until the table exists');
    await admin.query(mysqlSchemaSql({ table: migTable }));
    await own.ready();
    assert.equal(await own.create(newStoreKey(), sampleRecord({ a: 1 })), true);
    await own.close();
    assert.match(MYSQL_MIGRATION, /CREATE TABLE IF NOT EXISTS `cloakroom_sessions`/);
  });

  it('a table dropped under a running store is ERR_STORE_SCHEMA naming it, until it is created again', async () => {
    const dropTable = `${table}_drop`;
    const own = new MysqlStore({ connectionString: url, table: dropTable });
    const key = newStoreKey();
    assert.equal(await own.create(key, sampleRecord({ a: 1 })), true);
    await admin.query(`DROP TABLE \`${dropTable}\``);
    await assert.rejects(own.get(key, Date.now()), (err: Error & { code?: string; status?: number }) => {
      assert.equal(err.code, 'ERR_STORE_SCHEMA');
      assert.equal(err.status, 503);
      assert.ok(err.message.includes(`mysqlSchemaSql({ table: '${dropTable}' })`), err.message);
      return true;
    });
    await admin.query(mysqlSchemaSql({ table: dropTable }));
    assert.equal(await own.get(key, Date.now()), null);
    await own.close();
  });

  it('an unreachable server is a clear error naming the URL without its password', async () => {
    const port = await closedPort();
    const own = new MysqlStore({ connectionString: `mysql://root:hunter2@127.0.0.1:${port}/test`, table });
    assert.equal(own.name, `mysql://root@127.0.0.1:${port}/test`);
    const check = (err: Error & { code?: string; status?: number }) => {
      assert.equal(err.code, 'ERR_STORE_UNAVAILABLE');
      assert.equal(err.status, 503);
      assert.ok(err.message.includes(`mysql://root@127.0.0.1:${port}/test`), err.message);
      assert.ok(!err.message.includes('hunter2'));
      return true;
    };
    const started = Date.now();
    await assert.rejects(own.ready(), check);
    await assert.rejects(own.create(newStoreKey(), sampleRecord({})), check, 'a first call without ready() fails the same way');
    // A refused port answers at once; the bound is only against a hang (generous: a busy machine adds seconds).
    assert.ok(Date.now() - started < 30_000, `took ${Date.now() - started} ms`);
    await own.close();
  });

  it('refuses a table name that is not a plain identifier, and a store without a connection', () => {
    assert.throws(() => new MysqlStore({ connectionString: url, table: 'x`; drop' }), { code: 'ERR_SESSION_CONFIG' });
    assert.throws(() => new MysqlStore({}), { code: 'ERR_SESSION_CONFIG' });
  });
});
