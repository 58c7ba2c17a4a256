/**
 * Django's session table on SQLite (better-sqlite3). Django's SQLite backend stores datetimes as
 * text, `str(datetime)` of the naive UTC time (`2026-12-16 06:00:00.123456`, no fraction when it
 * is zero), and compares them as text: we write and compare the same text.
 */
import { SessionError } from '../../core/errors.js';
import { checkIdentifier, storeUnavailable } from '../../stores/sql-shared.js';
import { parseDjangoDateTime, pythonIsoFormat } from '../session-data.js';
import type { DjangoSessionRow, DjangoSqlBackend } from '../db-store.js';

/** Django's SQLite spelling of a datetime (naive UTC, `str(datetime)`). */
const text = (ms: number) => pythonIsoFormat(ms, ' ', '');

/**
 * The session table in the SQLite database at `path` (which Django's `migrate` created: the
 * file and the table must exist; a missing one is `ERR_STORE_SCHEMA`, never created by us).
 *
 * @example
 * const backend = await djangoSqlite('./db.sqlite3');
 */
export async function djangoSqlite(path: string, table = 'django_session'): Promise<DjangoSqlBackend> {
  checkIdentifier(table, 'table');
  const name = `sqlite:${path}`;
  const { default: Database } = await import('better-sqlite3');
  let db: import('better-sqlite3').Database;
  try {
    db = new Database(path, { fileMustExist: true });
    db.pragma('busy_timeout = 5000');
  } catch (err) {
    throw storeUnavailable(`django+${name}`, err, 'cannot be opened');
  }
  const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table);
  if (!exists) {
    db.close();
    throw new SessionError('ERR_STORE_SCHEMA', `django+${name}: no table "${table}" (run Django's \`python manage.py migrate\` first).`);
  }
  const t = `"${table}"`;
  const sql = {
    get: db.prepare(`SELECT session_data, expire_date FROM ${t} WHERE session_key = ? AND expire_date > ?`).raw(),
    insert: db.prepare(`INSERT INTO ${t} (session_key, session_data, expire_date) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`),
    update: db.prepare(`UPDATE ${t} SET session_data = ?, expire_date = ? WHERE session_key = ?`),
    touch: db.prepare(`UPDATE ${t} SET expire_date = ? WHERE session_key = ? AND expire_date > ?`),
    delete: db.prepare(`DELETE FROM ${t} WHERE session_key = ?`),
    clear: db.prepare(`DELETE FROM ${t} WHERE rowid IN (SELECT rowid FROM ${t} WHERE expire_date < ? LIMIT ?)`),
    stats: db.prepare(`SELECT COALESCE(SUM(expire_date > ?), 0), COALESCE(SUM(expire_date <= ?), 0) FROM ${t}`).raw(),
  };
  const row = (r: unknown[] | undefined): DjangoSessionRow | null => (r ? { sessionData: String(r[0]), expireDate: parseDjangoDateTime(String(r[1])) } : null);
  // One synchronous transaction: nothing else on this connection can run between its read and
  // its write (an await there would let another request's statements into it).
  const modify = db.transaction((key: string, now: number, next: (current: DjangoSessionRow) => DjangoSessionRow) => {
    const current = row(sql.get.get(key, text(now)) as unknown[] | undefined);
    if (current === null) return false;
    const written = next(current);
    sql.update.run(written.sessionData, text(written.expireDate), key);
    return true;
  });
  const run = <T>(fn: () => T): Promise<T> => {
    try {
      return Promise.resolve(fn());
    } catch (err) {
      return Promise.reject(storeUnavailable(`django+${name}`, err));
    }
  };
  return {
    name,
    get: (key, now) => run(() => row(sql.get.get(key, text(now)) as unknown[] | undefined)),
    insert: (key, r) => run(() => sql.insert.run(key, r.sessionData, text(r.expireDate)).changes === 1),
    modify: (key, now, next) => run(() => modify.immediate(key, now, next)),
    touch: (key, expireDate, now) => run(() => sql.touch.run(text(expireDate), key, text(now)).changes === 1),
    delete: (key) => run(() => void sql.delete.run(key)),
    clearBatch: (now, limit) => run(() => sql.clear.run(text(now), limit).changes),
    stats: (now) =>
      run(() => {
        const [live, expired] = sql.stats.get(text(now), text(now)) as [number, number];
        return { live: Number(live), expired: Number(expired) };
      }),
    close: async () => {
      if (db.open) db.close();
    },
  };
}
