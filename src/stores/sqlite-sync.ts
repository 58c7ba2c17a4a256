/**
 * Sessions in SQLite through any synchronous driver with the common `prepare`/`run`/`get`/`all`
 * shape: Bun's `bun:sqlite`, `node:sqlite` (Deno; Node 22+), or better-sqlite3 itself. The SQL
 * and its guarantees are `SqliteStore`'s (see sqlite-sql.ts); only the driver differs, so
 * Bun, which refuses better-sqlite3's native addon, and Deno get the same store.
 */
import { SessionError } from '../core/errors.js';
import type { Awaitable, ClearExpiredOptions, SessionChange, SessionRecord, SessionStore, StoreStats, UserSessionInfo } from '../core/store.js';
import { clearInBatches, DEFAULT_TABLE, insertParams, rowToRecord, storeUnavailable, toMillis, updateParams, updateStatementFor } from './sql-shared.js';
import { prepareSqliteStatements, sqliteSchemaSql, type SqliteStatements } from './sqlite-sql.js';

export { openBunSqliteStore, openNodeSqliteStore, type OpenSqliteOptions } from './sqlite-open.js';

/**
 * A prepared statement as `bun:sqlite`, `node:sqlite` and better-sqlite3 all offer it.
 *
 * @example
 * const statement: SyncSqliteStatement = db.prepare('SELECT 1 AS one');
 */
export interface SyncSqliteStatement {
  /** Runs the statement with positional parameters; `changes`: rows it inserted, updated or deleted. */
  run(...params: unknown[]): { changes: number | bigint };
  /** The first row as an object keyed by column name; null or undefined when there is none. */
  get(...params: unknown[]): unknown;
  /** Every row, each an object keyed by column name. */
  all(...params: unknown[]): unknown[];
}

/**
 * An open SQLite database as `bun:sqlite` (`Database`), `node:sqlite` (`DatabaseSync`) and
 * better-sqlite3 all offer it.
 *
 * @example
 * import { Database } from 'bun:sqlite';
 * const database: SyncSqliteDatabase = new Database('./data/sessions.db');
 */
export interface SyncSqliteDatabase {
  /** Runs SQL text that may hold several statements. */
  exec(sql: string): unknown;
  /** Compiles one statement, to run many times. */
  prepare(sql: string): SyncSqliteStatement;
  /** Closes the database. */
  close(): unknown;
}

/**
 * Options of `new SyncSqliteStore()`.
 *
 * @example
 * new SyncSqliteStore({ database: new DatabaseSync(':memory:'), table: 'sessions' });
 */
export interface SyncSqliteStoreOptions {
  /** The open database. Its pragmas are the caller's (`openBunSqliteStore` sets WAL and a busy timeout). */
  database: SyncSqliteDatabase;
  /** Table name. Default `cloakroom_sessions`. */
  table?: string;
  /** The store's name in logs and errors. Default `sqlite:`. */
  name?: string;
  /** `close()` also closes the database. Default false (the database is the caller's). */
  ownsDatabase?: boolean;
}

type Row = Record<string, unknown>;

/**
 * A `SessionStore` on a synchronous SQLite driver: answers synchronously, as `SqliteStore`
 * does, so the core's promise-free path holds on Bun and Deno too.
 *
 * @example
 * import { openBunSqliteStore } from 'cloakroom/stores/sqlite-sync';
 * const store = await openBunSqliteStore({ path: './data/sessions.db' }); // on Bun
 */
export class SyncSqliteStore implements SessionStore {
  readonly name: string;
  /** The underlying database. */
  readonly database: SyncSqliteDatabase;
  readonly #ownsDatabase: boolean;
  #closed = false;
  readonly #statements: SqliteStatements<SyncSqliteStatement>;

  constructor({ database, table = DEFAULT_TABLE, name = 'sqlite:', ownsDatabase = false }: SyncSqliteStoreOptions) {
    if (!database || typeof database.prepare !== 'function' || typeof database.exec !== 'function') {
      throw new SessionError('ERR_SESSION_CONFIG', 'SyncSqliteStore needs an open database (bun:sqlite Database, node:sqlite DatabaseSync or better-sqlite3).');
    }
    this.name = name;
    this.database = database;
    this.#ownsDatabase = ownsDatabase;
    try {
      database.exec(sqliteSchemaSql(table));
    } catch (err) {
      throw storeUnavailable(this.name, err, 'could not create its table');
    }
    this.#statements = prepareSqliteStatements(table, (sql) => database.prepare(sql));
  }

  /** Resolves at once: the table was created by the constructor. */
  async ready(): Promise<void> {}

  get(key: string, now: number): Awaitable<SessionRecord | null> {
    const r = this.#statements.get.get(key, now) as Row | null | undefined;
    // Drivers answer a missing row with null (Bun) or undefined (node:sqlite).
    return r == null ? null : rowToRecord([r.data, r.expires_at, r.created_at, r.last_seen_at, r.user_id, r.user_agent]);
  }

  create(key: string, record: SessionRecord): Awaitable<boolean> {
    return changes(this.#statements.create.run(...insertParams(key, record))) === 1;
  }

  touch(key: string, expiresAt: number, lastSeenAt: number, now: number): Awaitable<boolean> {
    return changes(this.#statements.touch.run(expiresAt, lastSeenAt, key, now)) === 1;
  }

  destroy(key: string): Awaitable<void> {
    this.#statements.destroy.run(key);
  }

  update(key: string, change: SessionChange, now: number): Awaitable<boolean> {
    return changes(updateStatementFor(this.#statements.updates, change).run(...updateParams(key, change, now))) === 1;
  }

  async clearExpired(now: number, options?: ClearExpiredOptions): Promise<number> {
    return clearInBatches((limit) => changes(this.#statements.clearBatch.run(now, limit)), options);
  }

  async listByUser(userId: string, now: number): Promise<UserSessionInfo[]> {
    return (this.#statements.listByUser.all(userId, now) as Row[]).map((r) => ({
      key: String(r.key),
      createdAt: toMillis(r.created_at),
      lastSeenAt: toMillis(r.last_seen_at),
      expiresAt: toMillis(r.expires_at),
      userAgent: (r.user_agent as string | null) ?? null,
    }));
  }

  async destroyByUser(userId: string, exceptKey?: string): Promise<number> {
    return changes(exceptKey === undefined ? this.#statements.destroyByUser.run(userId) : this.#statements.destroyByUserExcept.run(userId, exceptKey));
  }

  async stats(now: number): Promise<StoreStats> {
    const row = this.#statements.stats.get(now, now) as Row;
    return { live: toMillis(row.live), expired: toMillis(row.expired) };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#ownsDatabase) this.database.close();
  }
}

/** `changes` as a number (node:sqlite may report a bigint). */
function changes(result: { changes: number | bigint }): number {
  return Number(result.changes);
}
