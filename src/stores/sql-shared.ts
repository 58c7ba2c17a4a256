/**
 * What the SQL stores (sqlite, postgres, mysql) share: identifier checks, reading the data
 * column defensively, the merge patch for `update`, batched expiry, and store names without
 * passwords. One job each, no driver imports, so loading it costs nothing.
 */
import type { ClearExpiredOptions, SessionChange, SessionRecord, UserSessionInfo } from '../core/store.js';
import { SessionError } from '../core/errors.js';
import { setOwn } from '../core/store.js';

/** Default table name for every SQL store. @example new SqliteStore({ table: DEFAULT_TABLE }) */
export const DEFAULT_TABLE = 'cloakroom_sessions';

/** Default number of rows one `clearExpired` statement deletes. @example store.clearExpired(Date.now(), { batchSize: DEFAULT_BATCH_SIZE }) */
export const DEFAULT_BATCH_SIZE = 1000;

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,47}$/;

/**
 * Table and schema names are spliced into SQL (they cannot be bound parameters), so only
 * plain identifiers are accepted; they are quoted anyway.
 *
 * @example checkIdentifier('cloakroom_sessions', 'table'); // returns it; 'x; DROP' throws
 */
export function checkIdentifier(name: string, what: string): string {
  if (typeof name !== 'string' || !IDENTIFIER.test(name)) {
    throw new SessionError('ERR_SESSION_CONFIG', `The ${what} name ${JSON.stringify(name)} must match ${IDENTIFIER} (letters, digits, underscore; at most 48).`);
  }
  return name;
}

/**
 * The data column as the core expects it: an object of serialized values. A column that is
 * not a JSON object (hand-edited, truncated, written by another program) reads as an empty
 * session, never a throw — Django treats tampered session data the same way. Drivers hand us
 * either text (SQLite, MariaDB's LONGTEXT "JSON") or an already-parsed value (pg's jsonb, MySQL 8's JSON).
 *
 * @example parseStoredData('{"a":"1"}'); // { a: '1' }; parseStoredData('garbage') → {}
 */
export function parseStoredData(value: unknown): Record<string, string> {
  let parsed: unknown = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      return {};
    }
  } else if (value instanceof Uint8Array) {
    // A Buffer from the driver (MariaDB's JSON columns).
    return parseStoredData(new TextDecoder().decode(value));
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
  const data = parsed as Record<string, unknown>;
  for (const k in data) {
    // Values are JSON text written by the core; anything else was written by someone else
    // (e.g. a native JSON value): keep it as the JSON text it stands for.
    if (typeof data[k] !== 'string') data[k] = JSON.stringify(data[k]) ?? 'null';
  }
  return data as Record<string, string>;
}

/**
 * An RFC 7396 JSON merge patch for `change`: unset keys map to null (removed), set keys to
 * their serialized value. Values are always strings, so the patch never recurses into them
 * and `json_patch` (SQLite) / `JSON_MERGE_PATCH` (MySQL, MariaDB) apply exactly `applyChange`.
 *
 * @example mergePatch({ set: { a: '1' }, unset: ['b'], … }); // '{"b":null,"a":"1"}'
 */
export function mergePatch(change: SessionChange): string {
  const patch: Record<string, string | null> = {};
  for (const k of change.unset) setOwn(patch, k, null);
  for (const k of Object.keys(change.set)) setOwn(patch, k, change.set[k]!);
  return JSON.stringify(patch);
}

/**
 * The four UPDATE statements of a SQL store, one per kind of change: merge the changed keys
 * into the data or replace it whole (`change.replace`), and with or without a new user binding
 * (`change.userId` set by login or logout).
 *
 * @example
 * const updates = updateStatements((data, withUser) => `UPDATE t SET data = ${data === 'merge' ? 'json_patch(data, ?)' : '?'}…`);
 */
export interface UpdateStatements<S> {
  merge: S;
  mergeWithUser: S;
  replace: S;
  replaceWithUser: S;
}

/**
 * Builds a store's four UPDATE statements from its dialect, once.
 *
 * @example
 * this.#updates = updateStatements((data, withUser) => db.prepare(updateSql(data, withUser)));
 */
export function updateStatements<S>(build: (data: 'merge' | 'replace', withUser: boolean) => S): UpdateStatements<S> {
  return { merge: build('merge', false), mergeWithUser: build('merge', true), replace: build('replace', false), replaceWithUser: build('replace', true) };
}

/**
 * The one of `statements` that applies `change`.
 *
 * @example
 * updateStatementFor(this.#updates, change).run(...updateParams(key, change, now));
 */
export function updateStatementFor<S>(statements: UpdateStatements<S>, change: SessionChange): S {
  const withUser = change.userId !== undefined;
  if (change.replace) return withUser ? statements.replaceWithUser : statements.replace;
  return withUser ? statements.mergeWithUser : statements.merge;
}

/**
 * The parameters of an UPDATE with `?` placeholders (SQLite, MySQL): the new data (the whole
 * of it, or the merge patch), expires_at, last_seen_at, user_id when it changes, then the
 * WHERE's key and now.
 *
 * @example
 * await pool.execute(updateStatementFor(sql, change), updateParams(key, change, now));
 */
export function updateParams(key: string, change: SessionChange, now: number): unknown[] {
  const params: unknown[] = [change.replace ? JSON.stringify(change.set) : mergePatch(change), change.expiresAt, change.lastSeenAt];
  if (change.userId !== undefined) params.push(change.userId);
  params.push(key, now);
  return params;
}

/**
 * A bigint column as a number: pg returns int8 as text, better-sqlite3 may return BigInt,
 * mysql2 may return text with `bigNumberStrings`. Epoch milliseconds fit a double exactly.
 *
 * @example toMillis('1767225600000'); // 1767225600000
 */
export function toMillis(value: unknown): number {
  return typeof value === 'number' ? value : Number(value);
}

/**
 * One row, as an array of the columns data, expires_at, created_at, last_seen_at, user_id,
 * user_agent (the order every SQL store selects them in), to a `SessionRecord`.
 *
 * @example rowToRecord(['{"a":"1"}', 2, 1, 1, null, null]); // { data: { a: '1' }, expiresAt: 2, … }
 */
export function rowToRecord(row: readonly unknown[]): SessionRecord {
  return {
    data: parseStoredData(row[0]),
    expiresAt: toMillis(row[1]),
    createdAt: toMillis(row[2]),
    lastSeenAt: toMillis(row[3]),
    userId: (row[4] as string | null) ?? null,
    userAgent: (row[5] as string | null) ?? null,
  };
}

/**
 * Runs `deleteBatch(limit)` until a batch deletes fewer than `limit` rows, reporting the
 * running total after each. Small statements keep locks short so requests go on during a
 * sweep of a million rows; between batches the event loop gets a turn.
 *
 * @example await clearInBatches((n) => deleteSome(n), { batchSize: 500, onProgress: console.log });
 */
export async function clearInBatches(
  deleteBatch: (limit: number) => Promise<number> | number,
  { batchSize = DEFAULT_BATCH_SIZE, onProgress }: ClearExpiredOptions = {},
): Promise<number> {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new SessionError('ERR_SESSION_CONFIG', `clearExpired batchSize must be a positive integer, got ${batchSize}.`);
  }
  let total = 0;
  for (;;) {
    const started = performance.now();
    const deleted = await deleteBatch(batchSize);
    total += deleted;
    onProgress?.(total);
    if (deleted < batchSize) return total;
    // Rest as long as the batch took: the sweep takes at most half the database's attention, so
    // requests running beside it keep their latency (a sweep at full speed did not: measured in
    // docs/DESIGN-NOTES.md).
    const took = performance.now() - started;
    await new Promise<void>((resolve) => (took < 1 ? setImmediate(resolve) : setTimeout(resolve, Math.min(took, 1000))));
  }
}

/**
 * A connection URL fit for logs and error messages: the password is removed, everything
 * else kept. Unparseable input is not echoed (it may hold a password in an odd shape).
 *
 * @example redactUrl('postgres://app:s3cret@db:5432/prod'); // 'postgres://app@db:5432/prod'
 */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    // "user:pass@host" without a scheme parses as scheme "user:" with an opaque path holding
    // the password: only hierarchical URLs ("scheme://…", or "scheme:///db" for a socket) pass.
    if (!parsed.host && !parsed.pathname.startsWith('/')) return '(unparseable connection string)';
    parsed.password = '';
    for (const key of [...parsed.searchParams.keys()]) {
      if (/pass|secret|key|token/i.test(key)) parsed.searchParams.set(key, '***');
    }
    return parsed.toString();
  } catch {
    return '(unparseable connection string)';
  }
}

/**
 * A URL-shaped store name from connection fields, never including a password.
 *
 * @example describeServer('mysql', { user: 'app', host: 'db', port: 3306, database: 'prod' }); // 'mysql://app@db:3306/prod'
 */
export function describeServer(scheme: string, fields: { user?: string | undefined; host?: string | undefined; port?: number | string | undefined; database?: string | undefined }): string {
  const user = fields.user ? `${encodeURIComponent(fields.user)}@` : '';
  const host = fields.host ?? 'localhost';
  const port = fields.port ? `:${fields.port}` : '';
  const database = fields.database ? `/${encodeURIComponent(fields.database)}` : '';
  return `${scheme}://${user}${host}${port}${database}`;
}

/**
 * The error for a store that cannot be reached or failed: names the store (no password) and
 * keeps the driver's error as `cause`. A `SessionError` passes through unchanged.
 *
 * @example throw storeUnavailable('postgres://app@db:5432/prod', err, 'is unreachable');
 */
export function storeUnavailable(name: string, err: unknown, doing = 'failed'): SessionError {
  if (err instanceof SessionError) return err;
  const detail = (err as Error)?.message || (err as { code?: string })?.code || String(err);
  return new SessionError('ERR_STORE_UNAVAILABLE', `Session store ${name} ${doing}: ${detail}`, { cause: err });
}

/**
 * The error for a session table that does not exist, whether found at startup
 * (`createTable: false`) or when a running store's table was dropped: it names the table and
 * how to create it, and creating it is all it takes (the store checks again on its next call).
 * `schemaSql` is the exported function that returns the table's DDL, e.g. `postgresSchemaSql`.
 *
 * @example
 * throw missingTable('postgres://app@db/prod', 'postgresSchemaSql', { table: 'sessions', schema: 'app' });
 */
export function missingTable(storeName: string, schemaSql: string, where: { table: string; schema?: string | undefined }, cause?: unknown): SessionError {
  const shown = where.schema === undefined ? where.table : `${where.schema}.${where.table}`;
  const options = [where.table === DEFAULT_TABLE ? '' : `table: '${where.table}'`, where.schema === undefined ? '' : `schema: '${where.schema}'`].filter(Boolean);
  const call = `${schemaSql}(${options.length === 0 ? '' : `{ ${options.join(', ')} }`})`;
  return new SessionError(
    'ERR_STORE_SCHEMA',
    `Session store ${storeName}: table ${shown} does not exist. Run the SQL that ${call} returns as a migration, or let the store create the table (createTable: true, the default).`,
    cause === undefined ? {} : { cause },
  );
}

/**
 * True for a driver error that says the table does not exist: PostgreSQL's undefined_table
 * (42P01), MySQL's and MariaDB's ER_NO_SUCH_TABLE (1146).
 *
 * @example if (isMissingTableError(err)) throw missingTable(name, 'mysqlSchemaSql', { table }, err);
 */
export function isMissingTableError(err: unknown): boolean {
  const e = err as { code?: unknown; errno?: unknown } | null | undefined;
  return e?.code === '42P01' || e?.errno === 1146;
}

/**
 * Runs a store's one-time initialization (connect, create the table) once, for every caller at
 * once; a failure is reported as `ERR_STORE_UNAVAILABLE` naming the store, and forgotten, so the
 * next call tries again when the server comes back.
 *
 * @example
 * readonly #startup = new StartupLatch(() => this.#initialize(), () => this.name);
 * ready() { return this.#startup.ready(); }
 */
export class StartupLatch {
  #done = false;
  #running: Promise<void> | undefined;

  constructor(
    private readonly initialize: () => Promise<void>,
    private readonly name: () => string,
  ) {}

  get done(): boolean {
    return this.#done;
  }

  ready(): Promise<void> {
    if (this.#done) return Promise.resolve();
    this.#running ??= this.initialize().then(
      () => {
        this.#done = true;
      },
      (err: unknown) => {
        this.#running = undefined;
        throw storeUnavailable(this.name(), err, 'is unreachable or unusable');
      },
    );
    return this.#running;
  }
}

/**
 * The INSERT parameters of a record, in the column order every SQL store's `create` uses:
 * key, data, expires_at, created_at, last_seen_at, user_id, user_agent.
 *
 * @example
 * await pool.query(sql.create, insertParams(key, record));
 */
export function insertParams(key: string, record: SessionRecord): [string, string, number, number, number, string | null, string | null] {
  return [key, JSON.stringify(record.data), record.expiresAt, record.createdAt, record.lastSeenAt, record.userId, record.userAgent];
}

/**
 * A user-listing row (key, created_at, last_seen_at, expires_at, user_agent) as `UserSessionInfo`.
 *
 * @example
 * return rows.map(rowToUserSession);
 */
export function rowToUserSession(r: readonly unknown[]): UserSessionInfo {
  return {
    key: String(r[0]),
    createdAt: toMillis(r[1]),
    lastSeenAt: toMillis(r[2]),
    expiresAt: toMillis(r[3]),
    userAgent: (r[4] as string | null) ?? null,
  };
}
