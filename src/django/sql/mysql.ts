/**
 * Django's session table on MySQL or MariaDB (`mysql2`). With `USE_TZ = True` Django stores
 * `datetime(6)` values as naive UTC text; the connection here reads and writes them as such
 * (`dateStrings`, and times we format ourselves), whatever the server's or Node's time zone.
 * `modify` locks the row (`SELECT … FOR UPDATE`) for its read-modify-write.
 */
import type { PoolConnection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { SessionError } from '../../core/errors.js';
import { checkIdentifier, redactUrl, storeUnavailable } from '../../stores/sql-shared.js';
import { parseDjangoDateTime, pythonIsoFormat } from '../session-data.js';
import type { DjangoSessionRow, DjangoSqlBackend } from '../db-store.js';

const text = (ms: number) => pythonIsoFormat(ms, ' ', '');

/**
 * The session table of the Django database at `connectionString` (`mysql://…`); it must exist
 * (Django's `migrate` made it), else `ERR_STORE_SCHEMA`.
 *
 * @example
 * const backend = await djangoMysql('mysql://app@db:3306/app');
 */
export async function djangoMysql(connectionString: string, table = 'django_session'): Promise<DjangoSqlBackend> {
  checkIdentifier(table, 'table');
  const t = `\`${table}\``;
  const storeName = redactUrl(connectionString);
  const { default: mysql } = await import('mysql2/promise'); // an optional peer dependency, loaded when used
  const pool = mysql.createPool({ uri: connectionString, dateStrings: true, timezone: 'Z', connectTimeout: 2000, connectionLimit: 10 });
  const fail = (err: unknown) => storeUnavailable(`django+${storeName}`, err);
  try {
    const [rows] = await pool.query<RowDataPacket[]>('SELECT 1 FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?', [table]);
    if (rows.length === 0) throw new SessionError('ERR_STORE_SCHEMA', `django+${storeName}: no table ${table} (run Django's \`python manage.py migrate\` first).`);
  } catch (err) {
    await pool.end();
    throw err instanceof SessionError ? err : storeUnavailable(`django+${storeName}`, err, 'is unreachable');
  }
  const row = (r: RowDataPacket | undefined): DjangoSessionRow | null =>
    r ? { sessionData: String(r.session_data), expireDate: parseDjangoDateTime(String(r.expire_date)) } : null;
  const run = async (sql: string, values: unknown[]): Promise<ResultSetHeader> => {
    try {
      return (await pool.execute<ResultSetHeader>(sql, values as never))[0];
    } catch (err) {
      throw fail(err);
    }
  };
  return {
    name: storeName,
    async get(key, now) {
      try {
        const [rows] = await pool.execute<RowDataPacket[]>(`SELECT session_data, expire_date FROM ${t} WHERE session_key = ? AND expire_date > ?`, [key, text(now)]);
        return row(rows[0]);
      } catch (err) {
        throw fail(err);
      }
    },
    async insert(key, r) {
      try {
        await pool.execute(`INSERT INTO ${t} (session_key, session_data, expire_date) VALUES (?, ?, ?)`, [key, r.sessionData, text(r.expireDate)]);
        return true;
      } catch (err) {
        if ((err as { errno?: number }).errno === 1062) return false; // ER_DUP_ENTRY: the key is taken
        throw fail(err);
      }
    },
    async modify(key, now, next) {
      let connection: PoolConnection;
      try {
        connection = await pool.getConnection();
      } catch (err) {
        throw fail(err);
      }
      try {
        await connection.beginTransaction();
        const [rows] = await connection.execute<RowDataPacket[]>(`SELECT session_data, expire_date FROM ${t} WHERE session_key = ? AND expire_date > ? FOR UPDATE`, [key, text(now)]);
        const current = row(rows[0]);
        if (current === null) {
          await connection.rollback();
          return false;
        }
        const written = next(current);
        await connection.execute(`UPDATE ${t} SET session_data = ?, expire_date = ? WHERE session_key = ?`, [written.sessionData, text(written.expireDate), key]);
        await connection.commit();
        return true;
      } catch (err) {
        await connection.rollback().catch(() => {});
        throw fail(err);
      } finally {
        connection.release();
      }
    },
    touch: async (key, expireDate, now) => (await run(`UPDATE ${t} SET expire_date = ? WHERE session_key = ? AND expire_date > ?`, [text(expireDate), key, text(now)])).affectedRows === 1,
    delete: async (key) => void (await run(`DELETE FROM ${t} WHERE session_key = ?`, [key])),
    clearBatch: async (now, limit) => (await run(`DELETE FROM ${t} WHERE expire_date < ? LIMIT ${Math.floor(limit)}`, [text(now)])).affectedRows,
    async stats(now) {
      try {
        const [rows] = await pool.query<RowDataPacket[]>(`SELECT COALESCE(SUM(expire_date > ?), 0) AS live, COALESCE(SUM(expire_date <= ?), 0) AS expired FROM ${t}`, [text(now), text(now)]);
        return { live: Number(rows[0]!.live), expired: Number(rows[0]!.expired) };
      } catch (err) {
        throw fail(err);
      }
    },
    close: () => pool.end(),
  };
}
