/**
 * Opens the cloakroom store a configuration names, wrapped by the call counter. Stores other
 * engineers are still writing are imported by path at run time, so a missing one makes its
 * configuration "n/a (not built)" instead of breaking the build of the bench.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStore } from '../../src/stores/memory.ts';
import { CLOAKROOM_METHODS, SECRET, countCalls, repoModuleUrl, type AppContext } from './common.ts';

export type StoreKind = 'memory' | 'sqlite' | 'postgres' | 'redis' | 'cookie';

export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const POSTGRES_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface OpenStore {
  store: object;
  close(): Promise<void>;
}

/** Source file of each store, relative to the repository root (checked before a run). */
export const STORE_MODULES: Record<StoreKind, string> = {
  memory: 'src/stores/memory.ts',
  sqlite: 'src/stores/sqlite.ts',
  postgres: 'src/stores/postgres.ts',
  redis: 'src/stores/redis.ts',
  cookie: 'src/stores/cookie.ts',
};

async function importStore(kind: StoreKind): Promise<Record<string, unknown>> {
  return (await import(repoModuleUrl(STORE_MODULES[kind], import.meta.url))) as Record<string, unknown>;
}

/** The exported class whose name ends in "Store" (SqliteStore, RedisStore, CookieStore…). */
function storeClass(mod: Record<string, unknown>, preferred: string): new (...args: any[]) => any {
  const found = mod[preferred] ?? Object.entries(mod).find(([name, v]) => typeof v === 'function' && /Store$/.test(name))?.[1];
  if (typeof found !== 'function') throw new Error(`no *Store class exported (looked for ${preferred})`);
  return found as new (...args: any[]) => any;
}

/**
 * Opens a store for a bench server. `target` (the scale study's shared SQLite path, PostgreSQL
 * table or Redis prefix) points several processes at the same data; its owner cleans it up, so
 * the store then removes nothing on close.
 */
export async function openCloakroomStore(kind: StoreKind, ctx: AppContext, target?: string): Promise<OpenStore> {
  if (kind === 'memory') {
    const store = new MemoryStore({ maxEntries: 100_000 });
    return { store: countCalls(store, CLOAKROOM_METHODS, ctx.counts), close: () => store.close() };
  }
  const mod = await importStore(kind);
  if (kind === 'sqlite') {
    const dir = target ? undefined : mkdtempSync(join(tmpdir(), 'cloakroom-bench-'));
    const Sqlite = storeClass(mod, 'SqliteStore');
    // BENCH_SQLITE_CHECKPOINTS=worker measures the store's `checkpoints: 'worker'` option (off by default, as in the store).
    const checkpoints = process.env.BENCH_SQLITE_CHECKPOINTS;
    const store = new Sqlite({ path: target ?? join(dir!, 'sessions.db'), ...(checkpoints ? { checkpoints } : {}) });
    await store.ready?.();
    return {
      store: countCalls(store, CLOAKROOM_METHODS, ctx.counts),
      close: async () => {
        await store.close();
        if (dir) rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  if (kind === 'postgres') {
    const table = target ?? `bench_${ctx.prefix.replace(/[^a-z0-9]/gi, '_')}`.slice(0, 60).toLowerCase();
    const Postgres = storeClass(mod, 'PostgresStore');
    const store = new Postgres({ connectionString: POSTGRES_URL, table, poolOptions: { max: 10 } });
    await store.ready?.();
    return {
      store: countCalls(store, CLOAKROOM_METHODS, ctx.counts),
      close: async () => {
        await store.close();
        if (!target) await dropTable(table);
      },
    };
  }
  if (kind === 'redis') {
    const prefix = target ?? `${ctx.prefix}:`;
    const Store = storeClass(mod, 'RedisStore');
    const store = new Store({ client: REDIS_URL, prefix });
    await store.ready?.();
    return {
      store: countCalls(store, CLOAKROOM_METHODS, ctx.counts),
      close: async () => {
        if (!target) await deleteKeys(store.client, prefix);
        await store.close();
      },
    };
  }
  const Cookie = storeClass(mod, 'CookieStore');
  const store = new Cookie({ secrets: [SECRET] });
  return { store, close: () => store.close() };
}

/** Removes this run's keys only (never FLUSHALL: other engineers share the server). */
export async function deleteKeys(client: import('ioredis').Redis, prefix: string): Promise<void> {
  let cursor = '0';
  for (let round = 0; round < 100_000; round++) {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    if (keys.length > 0) await client.del(...keys);
    cursor = next;
    if (cursor === '0') return;
  }
}

/** Drops a bench table (only ever one this bench created, named `bench_…`). */
export async function dropTable(table: string): Promise<void> {
  if (!/^bench_[a-z0-9_]+$/.test(table)) throw new Error(`refusing to drop ${table}`);
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    await client.query(`DROP TABLE IF EXISTS "${table}"`);
  } finally {
    await client.end();
  }
}
