/**
 * Opens a SQLite file with a runtime's own driver for `SyncSqliteStore`: `bun:sqlite` on Bun,
 * `node:sqlite` on Deno (and Node 22+). The driver is imported by a computed name, so no
 * other runtime (or bundler) ever tries to load it.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { storeUnavailable } from './sql-shared.js';
import type { SyncSqliteDatabase, SyncSqliteStore } from './sqlite-sync.js';

/**
 * Options of `openBunSqliteStore()` and `openNodeSqliteStore()`.
 *
 * @example
 * await openNodeSqliteStore({ path: './data/sessions.db', table: 'sessions' });
 */
export interface OpenSqliteOptions {
  /** Database file, created with its parent folder if missing. Default `./data/sessions.db`. */
  path?: string;
  /** Table name. Default `cloakroom_sessions`. */
  table?: string;
  /** How long a write waits for another process's write lock, in ms (it blocks). Default 1000. */
  busyTimeout?: number;
}

type Open = (path: string) => SyncSqliteDatabase;

/**
 * A `SyncSqliteStore` on a file through Bun's `bun:sqlite` (WAL, `synchronous=NORMAL`, as
 * `SqliteStore` sets them). Only on Bun.
 *
 * @example
 * const store = await openBunSqliteStore({ path: './data/sessions.db' });
 */
export async function openBunSqliteStore(options: OpenSqliteOptions = {}): Promise<SyncSqliteStore> {
  const specifier = 'bun:sqlite';
  const { Database } = (await import(specifier)) as { Database: new (path: string) => SyncSqliteDatabase };
  return openWith((path) => new Database(path), options);
}

/**
 * A `SyncSqliteStore` on a file through `node:sqlite` (`DatabaseSync`): Deno 2, Node 22.5+.
 *
 * @example
 * const store = await openNodeSqliteStore({ path: './data/sessions.db' });
 */
export async function openNodeSqliteStore(options: OpenSqliteOptions = {}): Promise<SyncSqliteStore> {
  const specifier = 'node:sqlite';
  const { DatabaseSync } = (await import(specifier)) as { DatabaseSync: new (path: string) => SyncSqliteDatabase };
  return openWith((path) => new DatabaseSync(path), options);
}

async function openWith(open: Open, { path = './data/sessions.db', table, busyTimeout = 1000 }: OpenSqliteOptions): Promise<SyncSqliteStore> {
  const { SyncSqliteStore } = await import('./sqlite-sync.js');
  const name = `sqlite:${path}`;
  const inMemory = path === ':memory:' || path === '';
  let database: SyncSqliteDatabase;
  try {
    if (!inMemory) mkdirSync(dirname(resolve(path)), { recursive: true });
    database = open(path);
    if (!inMemory) database.exec('PRAGMA journal_mode = WAL');
    database.exec(`PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = ${Math.max(0, Math.floor(busyTimeout))}`);
  } catch (err) {
    throw storeUnavailable(name, err, 'could not be opened');
  }
  try {
    return new SyncSqliteStore({ database, name, ownsDatabase: true, ...(table ? { table } : {}) });
  } catch (err) {
    database.close();
    throw err;
  }
}
