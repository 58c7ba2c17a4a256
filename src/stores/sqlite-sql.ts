/**
 * SQLite's statements for the session table, written once for every SQLite a store speaks to:
 * better-sqlite3 (Node), `bun:sqlite`, `node:sqlite` (Deno, Node 22+) and Cloudflare D1. Only
 * positional `?` parameters, which all of them bind the same way.
 */
import { checkIdentifier, DEFAULT_TABLE, updateStatements, type UpdateStatements } from './sql-shared.js';

/**
 * The DDL a SQLite store runs when it opens the database (idempotent), for a table named `table`.
 *
 * @example db.exec(sqliteSchemaSql('sessions')); // e.g. in your own migration tool
 */
export function sqliteSchemaSql(table = DEFAULT_TABLE): string {
  const t = checkIdentifier(table, 'table');
  return `CREATE TABLE IF NOT EXISTS "${t}" (
  "key" TEXT PRIMARY KEY NOT NULL,
  "data" TEXT NOT NULL,
  "expires_at" INTEGER NOT NULL,
  "created_at" INTEGER NOT NULL,
  "last_seen_at" INTEGER NOT NULL,
  "user_id" TEXT,
  "user_agent" TEXT
);
CREATE INDEX IF NOT EXISTS "${t}_expires_at" ON "${t}" ("expires_at");
CREATE INDEX IF NOT EXISTS "${t}_user_id" ON "${t}" ("user_id") WHERE "user_id" IS NOT NULL;`;
}

/** The statements of a SQLite session store, as SQL text (see `sqliteStatementsSql`). */
export interface SqliteStatementsSql {
  /** `key, now` → data, expires_at, created_at, last_seen_at, user_id, user_agent. */
  get: string;
  /** `insertParams(key, record)`; zero changes: the key was taken. */
  create: string;
  /** The UPDATE for a change (see `updateParams`): merge patch or replacement, with or without user_id. */
  update(data: 'merge' | 'replace', withUser: boolean): string;
  /** `expiresAt, lastSeenAt, key, now`. */
  touch: string;
  /** `key`. */
  destroy: string;
  /** `now, limit`: one batch of expired rows. */
  clearBatch: string;
  /** `userId, now` → key, created_at, last_seen_at, expires_at, user_agent, newest first. */
  listByUser: string;
  /** `userId`. */
  destroyByUser: string;
  /** `userId, exceptKey`. */
  destroyByUserExcept: string;
  /** `now, now` → live, expired. */
  stats: string;
}

/**
 * How each guarantee maps to SQLite: create is `INSERT … ON CONFLICT(key) DO NOTHING` (zero
 * changes → false); update is one `UPDATE … WHERE key = ? AND expires_at > ?` applying an
 * RFC 7396 merge patch with `json_patch` (zero changes → false: a logged-out session is never
 * written back); touch sets only the times; clearExpired deletes in batches on the expiry index.
 *
 * @example
 * const sql = sqliteStatementsSql('sessions');
 * db.prepare(sql.get).get(key, Date.now());
 */
export function sqliteStatementsSql(table = DEFAULT_TABLE): SqliteStatementsSql {
  const q = `"${checkIdentifier(table, 'table')}"`;
  // A merge over data that is not a JSON object (hand-edited, truncated) starts from {}:
  // that session read as empty, and writing to it must not fail either. CASE is lazy, so
  // json_type never sees invalid JSON.
  const base = `CASE WHEN json_valid("data") THEN CASE WHEN json_type("data") = 'object' THEN "data" ELSE '{}' END ELSE '{}' END`;
  return {
    get: `SELECT "data", "expires_at", "created_at", "last_seen_at", "user_id", "user_agent" FROM ${q} WHERE "key" = ? AND "expires_at" > ?`,
    create: `INSERT INTO ${q} ("key", "data", "expires_at", "created_at", "last_seen_at", "user_id", "user_agent") VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT("key") DO NOTHING`,
    update: (data, withUser) =>
      `UPDATE ${q} SET "data" = ${data === 'merge' ? `json_patch(${base}, ?)` : '?'}, "expires_at" = ?, "last_seen_at" = ?${withUser ? ', "user_id" = ?' : ''} WHERE "key" = ? AND "expires_at" > ?`,
    touch: `UPDATE ${q} SET "expires_at" = ?, "last_seen_at" = ? WHERE "key" = ? AND "expires_at" > ?`,
    destroy: `DELETE FROM ${q} WHERE "key" = ?`,
    clearBatch: `DELETE FROM ${q} WHERE rowid IN (SELECT rowid FROM ${q} WHERE "expires_at" <= ? LIMIT ?)`,
    listByUser: `SELECT "key", "created_at", "last_seen_at", "expires_at", "user_agent" FROM ${q} WHERE "user_id" = ? AND "expires_at" > ? ORDER BY "last_seen_at" DESC`,
    destroyByUser: `DELETE FROM ${q} WHERE "user_id" = ?`,
    destroyByUserExcept: `DELETE FROM ${q} WHERE "user_id" = ? AND "key" <> ?`,
    stats: `SELECT (SELECT count(*) FROM ${q} WHERE "expires_at" > ?) AS live, (SELECT count(*) FROM ${q} WHERE "expires_at" <= ?) AS expired`,
  };
}

/** A SQLite store's statements, prepared once by its driver (`S`: that driver's statement). */
export interface SqliteStatements<S> {
  get: S;
  create: S;
  updates: UpdateStatements<S>;
  touch: S;
  destroy: S;
  clearBatch: S;
  listByUser: S;
  destroyByUser: S;
  destroyByUserExcept: S;
  stats: S;
}

/**
 * Every statement of `sqliteStatementsSql(table)`, prepared with `prepare`: the one place the
 * SQLite stores (better-sqlite3, bun:sqlite / node:sqlite, D1) turn the shared SQL into statements.
 *
 * @example
 * const statements = prepareSqliteStatements('sessions', (sql) => db.prepare(sql));
 * statements.get.get(key, Date.now());
 */
export function prepareSqliteStatements<S>(table: string, prepare: (sql: string) => S): SqliteStatements<S> {
  const sql = sqliteStatementsSql(table);
  return {
    get: prepare(sql.get),
    create: prepare(sql.create),
    updates: updateStatements((data, withUser) => prepare(sql.update(data, withUser))),
    touch: prepare(sql.touch),
    destroy: prepare(sql.destroy),
    clearBatch: prepare(sql.clearBatch),
    listByUser: prepare(sql.listByUser),
    destroyByUser: prepare(sql.destroyByUser),
    destroyByUserExcept: prepare(sql.destroyByUserExcept),
    stats: prepare(sql.stats),
  };
}
