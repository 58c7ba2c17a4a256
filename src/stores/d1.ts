/**
 * Sessions in Cloudflare D1, the Workers platform's SQLite. The SQL is `SqliteStore`'s
 * (sqlite-sql.ts), so the guarantees are the same, each one statement that D1 runs atomically:
 * - create: `INSERT … ON CONFLICT(key) DO NOTHING`; zero changes → false (the key was taken).
 * - update: one `UPDATE … SET data = json_patch(data, ?) WHERE key = ? AND expires_at > ?`;
 *   only the changed keys travel, so two requests changing different keys both keep theirs,
 *   and zero changes → false: a session a logout deleted is never written back.
 * D1's calls are asynchronous, so a request on this store takes the core's promise path.
 */
import type { ClearExpiredOptions, SessionChange, SessionRecord, SessionStore, StoreStats, UserSessionInfo } from '../core/store.js';
import { SessionError } from '../core/errors.js';
import { clearInBatches, DEFAULT_TABLE, insertParams, rowToRecord, storeUnavailable, toMillis, updateParams, updateStatementFor } from './sql-shared.js';
import { prepareSqliteStatements, sqliteSchemaSql, type SqliteStatements } from './sqlite-sql.js';

/**
 * A D1 prepared statement, as much of it as the store uses (`D1PreparedStatement`).
 *
 * @example
 * const row = await db.prepare('SELECT 1 AS one').bind().first();
 */
export interface D1Statement {
  /** A statement with these positional parameters. */
  bind(...values: unknown[]): D1Statement;
  /** The first row, or null. */
  first<T = Record<string, unknown>>(): Promise<T | null>;
  /** Runs it; `meta.changes` counts the rows written. */
  run(): Promise<{ meta: { changes?: number } }>;
  /** Every row. */
  all<T = Record<string, unknown>>(): Promise<{ results: T[] }>;
}

/**
 * A D1 database binding, as much of it as the store uses (`D1Database`).
 *
 * @example
 * export default { fetch: (request: Request, env: { DB: D1Like }) => … };
 */
export interface D1Like {
  /** Compiles one statement. */
  prepare(sql: string): D1Statement;
  /** Runs statements in one transaction. */
  batch(statements: D1Statement[]): Promise<unknown[]>;
}

/**
 * Options of `new D1Store()`.
 *
 * @example
 * new D1Store({ database: env.DB, table: 'sessions' });
 */
export interface D1StoreOptions {
  /** The D1 binding (`env.DB`). */
  database: D1Like;
  /** Table name. Default `cloakroom_sessions`. */
  table?: string;
  /** Create the table (if missing) before the first call. Default true. */
  createTable?: boolean;
}

type Row = Record<string, unknown>;

/**
 * A `SessionStore` on a Cloudflare D1 database. Create one per Worker isolate (at module
 * scope, on the first request), not per request: the table check runs once.
 *
 * @example
 * import { D1Store } from 'cloakroom/stores/d1';
 * let sessions: SessionManager | undefined;
 * export default {
 *   fetch(request: Request, env: { DB: D1Like; SESSION_SECRET: string }) {
 *     sessions ??= new SessionManager({ store: new D1Store({ database: env.DB }), secrets: env.SESSION_SECRET });
 *     return withSession(sessions, (request, session) => new Response('hello'))(request);
 *   },
 * };
 */
export class D1Store implements SessionStore {
  readonly name: string;
  readonly #db: D1Like;
  readonly #table: string;
  readonly #createTable: boolean;
  #schema: Promise<void> | undefined;
  readonly #statements: SqliteStatements<D1Statement>;

  constructor({ database, table = DEFAULT_TABLE, createTable = true }: D1StoreOptions) {
    if (!database || typeof database.prepare !== 'function' || typeof database.batch !== 'function') {
      throw new SessionError('ERR_SESSION_CONFIG', 'D1Store needs a D1 database binding (env.DB).');
    }
    this.name = `d1:${table}`;
    this.#db = database;
    this.#table = table;
    this.#createTable = createTable;
    this.#statements = prepareSqliteStatements(table, (sql) => database.prepare(sql));
  }

  /** Creates the table if missing (once; a failure is retried on the next call). */
  ready(): Promise<void> {
    if (!this.#createTable) return Promise.resolve();
    this.#schema ??= this.#db
      .batch(
        sqliteSchemaSql(this.#table)
          .split(/;\s*\n/)
          .map((statement) => this.#db.prepare(statement.replace(/;\s*$/, ''))),
      )
      .then(
        () => undefined,
        (err: unknown) => {
          this.#schema = undefined;
          throw storeUnavailable(this.name, err, 'could not create its table');
        },
      );
    return this.#schema;
  }

  /** Runs `call` once the table exists; a D1 failure becomes `ERR_STORE_UNAVAILABLE`. */
  async #run<T>(call: () => Promise<T>): Promise<T> {
    await this.ready();
    try {
      return await call();
    } catch (err) {
      throw storeUnavailable(this.name, err);
    }
  }

  get(key: string, now: number): Promise<SessionRecord | null> {
    return this.#run(async () => {
      const r = await this.#statements.get.bind(key, now).first<Row>();
      return r === null ? null : rowToRecord([r.data, r.expires_at, r.created_at, r.last_seen_at, r.user_id, r.user_agent]);
    });
  }

  create(key: string, record: SessionRecord): Promise<boolean> {
    return this.#run(async () => (await this.#statements.create.bind(...insertParams(key, record)).run()).meta.changes === 1);
  }

  touch(key: string, expiresAt: number, lastSeenAt: number, now: number): Promise<boolean> {
    return this.#run(async () => (await this.#statements.touch.bind(expiresAt, lastSeenAt, key, now).run()).meta.changes === 1);
  }

  destroy(key: string): Promise<void> {
    return this.#run(async () => void (await this.#statements.destroy.bind(key).run()));
  }

  update(key: string, change: SessionChange, now: number): Promise<boolean> {
    return this.#run(async () => (await updateStatementFor(this.#statements.updates, change).bind(...updateParams(key, change, now)).run()).meta.changes === 1);
  }

  clearExpired(now: number, options?: ClearExpiredOptions): Promise<number> {
    return this.#run(() => clearInBatches(async (limit) => (await this.#statements.clearBatch.bind(now, limit).run()).meta.changes ?? 0, options));
  }

  listByUser(userId: string, now: number): Promise<UserSessionInfo[]> {
    return this.#run(async () =>
      (await this.#statements.listByUser.bind(userId, now).all<Row>()).results.map((r) => ({
        key: String(r.key),
        createdAt: toMillis(r.created_at),
        lastSeenAt: toMillis(r.last_seen_at),
        expiresAt: toMillis(r.expires_at),
        userAgent: (r.user_agent as string | null) ?? null,
      })),
    );
  }

  destroyByUser(userId: string, exceptKey?: string): Promise<number> {
    return this.#run(async () => {
      const statement = exceptKey === undefined ? this.#statements.destroyByUser.bind(userId) : this.#statements.destroyByUserExcept.bind(userId, exceptKey);
      return (await statement.run()).meta.changes ?? 0;
    });
  }

  stats(now: number): Promise<StoreStats> {
    return this.#run(async () => {
      const row = (await this.#statements.stats.bind(now, now).first<Row>())!;
      return { live: toMillis(row.live), expired: toMillis(row.expired) };
    });
  }

  /** Nothing to release: the binding belongs to the Worker. */
  async close(): Promise<void> {}
}
