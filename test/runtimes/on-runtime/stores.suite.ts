// Run ON Bun (`bun test`) and Deno (`deno test`) by test/runtimes/{bun,deno}.test.ts: the store
// conformance suite against the runtime's own SQLite (bun:sqlite / node:sqlite) and the
// existing Redis and PostgreSQL stores through the runtime's npm compatibility (ioredis, pg).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import pg from 'pg';
import { describeStoreConformance } from '../../../src/testing/index.ts';
import { openBunSqliteStore, openNodeSqliteStore, type SyncSqliteStore } from '../../../src/stores/sqlite-sync.ts';
import { createRedisStore, type RedisStore } from '../../../src/stores/redis.ts';
import { PostgresStore } from '../../../src/stores/postgres.ts';
import { SERVICES, serviceOrSkip, uniqueSuffix } from '../../helpers/services.ts';
import { deleteRedisKeys, dumpRedisKeys } from '../../helpers/redis-cluster.ts';

const runtime = 'Bun' in globalThis ? 'bun' : 'Deno' in globalThis ? 'deno' : 'node';
const dir = mkdtempSync(join(tmpdir(), `cloakroom-${runtime}-`));
after(() => rmSync(dir, { recursive: true, force: true }));

const sqliteTable = `conf_${uniqueSuffix()}`;
describeStoreConformance({
  name: `${runtime === 'bun' ? 'bun:sqlite' : 'node:sqlite'} on ${runtime}`,
  synchronous: true,
  setup: () => (runtime === 'bun' ? openBunSqliteStore : openNodeSqliteStore)({ path: join(dir, 'sessions.db'), table: sqliteTable }),
  dump: async (store) => JSON.stringify((store as SyncSqliteStore).database.prepare(`SELECT * FROM "${sqliteTable}"`).all()),
});

describeStoreConformance({
  name: `redis (ioredis) on ${runtime}`,
  skip: await serviceOrSkip('redis'),
  setup: async () => createRedisStore({ client: SERVICES.redis.url, prefix: `cloakroom-test:${runtime}:${uniqueSuffix()}:` }),
  teardown: async (store) => deleteRedisKeys(store as RedisStore),
  dump: async (store) => dumpRedisKeys(store as RedisStore),
});

const pgTable = `cr_${runtime}_${uniqueSuffix()}`;
async function admin<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: SERVICES.postgres.url });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}
describeStoreConformance({
  name: `postgres (pg) on ${runtime}`,
  skip: await serviceOrSkip('postgres'),
  setup: async () => new PostgresStore({ connectionString: SERVICES.postgres.url, table: pgTable }),
  teardown: () => admin(async (c) => void (await c.query(`DROP TABLE IF EXISTS "${pgTable}"`))),
  dump: () => admin(async (c) => JSON.stringify((await c.query(`SELECT * FROM "${pgTable}"`)).rows)),
});
