/**
 * Sessions in PostgreSQL through `pg` (an optional peer dependency, loaded only when this
 * module is imported).
 *
 * How each guarantee maps to PostgreSQL:
 * - create: `INSERT … ON CONFLICT (key) DO NOTHING`; rowCount 0 → false.
 * - update: one `UPDATE … SET data = (data - $unset::text[]) || $set::jsonb WHERE key = $k AND
 *   expires_at > $now`. The row lock serializes parallel updates and, under READ COMMITTED,
 *   each one re-evaluates its SET on the row the previous one committed, so 50 parallel
 *   writers of different keys keep all 50. `replace` binds the new data outright. rowCount 0 → false.
 * - touch: `UPDATE … SET expires_at, last_seen_at` only (no jsonb rewrite in the statement).
 * - clearExpired: `DELETE … WHERE key IN (SELECT key … WHERE expires_at <= $1 LIMIT $2 FOR
 *   UPDATE SKIP LOCKED)` on the expiry index, batch by batch.
 * - per user: a partial index on user_id.
 */
import pg from 'pg';
import type { ClearExpiredOptions, SessionChange, SessionRecord, SessionStore, StoreStats, UserSessionInfo } from '../core/store.js';
import { SessionError } from '../core/errors.js';
import { checkIdentifier, clearInBatches, DEFAULT_TABLE, describeServer, isMissingTableError, missingTable, redactUrl, rowToRecord, insertParams, rowToUserSession, StartupLatch, storeUnavailable, toMillis, updateStatementFor, updateStatements } from './sql-shared.js';

/**
 * Options of `new PostgresStore()`: give `pool` or `connectionString`.
 *
 * @example
 * new PostgresStore({ pool, schema: 'app', createTable: false });
 */
export interface PostgresStoreOptions {
  /**
   * A `pg.Pool` you own; `close()` leaves it open. Give this or `connectionString`. Give it a
   * `query_timeout` (see `poolOptions`), or a connection that dies silently is waited on for ever.
   */
  pool?: pg.Pool;
  /** e.g. `postgres://user:password@127.0.0.1:5432/app`; the store makes and closes its own pool. */
  connectionString?: string;
  /**
   * Extra settings for the pool made from `connectionString`. Defaults `connectionTimeoutMillis:
   * 2000` and `query_timeout: 10000` (a statement unanswered that long fails and its connection
   * is dropped: see the constructor). Raise `query_timeout` if `stats` or `clearExpired` batches
   * on a very large table take longer.
   */
  poolOptions?: Omit<pg.PoolConfig, 'connectionString'>;
  /** Table name. Default `cloakroom_sessions`. */
  table?: string;
  /** Schema of the table (it must exist). Default: the connection's `search_path`. */
  schema?: string;
  /**
   * Create the table and its indexes on first use with `CREATE TABLE IF NOT EXISTS`.
   * Default true. With false, run `postgresSchemaSql()` as a migration yourself; the first
   * call then only checks that the table exists.
   */
  createTable?: boolean;
}

function qualifiedName(table: string, schema?: string): string {
  const t = `"${checkIdentifier(table, 'table')}"`;
  return schema === undefined ? t : `"${checkIdentifier(schema, 'schema')}".${t}`;
}

/**
 * The DDL (a migration) for the session table: what the store runs on first use unless
 * `createTable: false`. Idempotent.
 *
 * @example
 * // migrations/20260101_sessions.sql, generated once:
 * import { postgresSchemaSql } from 'cloakroom/stores/postgres';
 * console.log(postgresSchemaSql({ table: 'sessions', schema: 'app' }));
 */
export function postgresSchemaSql({ table = DEFAULT_TABLE, schema }: { table?: string; schema?: string } = {}): string {
  const q = qualifiedName(table, schema);
  // Key: base64url is case-sensitive; COLLATE "C" compares bytes (also the fastest B-tree).
  // Times are epoch milliseconds in bigint, as everywhere in cloakroom.
  return `CREATE TABLE IF NOT EXISTS ${q} (
  "key" text COLLATE "C" PRIMARY KEY,
  "data" jsonb NOT NULL,
  "expires_at" bigint NOT NULL,
  "created_at" bigint NOT NULL,
  "last_seen_at" bigint NOT NULL,
  "user_id" text,
  "user_agent" text
);
CREATE INDEX IF NOT EXISTS "${table}_expires_at" ON ${q} ("expires_at");
CREATE INDEX IF NOT EXISTS "${table}_user_id" ON ${q} ("user_id") WHERE "user_id" IS NOT NULL;`;
}

/**
 * The migration for the default table name, ready to paste.
 *
 * @example await pool.query(POSTGRES_MIGRATION); // then new PostgresStore({ pool, createTable: false })
 */
export const POSTGRES_MIGRATION = postgresSchemaSql();

/**
 * Sessions in a PostgreSQL table with a `jsonb` data column. The first call (or `ready()`)
 * connects and creates the table; an unreachable server is an `ERR_STORE_UNAVAILABLE` that
 * names the server (never its password), and the next call tries again.
 *
 * @example
 * import { PostgresStore } from 'cloakroom/stores/postgres';
 * const store = new PostgresStore({ connectionString: process.env.DATABASE_URL });
 * await store.ready(); // fail fast at startup
 */
export class PostgresStore implements SessionStore {
  readonly name: string;
  readonly #pool: pg.Pool;
  readonly #ownsPool: boolean;
  readonly #table: string;
  readonly #schema: string | undefined;
  readonly #createTable: boolean;
  readonly #sql: ReturnType<typeof statements>;
  readonly #startup = new StartupLatch(() => this.#initialize(), () => this.name);

  constructor({ pool, connectionString, poolOptions, table = DEFAULT_TABLE, schema, createTable = true }: PostgresStoreOptions) {
    this.#table = checkIdentifier(table, 'table');
    this.#schema = schema === undefined ? undefined : checkIdentifier(schema, 'schema');
    this.#createTable = createTable;
    this.#sql = statements(qualifiedName(table, schema));
    if (pool) {
      this.#pool = pool;
      this.#ownsPool = false;
      const o = pool.options;
      this.name = o.connectionString ? redactUrl(o.connectionString) : describeServer('postgres', { user: o.user, host: o.host, port: o.port, database: o.database });
    } else if (connectionString) {
      this.name = redactUrl(connectionString);
      // query_timeout: a connection that died without a FIN or RST (a NAT or firewall dropping
      // its state, a failover behind the same address) never answers, and pg waits for ever;
      // the manager answers 503 at storeTimeout but the client stays checked out, so after
      // `max` such statements the pool is full of them and never recovers (tested in
      // test/faults/sql-outage.test.ts). With a bound, the statement fails and pg-pool drops
      // its client. Well above storeTimeout (1 s by default): requests have had their 503 long before.
      this.#pool = new pg.Pool({ connectionTimeoutMillis: 2000, query_timeout: 10_000, ...poolOptions, connectionString });
      this.#ownsPool = true;
      // An idle client whose server went away emits 'error' on the pool; unhandled, that
      // would end the process. The next query reconnects or reports the outage itself.
      this.#pool.on('error', () => {});
    } else {
      throw new SessionError('ERR_SESSION_CONFIG', 'PostgresStore needs `pool` or `connectionString`.');
    }
  }

  /**
   * Connects and creates (or checks) the table. Call it at startup to fail fast; every other
   * method waits for it on its own.
   */
  ready(): Promise<void> {
    return this.#startup.ready();
  }

  async #initialize(): Promise<void> {
    const client = await this.#pool.connect();
    try {
      if (this.#createTable) {
        await client.query('BEGIN');
        // Several processes starting at once would race CREATE TABLE IF NOT EXISTS (it can
        // fail with a duplicate pg_type row); one advisory lock per table serializes them.
        await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`cloakroom:${this.#schema ?? ''}.${this.#table}`]);
        await client.query(postgresSchemaSql({ table: this.#table, ...(this.#schema === undefined ? {} : { schema: this.#schema }) }));
        await client.query('COMMIT');
      } else {
        const { rows } = await client.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [qualifiedName(this.#table, this.#schema)]);
        if (rows[0]?.t == null) throw this.#missingTable();
      }
    } catch (err) {
      if (this.#createTable) await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }

  async #query(text: string, values: unknown[], rowMode?: 'array'): Promise<{ rows: unknown[]; rowCount: number | null }> {
    if (!this.#startup.done) await this.ready();
    try {
      return rowMode ? await this.#pool.query({ text, values, rowMode }) : await this.#pool.query({ text, values });
    } catch (err) {
      throw isMissingTableError(err) ? this.#missingTable(err) : storeUnavailable(this.name, err);
    }
  }

  #missingTable(cause?: unknown): SessionError {
    return missingTable(this.name, 'postgresSchemaSql', { table: this.#table, schema: this.#schema }, cause);
  }

  async get(key: string, now: number): Promise<SessionRecord | null> {
    const { rows } = await this.#query(this.#sql.get, [key, now], 'array');
    const row = rows[0] as unknown[] | undefined;
    return row === undefined ? null : rowToRecord(row);
  }

  async create(key: string, record: SessionRecord): Promise<boolean> {
    const { rowCount } = await this.#query(this.#sql.create, insertParams(key, record));
    return rowCount === 1;
  }

  async update(key: string, change: SessionChange, now: number): Promise<boolean> {
    // $1 key, $2 now, $3 expires_at, $4 last_seen_at, $5 the set keys (or the whole data), then
    // $6 the unset keys for a merge, and the user ID last when it changes.
    const values: unknown[] = [key, now, change.expiresAt, change.lastSeenAt, JSON.stringify(change.set)];
    if (!change.replace) values.push(change.unset);
    if (change.userId !== undefined) values.push(change.userId);
    const { rowCount } = await this.#query(updateStatementFor(this.#sql.update, change), values);
    return rowCount === 1;
  }

  async touch(key: string, expiresAt: number, lastSeenAt: number, now: number): Promise<boolean> {
    const { rowCount } = await this.#query(this.#sql.touch, [key, now, expiresAt, lastSeenAt]);
    return rowCount === 1;
  }

  async destroy(key: string): Promise<void> {
    await this.#query(this.#sql.destroy, [key]);
  }

  async clearExpired(now: number, options?: ClearExpiredOptions): Promise<number> {
    return clearInBatches(async (limit) => (await this.#query(this.#sql.clearBatch, [now, limit])).rowCount ?? 0, options);
  }

  async listByUser(userId: string, now: number): Promise<UserSessionInfo[]> {
    const { rows } = await this.#query(this.#sql.listByUser, [userId, now], 'array');
    return (rows as unknown[][]).map(rowToUserSession);
  }

  async destroyByUser(userId: string, exceptKey?: string): Promise<number> {
    const result =
      exceptKey === undefined
        ? await this.#query(this.#sql.destroyByUser, [userId])
        : await this.#query(this.#sql.destroyByUserExcept, [userId, exceptKey]);
    return result.rowCount ?? 0;
  }

  async stats(now: number): Promise<StoreStats> {
    const { rows } = await this.#query(this.#sql.stats, [now], 'array');
    const row = rows[0] as unknown[];
    return { live: toMillis(row[0]), expired: toMillis(row[1]) };
  }

  /** Ends the pool this store made; a pool you passed in stays open. */
  async close(): Promise<void> {
    if (this.#ownsPool && !this.#pool.ended) await this.#pool.end();
  }
}

/** Every statement, built once per store. Parameters: $1 key (or first filter), $2 now. */
function statements(q: string) {
  // A merge over data that is not a JSON object (hand-edited) starts from {} rather than
  // failing: that session already reads as empty.
  const base = `(CASE WHEN jsonb_typeof("data") = 'object' THEN "data" ELSE '{}'::jsonb END)`;
  const update = (data: string, userParam: string | null) =>
    `UPDATE ${q} SET "data" = ${data}, "expires_at" = $3, "last_seen_at" = $4${userParam ? `, "user_id" = ${userParam}` : ''} WHERE "key" = $1 AND "expires_at" > $2`;
  return {
    get: `SELECT "data", "expires_at", "created_at", "last_seen_at", "user_id", "user_agent" FROM ${q} WHERE "key" = $1 AND "expires_at" > $2`,
    create: `INSERT INTO ${q} ("key", "data", "expires_at", "created_at", "last_seen_at", "user_id", "user_agent") VALUES ($1, $2::jsonb, $3, $4, $5, $6, $7) ON CONFLICT ("key") DO NOTHING`,
    update: updateStatements((data, withUser) =>
      data === 'merge' ? update(`(${base} - $6::text[]) || $5::jsonb`, withUser ? '$7' : null) : update('$5::jsonb', withUser ? '$6' : null),
    ),
    touch: `UPDATE ${q} SET "expires_at" = $3, "last_seen_at" = $4 WHERE "key" = $1 AND "expires_at" > $2`,
    destroy: `DELETE FROM ${q} WHERE "key" = $1`,
    clearBatch: `DELETE FROM ${q} WHERE "key" IN (SELECT "key" FROM ${q} WHERE "expires_at" <= $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`,
    listByUser: `SELECT "key", "created_at", "last_seen_at", "expires_at", "user_agent" FROM ${q} WHERE "user_id" = $1 AND "expires_at" > $2 ORDER BY "last_seen_at" DESC`,
    destroyByUser: `DELETE FROM ${q} WHERE "user_id" = $1`,
    destroyByUserExcept: `DELETE FROM ${q} WHERE "user_id" = $1 AND "key" <> $2`,
    stats: `SELECT (SELECT count(*) FROM ${q} WHERE "expires_at" > $1), (SELECT count(*) FROM ${q} WHERE "expires_at" <= $1)`,
  };
}
