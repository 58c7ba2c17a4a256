/**
 * The default store: one SQLite file through better-sqlite3 (an optional peer dependency,
 * loaded only when this module is imported).
 *
 * How each guarantee maps to SQLite:
 * - create: `INSERT … ON CONFLICT(key) DO NOTHING`; zero changes → false.
 * - update: one `UPDATE … SET data = json_patch(data, ?) WHERE key = ? AND expires_at > ?`
 *   (RFC 7396 merge patch: unset keys → null, set keys → value); `replace` binds the new data
 *   outright. SQLite runs one writer at a time, so each statement is atomic; zero changes → false.
 * - touch: `UPDATE … SET expires_at, last_seen_at` only.
 * - clearExpired: `DELETE … WHERE rowid IN (SELECT rowid … WHERE expires_at <= ? LIMIT ?)`
 *   on the expiry index, batch by batch.
 * - per user: an index on user_id.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { type Awaitable, type ClearExpiredOptions, type SessionChange, type SessionRecord, type SessionStore, type StoreStats, type UserSessionInfo } from '../core/store.js';
import { BackgroundCheckpoints } from './sqlite-checkpoints.js';
import { SessionError } from '../core/errors.js';
import { checkIdentifier, clearInBatches, DEFAULT_TABLE, insertParams, rowToRecord, storeUnavailable, toMillis, updateParams, updateStatementFor } from './sql-shared.js';
import { prepareSqliteStatements, sqliteSchemaSql, type SqliteStatements } from './sqlite-sql.js';

/**
 * Options of `new SqliteStore()`.
 *
 * @example
 * new SqliteStore({ path: './data/sessions.db', table: 'sessions', busyTimeout: 200 });
 */
export interface SqliteStoreOptions {
  /** Database file, created with its parent folder if missing. Default `./data/sessions.db`. */
  path?: string;
  /**
   * An open better-sqlite3 `Database` to use instead of `path`. The store then leaves its
   * pragmas (journal mode, busy timeout) and its lifetime to you: `close()` does not close it.
   */
  database?: Database.Database;
  /** Table name. Default `cloakroom_sessions`. */
  table?: string;
  /**
   * How long a write waits for another process's write lock, in ms. better-sqlite3 is
   * synchronous, so this wait blocks the event loop: keep it short. Default 1000.
   */
  busyTimeout?: number;
  /**
   * Where WAL checkpoints run. `'inline'` (default): SQLite's auto-checkpoint, on the store's
   * connection, so the write that crosses 1,000 WAL pages also copies them into the database
   * file and fsyncs it, blocking the event loop (the cost is measured in docs/DESIGN-NOTES.md). `'worker'`: a worker thread
   * with its own connection checkpoints every `checkpointInterval` ms and the store's
   * connection checkpoints only past 10,000 pages (the safety net, and all that is left if the
   * worker fails). Ignored with `database` (its pragmas are yours) and for `:memory:`.
   * Costs one thread (a V8 isolate, a few MB) per store.
   */
  checkpoints?: 'inline' | 'worker';
  /** How often the checkpoint worker runs, in ms. Default 100. */
  checkpointInterval?: number;
}

export { sqliteSchemaSql } from './sqlite-sql.js';

type Statement = Database.Statement<unknown[], unknown>;

/**
 * Sessions in a SQLite file: WAL journal (readers never wait for the writer),
 * `synchronous=NORMAL` (durable across process crashes; an OS crash may lose the last
 * commits, acceptable for sessions), prepared statements reused on every call.
 *
 * @example
 * import { SqliteStore } from 'cloakroom/stores/sqlite';
 * const store = new SqliteStore({ path: './data/sessions.db' });
 * const manager = new SessionManager({ store, secrets: [process.env.SESSION_SECRET!] });
 */
export class SqliteStore implements SessionStore {
  readonly name: string;
  /** The underlying database (e.g. for backups or inspection). */
  readonly database: Database.Database;
  readonly #ownsDatabase: boolean;
  readonly #checkpoints: BackgroundCheckpoints | undefined;
  readonly #statements: SqliteStatements<Statement>;

  constructor({
    path = './data/sessions.db',
    database,
    table = DEFAULT_TABLE,
    busyTimeout = 1000,
    checkpoints = 'inline',
    checkpointInterval = 100,
  }: SqliteStoreOptions = {}) {
    const t = checkIdentifier(table, 'table');
    if (checkpoints !== 'inline' && checkpoints !== 'worker') {
      throw new SessionError('ERR_SESSION_CONFIG', `SqliteStore checkpoints must be 'inline' or 'worker', got ${String(checkpoints)}.`);
    }
    if (!Number.isInteger(checkpointInterval) || checkpointInterval < 1) {
      throw new SessionError('ERR_SESSION_CONFIG', `SqliteStore checkpointInterval must be a positive integer (ms), got ${String(checkpointInterval)}.`);
    }
    if (database) {
      this.database = database;
      this.#ownsDatabase = false;
      this.name = `sqlite:${database.name}`;
    } else {
      this.name = `sqlite:${path}`;
      this.database = openDatabase(path, busyTimeout, this.name);
      this.#ownsDatabase = true;
    }
    const db = this.database;
    try {
      db.exec(sqliteSchemaSql(t));
    } catch (err) {
      throw storeUnavailable(this.name, err, 'could not create its table');
    }
    this.#statements = prepareSqliteStatements(t, (sql) => db.prepare(sql));
    this.#statements.get.raw(true); // rows as arrays: the hot path reads its six columns by position
    // Last, once nothing above can throw: the worker's connection opens a file that exists, in WAL mode.
    this.#checkpoints = checkpoints === 'worker' && this.#ownsDatabase && !isInMemory(path) ? BackgroundCheckpoints.start(db, resolve(path), checkpointInterval) : undefined;
  }

  /** Resolves at once: the file was opened and the table created by the constructor. */
  async ready(): Promise<void> {}

  // The hot path of every request carrying a cookie: one prepared statement, raw row, one JSON.parse.
  get(key: string, now: number): Awaitable<SessionRecord | null> {
    const row = this.#statements.get.get(key, now) as unknown[] | undefined;
    return row === undefined ? null : rowToRecord(row);
  }

  create(key: string, record: SessionRecord): Awaitable<boolean> {
    return this.#statements.create.run(...insertParams(key, record)).changes === 1;
  }

  touch(key: string, expiresAt: number, lastSeenAt: number, now: number): Awaitable<boolean> {
    return this.#statements.touch.run(expiresAt, lastSeenAt, key, now).changes === 1;
  }

  destroy(key: string): Awaitable<void> {
    this.#statements.destroy.run(key);
  }

  update(key: string, change: SessionChange, now: number): Awaitable<boolean> {
    return updateStatementFor(this.#statements.updates, change).run(...updateParams(key, change, now)).changes === 1;
  }

  async clearExpired(now: number, options?: ClearExpiredOptions): Promise<number> {
    return clearInBatches((limit) => this.#statements.clearBatch.run(now, limit).changes, options);
  }

  async listByUser(userId: string, now: number): Promise<UserSessionInfo[]> {
    const rows = this.#statements.listByUser.all(userId, now) as Array<{ key: string; created_at: number; last_seen_at: number; expires_at: number; user_agent: string | null }>;
    return rows.map((r) => ({
      key: r.key,
      createdAt: toMillis(r.created_at),
      lastSeenAt: toMillis(r.last_seen_at),
      expiresAt: toMillis(r.expires_at),
      userAgent: r.user_agent,
    }));
  }

  async destroyByUser(userId: string, exceptKey?: string): Promise<number> {
    const result = exceptKey === undefined ? this.#statements.destroyByUser.run(userId) : this.#statements.destroyByUserExcept.run(userId, exceptKey);
    return result.changes;
  }

  async stats(now: number): Promise<StoreStats> {
    const row = this.#statements.stats.get(now, now) as { live: number; expired: number };
    return { live: toMillis(row.live), expired: toMillis(row.expired) };
  }

  async close(): Promise<void> {
    await this.#checkpoints?.close();
    if (this.#ownsDatabase && this.database.open) this.database.close();
  }
}

/** better-sqlite3 opens a private in-memory database for these: no file, no WAL. */
function isInMemory(path: string): boolean {
  return path === ':memory:' || path === '';
}

function openDatabase(path: string, busyTimeout: number, name: string): Database.Database {
  const inMemory = isInMemory(path);
  try {
    if (!inMemory) mkdirSync(dirname(resolve(path)), { recursive: true });
    const db = new Database(path);
    if (!inMemory) db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeout))}`);
    return db;
  } catch (err) {
    throw storeUnavailable(name, err, 'could not be opened');
  }
}
