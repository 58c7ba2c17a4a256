/**
 * Scale study (issue 4 §3), run with `--scale`: for SQLite, PostgreSQL and Redis,
 *  - read and write p50/p99 with ~1,000 and with 1,000,000 stored sessions (the extra sessions
 *    are bulk-loaded straight into the backend; the measured ones are minted by the server's own
 *    login route, one per connection);
 *  - the real `cloakroom clear-expired` command deleting 1,000,000 expired sessions, in its own
 *    process beside the server, while a read load runs: request p99 during the sweep vs just
 *    before it.
 * Redis expires records by itself (native TTLs), so there is nothing expired to sweep: its row
 * measures `clearExpired` as it is there, a SCAN of the whole keyspace for user indexes.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configById } from './configs.ts';
import { ServerChild, scriptEntry } from './child.ts';
import { loginCookies } from './login.ts';
import { runLoad, type LoadResult, type LoadTool } from './load.ts';
import { ROUTES, repoModuleUrl } from './apps/common.ts';
import { POSTGRES_URL, REDIS_URL, STORE_MODULES, dropTable, deleteKeys, openCloakroomStore, type StoreKind } from './apps/cloakroom-stores.ts';
import type { BenchResults, ScaleRow } from './results.ts';
import { median } from './stats.ts';
import { canConnect } from '../test/helpers/services.ts';
import { pinned } from './pinning.ts';
import { DEFAULT_NICENESS } from '../src/cli/main.ts';

type Scale = NonNullable<BenchResults['scale']>;
type Sweep = Scale['sweeps'][number];

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MILLION = 1_000_000;
const CONNECTIONS = 10;
const SECONDS = 4;
/** p99 on a shared 2-core machine swings by several times between windows: every figure is the median of this many. */
const ROUNDS = 3;
const DAY = 86_400_000;

interface Backend {
  kind: Exclude<StoreKind, 'memory' | 'cookie'>;
  label: string;
  service?: { host: string; port: number };
  /** Where this run's data lives: a file path, a table, or a key prefix. */
  target: string;
  /** `cloakroom clear-expired` arguments naming this run's data. */
  cliArgs: string[];
  /** Adds `count` sessions numbered from `from`, expiring at `expiresAt`. */
  bulkLoad(from: number, count: number, expiresAt: number): Promise<void>;
  /**
   * Brings the backend to the steady state a store that grew to this size over time would be in.
   * A million rows inserted in one statement leave PostgreSQL with an autovacuum of the whole
   * table and a checkpoint of ~1 GB of WAL still to come, and SQLite with the rows in its WAL:
   * measured without this, PostgreSQL's write p99 at 1M was ~350 ms (vs 20 ms at 1k), which is
   * the bulk load's aftermath, not what 1M stored sessions cost.
   */
  settle(): Promise<void>;
  cleanup(): Promise<void>;
}

/** A fake but well-formed store key (43 base64url characters) for bulk session `i`. */
const bulkKey = (i: number) => `bulk${String(i).padStart(39, '0')}`;
const USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64) bench';

async function sqliteBackend(): Promise<Backend> {
  const dir = mkdtempSync(join(tmpdir(), 'cloakroom-scale-'));
  const path = join(dir, 'sessions.db');
  const { default: Database } = await import('better-sqlite3');
  const { sqliteSchemaSql } = (await import(repoModuleUrl(STORE_MODULES.sqlite, import.meta.url))) as typeof import('../src/stores/sqlite.ts');
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  db.exec(sqliteSchemaSql());
  return {
    kind: 'sqlite',
    label: 'SQLite',
    target: path,
    cliArgs: ['--store', `sqlite:${path}`],
    async bulkLoad(from, count, expiresAt) {
      // One statement with a recursive CTE: a million rows in seconds, in one transaction.
      db.prepare(
        `WITH RECURSIVE n(i) AS (SELECT ? UNION ALL SELECT i + 1 FROM n WHERE i < ?)
         INSERT INTO "cloakroom_sessions" (key, data, expires_at, created_at, last_seen_at, user_id, user_agent)
         SELECT 'bulk' || printf('%039d', i), json_object('username', '"user' || i || '"'), ?, ?, ?, NULL, ? FROM n`,
      ).run(from, from + count - 1, expiresAt, Date.now() - DAY, Date.now() - DAY, USER_AGENT);
    },
    async settle() {
      db.pragma('wal_checkpoint(TRUNCATE)');
    },
    async cleanup() {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function postgresBackend(): Promise<Backend> {
  const { default: pg } = await import('pg');
  const table = `bench_scale_${process.pid}`;
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  const { postgresSchemaSql } = (await import(repoModuleUrl(STORE_MODULES.postgres, import.meta.url))) as typeof import('../src/stores/postgres.ts');
  await client.query(postgresSchemaSql({ table }));
  return {
    kind: 'postgres',
    label: 'PostgreSQL',
    target: table,
    cliArgs: ['--store', POSTGRES_URL, '--table', table],
    async bulkLoad(from, count, expiresAt) {
      await client.query(
        `INSERT INTO "${table}" (key, data, expires_at, created_at, last_seen_at, user_id, user_agent)
         SELECT 'bulk' || lpad(i::text, 39, '0'), jsonb_build_object('username', '"user' || i || '"'), $3, $4, $4, NULL, $5
         FROM generate_series($1::int, $2::int) AS i`,
        [from, from + count - 1, expiresAt, Date.now() - DAY, USER_AGENT],
      );
    },
    async settle() {
      await client.query(`VACUUM (ANALYZE) "${table}"`);
      // Needs superuser or pg_checkpoint (PostgreSQL 15+); without it the checkpoint comes on its own.
      await client.query('CHECKPOINT').catch(() => {});
    },
    async cleanup() {
      await client.end();
      await dropTable(table);
    },
  };
}

async function redisBackend(): Promise<Backend> {
  const prefix = `cloakroom-bench-scale:${process.pid}:`;
  const opened = await openCloakroomStore('redis', { counts: {}, prefix }, prefix);
  const store = opened.store as import('../src/stores/redis.ts').RedisStore;
  return {
    kind: 'redis',
    label: 'Redis',
    target: prefix,
    cliArgs: ['--store', `${REDIS_URL}?prefix=${encodeURIComponent(prefix)}`],
    async bulkLoad(from, count, expiresAt) {
      // Through the store's own create (its Lua script), 2,000 in flight: ioredis pipelines them.
      const now = Date.now();
      for (let start = from; start < from + count; start += 2000) {
        const batch: Promise<boolean>[] = [];
        for (let i = start; i < Math.min(from + count, start + 2000); i++) {
          batch.push(store.create(bulkKey(i), { data: { username: `"user${i}"` }, expiresAt, createdAt: now, lastSeenAt: now, userId: null, userAgent: USER_AGENT }));
        }
        await Promise.all(batch);
      }
    },
    async settle() {},
    async cleanup() {
      await deleteKeys(store.client as import('ioredis').Redis, prefix);
      await opened.close();
    },
  };
}

/**
 * Runs the real `cloakroom clear-expired` command in a process of its own, on the server's core
 * (cron on the app's machine competes with the app, and that is what its niceness is for), and
 * resolves what its summary line reports. On the load generator's core instead, the sweep's I/O
 * slowed wrk itself: read p99 rose 2.5–2.8× while the server's CPU per request did not change,
 * and a SQLite reader timed in-process saw its p99 move by under 1.4×.
 */
function clearExpiredCommand(args: string[]): Promise<{ deleted: number; niceness: string }> {
  const { script, loader } = scriptEntry('src/cli/index.ts');
  const [command, argv] = pinned('server', process.execPath, [...loader, script, 'clear-expired', ...args]);
  return new Promise((resolve, reject) => {
    execFile(command, argv, { maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      const summary = /^Deleted (\d+) .*?(?:\(niceness (\d+)\))?\.$/m.exec(stdout);
      if (err || !summary) reject(new Error(`clear-expired failed: ${err?.message ?? ''} ${stderr}${stdout}`));
      else resolve({ deleted: Number(summary[1]), niceness: summary[2] ?? 'unchanged' });
    });
  });
}

function range(values: number[]): [number, number] {
  return [Math.min(...values), Math.max(...values)];
}

async function measureAt(server: ServerChild, cookies: string[], tool: LoadTool, path: string, seconds = SECONDS, signal?: AbortSignal): Promise<LoadResult> {
  return runLoad(tool, { url: `http://127.0.0.1:${server.port}${path}`, connections: CONNECTIONS, durationSeconds: seconds, cookies, ...(signal ? { signal } : {}) });
}

async function studyBackend(backend: Backend, tool: LoadTool, log: (m: string) => void, rows: ScaleRow[], sweeps: Sweep[]): Promise<void> {
  const server = await ServerChild.start('cr-node-scale', [], 30_000, { BENCH_STORE_KIND: backend.kind, BENCH_STORE_TARGET: backend.target });
  try {
    const cookies = await loginCookies(configById('cr-node-scale'), server.port, CONNECTIONS);
    const live = Date.now() + 30 * DAY;
    let stored = CONNECTIONS;
    for (const total of [1_000, MILLION]) {
      const t0 = Date.now();
      await backend.bulkLoad(stored, total - stored, live);
      await backend.settle();
      log(`${backend.label}: ${total.toLocaleString('en-US')} sessions stored (bulk load ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
      stored = total;
      await measureAt(server, cookies, tool, ROUTES.read, 2); // warm-up
      const reads: LoadResult[] = [];
      const writes: LoadResult[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        reads.push(await measureAt(server, cookies, tool, ROUTES.read));
        writes.push(await measureAt(server, cookies, tool, ROUTES.write));
      }
      const errors = [...reads, ...writes].reduce((a, l) => a + l.errors, 0);
      rows.push({
        store: backend.label,
        sessions: total.toLocaleString('en-US'),
        readP50: median(reads.map((l) => l.p50)),
        readP99: median(reads.map((l) => l.p99)),
        readP99Range: range(reads.map((l) => l.p99)),
        writeP50: median(writes.map((l) => l.p50)),
        writeP99: median(writes.map((l) => l.p99)),
        writeP99Range: range(writes.map((l) => l.p99)),
        note: errors > 0 ? `${errors} errors` : `${Math.round(median(reads.map((l) => l.rps)))} / ${Math.round(median(writes.map((l) => l.rps)))} req/s`,
      });
    }

    // The sweep, once: a million expired sessions beside the million live ones (Redis: none can
    // exist). At its default niceness it takes minutes on the saturated server core, one long
    // window that needs no repeating; the read p99 without it is the median of ROUNDS windows
    // right before, and the ratio's range spans those windows.
    const expired = backend.kind === 'redis' ? 0 : MILLION;
    if (expired > 0) {
      const t0 = Date.now();
      await backend.bulkLoad(2 * MILLION, expired, Date.now() - DAY);
      await backend.settle();
      log(`${backend.label}: ${expired.toLocaleString('en-US')} expired sessions added (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    }
    const cpu0 = await server.snapshot();
    const befores: LoadResult[] = [];
    for (let round = 0; round < ROUNDS; round++) befores.push(await measureAt(server, cookies, tool, ROUTES.read));
    const cpu1 = await server.snapshot();
    const stop = new AbortController();
    const during = measureAt(server, cookies, tool, ROUTES.read, 3600, stop.signal);
    await new Promise((r) => setTimeout(r, 1000));
    const t0 = Date.now();
    let sweep: { deleted: number; niceness: string };
    try {
      sweep = await clearExpiredCommand(backend.cliArgs);
    } finally {
      stop.abort();
    }
    const seconds = (Date.now() - t0) / 1000;
    const load = await during;
    const cpu2 = await server.snapshot();
    // The server's CPU per request tells its own slow-down apart from a load generator's.
    const cpuPerRequest = (from: { cpu: number }, to: { cpu: number }, requests: number) => ((to.cpu - from.cpu) / requests).toFixed(1);
    const cpu = `${cpuPerRequest(cpu0, cpu1, befores.reduce((a, l) => a + l.requests, 0))} → ${cpuPerRequest(cpu1, cpu2, load.requests)}`;
    const p99Before = median(befores.map((l) => l.p99));
    const [lowest, highest] = range(befores.map((l) => l.p99));
    log(`${backend.label}: clear-expired (niceness ${sweep.niceness}) deleted ${sweep.deleted} in ${seconds.toFixed(1)} s; read p99 ${p99Before.toFixed(2)} → ${load.p99.toFixed(2)} ms, server CPU ${cpu} µs/req`);
    sweeps.push({
      store: backend.label,
      expired: sweep.deleted,
      seconds,
      p99Before,
      p99During: load.p99,
      ratioRange: [load.p99 / highest, load.p99 / lowest],
      note:
        backend.kind === 'redis'
          ? 'Redis drops expired records itself (TTL); clearExpired here only SCANs 1M keys for stale user-index entries'
          : load.errors > 0
            ? `${load.errors} errors during the sweep`
            : `niceness ${sweep.niceness}; ${Math.round(load.rps)} req/s during; server CPU ${cpu} µs/req`,
    });
  } finally {
    await server.stop();
  }
}

export async function runScale(tool: LoadTool, log: (m: string) => void, stores?: readonly string[]): Promise<Scale> {
  const rows: ScaleRow[] = [];
  const sweeps: Sweep[] = [];
  const plans: Array<{ kind: Backend['kind']; label: string; service?: { host: string; port: number }; open: () => Promise<Backend> }> = [
    { kind: 'sqlite', label: 'SQLite', open: sqliteBackend },
    { kind: 'postgres', label: 'PostgreSQL', service: { host: '127.0.0.1', port: Number(new URL(POSTGRES_URL).port || 5432) }, open: postgresBackend },
    { kind: 'redis', label: 'Redis', service: { host: '127.0.0.1', port: Number(new URL(REDIS_URL).port || 6379) }, open: redisBackend },
  ];
  for (const plan of plans.filter((p) => !stores || stores.includes(p.kind))) {
    const skip = (why: string) => rows.push({ store: plan.label, sessions: '—', readP50: NaN, readP99: NaN, writeP50: NaN, writeP99: NaN, note: why });
    if (!existsSync(`${ROOT}${STORE_MODULES[plan.kind]}`)) {
      skip('n/a (not built)');
      continue;
    }
    if (plan.service && !(await canConnect(plan.service.host, plan.service.port))) {
      skip(`n/a (${plan.label} not reachable)`);
      continue;
    }
    let backend: Backend | undefined;
    try {
      backend = await plan.open();
      await studyBackend(backend, tool, log, rows, sweeps);
    } catch (err) {
      skip(`failed: ${(err as Error).message.split('\n')[0]!.slice(0, 160)}`);
      log(`${plan.label}: ${(err as Error).stack}`);
    } finally {
      await backend?.cleanup().catch(() => {});
    }
  }
  return { rows, sweeps, note: `${CONNECTIONS} connections; each figure is the median of ${ROUNDS} windows of ${SECONDS} s (read and write alternating), with the min–max of the p99s beside it; on cloakroom · node:http; the stored sessions beyond the ${CONNECTIONS} measured ones are bulk-loaded directly into the backend, which is then brought to a steady state (PostgreSQL: VACUUM ANALYZE and CHECKPOINT; SQLite: WAL checkpoint) as a store that grew over time would be. The sweep is the real \`cloakroom clear-expired\` command with its defaults (batches of 1,000; it lowers its own CPU priority to niceness ${DEFAULT_NICENESS}), in its own process on the server's core, while wrk reads; it runs once per store, in one window that spans it, against the median read p99 of the ${ROUNDS} windows just before it (the ratio's range spans those ${ROUNDS}).` };
}
