/**
 * Sessions in MySQL 8 or MariaDB 10.5+ through `mysql2/promise` (an optional peer dependency,
 * loaded only when this module is imported).
 *
 * How each guarantee maps to MySQL/MariaDB (InnoDB):
 * - create: a plain `INSERT`; a duplicate key (errno 1062) → false. Not `INSERT IGNORE`, which
 *   would also turn truncation and other errors into silent warnings.
 * - update: one `UPDATE … SET data = JSON_MERGE_PATCH(data, ?) WHERE key = ? AND expires_at > ?`.
 *   The patch is RFC 7396 (unset keys → null, set keys → their serialized string), which both
 *   servers implement alike; InnoDB's row lock serializes parallel updates and each reads the
 *   latest committed row, so parallel writers of different keys all keep their keys.
 *   `replace` binds the new data outright. Zero rows matched → false.
 * - touch: `UPDATE … SET expires_at, last_seen_at` only.
 * - clearExpired: `DELETE … WHERE expires_at <= ? ORDER BY expires_at LIMIT ?` on the expiry index.
 * - per user: an index on user_id.
 *
 * MariaDB differences handled here: its `JSON` is LONGTEXT with a `json_valid` CHECK, so
 * mysql2 returns the column as text there and as a parsed object on MySQL 8 (both accepted).
 */
import mysql from 'mysql2/promise';
import type { Pool, PoolOptions, QueryOptions, ResultSetHeader } from 'mysql2/promise';
import type { ClearExpiredOptions, SessionChange, SessionRecord, SessionStore, StoreStats, UserSessionInfo } from '../core/store.js';
import { SessionError } from '../core/errors.js';
import { checkIdentifier, clearInBatches, DEFAULT_TABLE, describeServer, isMissingTableError, missingTable, redactUrl, rowToRecord, insertParams, rowToUserSession, StartupLatch, storeUnavailable, toMillis, updateParams, updateStatementFor, updateStatements } from './sql-shared.js';

/**
 * Options of `new MysqlStore()`: give `pool` or `connectionString`.
 *
 * @example
 * new MysqlStore({ connectionString: 'mysql://app:secret@127.0.0.1:3306/app', table: 'sessions' });
 */
export interface MysqlStoreOptions {
  /** A `mysql2/promise` pool you own; `close()` leaves it open. Give this or `connectionString`. */
  pool?: Pool;
  /** e.g. `mysql://user:password@127.0.0.1:3306/app`; the store makes and closes its own pool. */
  connectionString?: string;
  /** Extra settings for the pool made from `connectionString`. Default `connectTimeout: 2000`. */
  poolOptions?: Omit<PoolOptions, 'uri'>;
  /**
   * Longest wait, in ms, for one statement's answer; then it fails and its connection is
   * destroyed (see `#query`). Also applies to a pool you pass. Default 10000; raise it if
   * `stats` or `clearExpired` batches on a very large table take longer.
   */
  queryTimeout?: number;
  /** Table name (in the connection's database). Default `cloakroom_sessions`. */
  table?: string;
  /**
   * Create the table and its indexes on first use with `CREATE TABLE IF NOT EXISTS`.
   * Default true. With false, run `mysqlSchemaSql()` as a migration yourself; the first call
   * then only checks that the table exists.
   */
  createTable?: boolean;
}

/**
 * The DDL (a migration) for the session table: what the store runs on first use unless
 * `createTable: false`. Idempotent; the same text works on MySQL 8 and MariaDB.
 *
 * @example
 * import { mysqlSchemaSql } from 'cloakroom/stores/mysql';
 * console.log(mysqlSchemaSql({ table: 'sessions' }));
 */
export function mysqlSchemaSql({ table = DEFAULT_TABLE }: { table?: string } = {}): string {
  const t = checkIdentifier(table, 'table');
  // The key is base64url, which is case-sensitive: the server's default collation
  // (utf8mb4_general_ci) would treat "aB…" and "Ab…" as one key, hence ascii_bin.
  // user_id is case-sensitive for the same reason; lengths match the core's limits (256, 512).
  return `CREATE TABLE IF NOT EXISTS \`${t}\` (
  \`key\` VARCHAR(43) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  \`data\` JSON NOT NULL,
  \`expires_at\` BIGINT NOT NULL,
  \`created_at\` BIGINT NOT NULL,
  \`last_seen_at\` BIGINT NOT NULL,
  \`user_id\` VARCHAR(256) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
  \`user_agent\` VARCHAR(512) CHARACTER SET utf8mb4 NULL,
  PRIMARY KEY (\`key\`),
  KEY \`${t}_expires_at\` (\`expires_at\`),
  KEY \`${t}_user_id\` (\`user_id\`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`;
}

/**
 * The migration for the default table name, ready to paste.
 *
 * @example await pool.query(MYSQL_MIGRATION); // then new MysqlStore({ pool, createTable: false })
 */
export const MYSQL_MIGRATION = mysqlSchemaSql();

/** InnoDB chose this statement as a deadlock victim and rolled it back. */
const ER_LOCK_DEADLOCK = 1213;
const DEADLOCK_ATTEMPTS = 4;
const ER_DUP_ENTRY = 1062;
/** mysql2's code for a statement that outlived its `timeout`. */
const TIMED_OUT = 'PROTOCOL_SEQUENCE_TIMEOUT';

/**
 * Sessions in a MySQL or MariaDB table. The first call (or `ready()`) connects and creates the
 * table; an unreachable server is an `ERR_STORE_UNAVAILABLE` that names the server (never its
 * password), and the next call tries again.
 *
 * @example
 * import { MysqlStore } from 'cloakroom/stores/mysql';
 * const store = new MysqlStore({ connectionString: 'mysql://app:secret@127.0.0.1:3306/app' });
 * await store.ready(); // fail fast at startup
 */
export class MysqlStore implements SessionStore {
  readonly name: string;
  readonly #pool: Pool;
  readonly #ownsPool: boolean;
  readonly #table: string;
  readonly #createTable: boolean;
  readonly #queryTimeout: number;
  readonly #sql: ReturnType<typeof statements>;
  readonly #startup = new StartupLatch(() => this.#initialize(), () => this.name);

  constructor({ pool, connectionString, poolOptions, queryTimeout = 10_000, table = DEFAULT_TABLE, createTable = true }: MysqlStoreOptions) {
    this.#table = checkIdentifier(table, 'table');
    this.#createTable = createTable;
    this.#queryTimeout = queryTimeout;
    this.#sql = statements(`\`${this.#table}\``);
    if (pool) {
      this.#pool = pool;
      this.#ownsPool = false;
      // At run time the core pool keeps the parsed settings in config.connectionConfig.
      const config = pool.pool.config as PoolOptions & { connectionConfig?: PoolOptions };
      const c = config.connectionConfig ?? config;
      this.name = describeServer('mysql', { user: c.user, host: c.host, port: c.port, database: c.database });
    } else if (connectionString) {
      this.name = redactUrl(connectionString);
      this.#pool = mysql.createPool({ connectTimeout: 2000, ...poolOptions, uri: connectionString });
      this.#ownsPool = true;
    } else {
      throw new SessionError('ERR_SESSION_CONFIG', 'MysqlStore needs `pool` or `connectionString`.');
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
    if (this.#createTable) {
      // CREATE TABLE IF NOT EXISTS holds a metadata lock: concurrent starters do not race.
      await this.#query({ sql: mysqlSchemaSql({ table: this.#table }) }, []);
      return;
    }
    const rows = await this.#query<mysql.RowDataPacket[]>(
      { sql: 'SELECT 1 FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?' },
      [this.#table],
    );
    if (rows.length === 0) throw this.#missingTable();
  }

  /**
   * One statement on a connection of the pool, bounded by `queryTimeout`. A connection that
   * died without a FIN or RST (a NAT or firewall dropping its state, a failover behind the same
   * address) never answers; mysql2's `timeout` then fails the statement but keeps the connection
   * checked out for ever, still waiting for the reply (`pool.query` would never release it), so
   * after `connectionLimit` such statements the pool never recovers (tested in
   * test/faults/sql-outage.test.ts). Such a connection is destroyed instead, and the pool opens
   * a new one for whoever waits.
   */
  async #query<T>(options: QueryOptions, values: unknown[]): Promise<T> {
    const connection = await this.#pool.getConnection();
    let result: unknown;
    try {
      [result] = await connection.query({ ...options, timeout: this.#queryTimeout }, values);
    } catch (err) {
      if ((err as { code?: string }).code === TIMED_OUT) connection.destroy();
      else connection.release();
      throw err;
    }
    connection.release();
    return result as T;
  }

  async #run(sql: string, values: unknown[]): Promise<ResultSetHeader> {
    if (!this.#startup.done) await this.ready();
    try {
      return await this.#write(sql, values);
    } catch (err) {
      throw this.#failure(err);
    }
  }

  /**
   * One write statement. Parallel writes to one session can deadlock inside InnoDB (row and
   * index locks taken in different orders); it rolls the victim's statement back whole
   * (autocommit), and running it again is the documented remedy. Seen in CI: 1 of 50
   * parallel updates of one record.
   */
  async #write(sql: string, values: unknown[]): Promise<ResultSetHeader> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#query<ResultSetHeader>({ sql }, values);
      } catch (err) {
        if ((err as { errno?: number }).errno !== ER_LOCK_DEADLOCK || attempt >= DEADLOCK_ATTEMPTS) throw err;
      }
    }
  }

  async #rows(sql: string, values: unknown[]): Promise<unknown[][]> {
    if (!this.#startup.done) await this.ready();
    try {
      return await this.#query<unknown[][]>({ sql, rowsAsArray: true }, values);
    } catch (err) {
      throw this.#failure(err);
    }
  }

  #failure(err: unknown): SessionError {
    return isMissingTableError(err) ? this.#missingTable(err) : storeUnavailable(this.name, err);
  }

  #missingTable(cause?: unknown): SessionError {
    return missingTable(this.name, 'mysqlSchemaSql', { table: this.#table }, cause);
  }

  async get(key: string, now: number): Promise<SessionRecord | null> {
    const rows = await this.#rows(this.#sql.get, [key, now]);
    return rows[0] === undefined ? null : rowToRecord(rows[0]);
  }

  async create(key: string, record: SessionRecord): Promise<boolean> {
    if (!this.#startup.done) await this.ready();
    try {
      await this.#write(this.#sql.create, insertParams(key, record));
      return true;
    } catch (err) {
      if ((err as { errno?: number }).errno === ER_DUP_ENTRY) return false;
      throw this.#failure(err);
    }
  }

  async update(key: string, change: SessionChange, now: number): Promise<boolean> {
    return rowsMatched(await this.#run(updateStatementFor(this.#sql.update, change), updateParams(key, change, now))) === 1;
  }

  async touch(key: string, expiresAt: number, lastSeenAt: number, now: number): Promise<boolean> {
    return rowsMatched(await this.#run(this.#sql.touch, [expiresAt, lastSeenAt, key, now])) === 1;
  }

  async destroy(key: string): Promise<void> {
    await this.#run(this.#sql.destroy, [key]);
  }

  async clearExpired(now: number, options?: ClearExpiredOptions): Promise<number> {
    return clearInBatches(async (limit) => (await this.#run(this.#sql.clearBatch, [now, limit])).affectedRows, options);
  }

  async listByUser(userId: string, now: number): Promise<UserSessionInfo[]> {
    return (await this.#rows(this.#sql.listByUser, [userId, now])).map(rowToUserSession);
  }

  async destroyByUser(userId: string, exceptKey?: string): Promise<number> {
    const result =
      exceptKey === undefined ? await this.#run(this.#sql.destroyByUser, [userId]) : await this.#run(this.#sql.destroyByUserExcept, [userId, exceptKey]);
    return result.affectedRows;
  }

  async stats(now: number): Promise<StoreStats> {
    const rows = await this.#rows(this.#sql.stats, [now, now]);
    const row = rows[0]!;
    return { live: toMillis(row[0]), expired: toMillis(row[1]) };
  }

  /** Ends the pool this store made; a pool you passed in stays open. */
  async close(): Promise<void> {
    if (this.#ownsPool) await this.#pool.end();
  }
}

/**
 * Rows an UPDATE matched, whether or not it changed them. mysql2 sets CLIENT_FOUND_ROWS by
 * default so affectedRows already counts matches, but a pool made with `flags: '-FOUND_ROWS'`
 * would report 0 for a touch that rewrote the same values; the server's info line says
 * "Rows matched: N" either way.
 */
function rowsMatched(result: ResultSetHeader): number {
  const matched = /Rows matched: (\d+)/.exec(result.info ?? '');
  return matched ? Number(matched[1]) : result.affectedRows;
}

function statements(q: string) {
  // A merge over data that is not a JSON object (written by something else) starts from {}
  // rather than failing: that session already reads as empty. CASE is lazy, so JSON_TYPE
  // never sees invalid JSON (it would raise an error on MySQL).
  const base = "CASE WHEN JSON_VALID(`data`) THEN CASE WHEN JSON_TYPE(`data`) = 'OBJECT' THEN `data` ELSE '{}' END ELSE '{}' END";
  const update = (data: string, withUser: boolean) =>
    `UPDATE ${q} SET \`data\` = ${data}, \`expires_at\` = ?, \`last_seen_at\` = ?${withUser ? ', `user_id` = ?' : ''} WHERE \`key\` = ? AND \`expires_at\` > ?`;
  return {
    get: `SELECT \`data\`, \`expires_at\`, \`created_at\`, \`last_seen_at\`, \`user_id\`, \`user_agent\` FROM ${q} WHERE \`key\` = ? AND \`expires_at\` > ?`,
    create: `INSERT INTO ${q} (\`key\`, \`data\`, \`expires_at\`, \`created_at\`, \`last_seen_at\`, \`user_id\`, \`user_agent\`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    update: updateStatements((data, withUser) => update(data === 'merge' ? `JSON_MERGE_PATCH(${base}, ?)` : '?', withUser)),
    touch: `UPDATE ${q} SET \`expires_at\` = ?, \`last_seen_at\` = ? WHERE \`key\` = ? AND \`expires_at\` > ?`,
    destroy: `DELETE FROM ${q} WHERE \`key\` = ?`,
    clearBatch: `DELETE FROM ${q} WHERE \`expires_at\` <= ? ORDER BY \`expires_at\` LIMIT ?`,
    listByUser: `SELECT \`key\`, \`created_at\`, \`last_seen_at\`, \`expires_at\`, \`user_agent\` FROM ${q} WHERE \`user_id\` = ? AND \`expires_at\` > ? ORDER BY \`last_seen_at\` DESC`,
    destroyByUser: `DELETE FROM ${q} WHERE \`user_id\` = ?`,
    destroyByUserExcept: `DELETE FROM ${q} WHERE \`user_id\` = ? AND \`key\` <> ?`,
    stats: `SELECT (SELECT COUNT(*) FROM ${q} WHERE \`expires_at\` > ?), (SELECT COUNT(*) FROM ${q} WHERE \`expires_at\` <= ?)`,
  };
}
