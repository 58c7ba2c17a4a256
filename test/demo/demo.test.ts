/**
 * The seed demo's HTTP tests on every framework whose adapter exists (memory store), and on
 * every store the demo can be pointed at with SESSION_STORE (node:http). Server stores run on
 * the real services with a table/prefix unique to this run, dropped afterwards.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import pg from 'pg';
import mysql from 'mysql2/promise';
import { Redis } from 'ioredis';
import { AVAILABLE_FRAMEWORKS } from './harness.ts';
import type { FrameworkName } from '../../examples/seed/config.ts';
import { seedAppSuite } from './seed-app.ts';
import { SERVICES, serviceOrSkip, uniqueSuffix } from '../helpers/services.ts';

for (const framework of AVAILABLE_FRAMEWORKS) {
  seedAppSuite({ framework, store: () => 'memory:', storeName: 'memory' });
}

/** The framework the store runs use (node:http, the default; DEMO_STORE_FRAMEWORK overrides). */
const STORE_FRAMEWORK = (process.env.DEMO_STORE_FRAMEWORK ?? 'node') as FrameworkName;

const tempDir = mkdtempSync(join(tmpdir(), 'cloakroom-demo-'));
after(() => rmSync(tempDir, { recursive: true, force: true }));

seedAppSuite({ framework: STORE_FRAMEWORK, store: () => `sqlite:${join(tempDir, 'sessions.db')}`, storeName: 'sqlite' });
seedAppSuite({ framework: STORE_FRAMEWORK, store: () => `file:${join(tempDir, 'files')}`, storeName: 'file' });
// Stateless: the session is sealed in the cookie, so server-side revocation does not exist.
seedAppSuite({ framework: STORE_FRAMEWORK, store: () => 'cookie:', storeName: 'cookie', stateless: true });

// Server stores: one entry per SESSION_STORE URL, skipped (loudly) when the service is down
// outside CI and failing in CI. Each gets a table or key prefix of its own and cleans it up.
const suffix = uniqueSuffix();
const table = `demo_${suffix}`;
const prefix = `demo_${suffix}:`;

const redisSkip = await serviceOrSkip('redis');
seedAppSuite({ framework: STORE_FRAMEWORK, store: () => `${SERVICES.redis.url}/?prefix=${prefix}`, storeName: 'redis', skip: redisSkip });
// Django's cached_db: Redis in front of SQLite.
seedAppSuite({
  framework: STORE_FRAMEWORK,
  store: () => `tiered:${SERVICES.redis.url}/?prefix=${prefix}t:|sqlite:${join(tempDir, 'tiered.db')}`,
  storeName: 'tiered',
  skip: redisSkip,
});
if (!redisSkip) after(() => dropRedisPrefix(prefix));

const postgresSkip = await serviceOrSkip('postgres');
seedAppSuite({ framework: STORE_FRAMEWORK, store: () => SERVICES.postgres.url, storeOptions: { table }, storeName: 'postgres', skip: postgresSkip });
if (!postgresSkip) {
  after(async () => {
    const client = new pg.Client({ connectionString: SERVICES.postgres.url });
    await client.connect();
    await client.query(`DROP TABLE IF EXISTS "${table}"`);
    await client.end();
  });
}

const mysqlSkip = await serviceOrSkip('mysql');
seedAppSuite({ framework: STORE_FRAMEWORK, store: () => SERVICES.mysql.url, storeOptions: { table }, storeName: 'mysql', skip: mysqlSkip });
if (!mysqlSkip) {
  after(async () => {
    const connection = await mysql.createConnection({ host: SERVICES.mysql.host, port: SERVICES.mysql.port, user: 'root', database: 'test' });
    await connection.query(`DROP TABLE IF EXISTS \`${table}\``);
    await connection.end();
  });
}

/** Deletes this run's Redis keys (SCAN, bounded batches; never FLUSHALL). */
async function dropRedisPrefix(keyPrefix: string): Promise<void> {
  const redis = new Redis(SERVICES.redis.port, SERVICES.redis.host, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  let cursor = '0';
  for (let round = 0; round < 10_000; round++) {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', 500);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
    if (cursor === '0') break;
  }
  await redis.quit();
}
