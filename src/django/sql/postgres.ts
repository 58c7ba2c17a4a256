/**
 * Django's session table on PostgreSQL (`pg`). Django's column is `timestamp with time zone`;
 * times travel as `Date`s, and `modify` locks the row (`SELECT … FOR UPDATE`) for its
 * read-modify-write.
 */
import type pg from 'pg';
import { SessionError } from '../../core/errors.js';
import { checkIdentifier, redactUrl, storeUnavailable } from '../../stores/sql-shared.js';
import type { DjangoSessionRow, DjangoSqlBackend } from '../db-store.js';

/**
 * The session table (`table`, optionally `schema.table`) of the Django database at
 * `connectionString`; it must exist (Django's `migrate` made it), else `ERR_STORE_SCHEMA`.
 *
 * @example
 * const backend = await djangoPostgres('postgres://app@db:5432/app');
 */
export async function djangoPostgres(connectionString: string, table = 'django_session'): Promise<DjangoSqlBackend> {
  const [schema, name] = table.includes('.') ? table.split('.', 2) : [undefined, table];
  checkIdentifier(name!, 'table');
  if (schema !== undefined) checkIdentifier(schema, 'schema');
  const t = schema === undefined ? `"${name}"` : `"${schema}"."${name}"`;
  const storeName = redactUrl(connectionString);
  const { default: Pg } = await import('pg'); // an optional peer dependency, loaded when used
  const pool = new Pg.Pool({ connectionString, connectionTimeoutMillis: 2000, query_timeout: 10_000 });
  pool.on('error', () => {}); // an idle client's lost server: the next query reports it
  const fail = (err: unknown) => storeUnavailable(`django+${storeName}`, err);
  try {
    const { rows } = await pool.query('SELECT to_regclass($1) AS t', [schema === undefined ? name : `${schema}.${name}`]);
    if (!rows[0]?.t) throw new SessionError('ERR_STORE_SCHEMA', `django+${storeName}: no table ${table} (run Django's \`python manage.py migrate\` first).`);
  } catch (err) {
    await pool.end();
    throw err instanceof SessionError ? err : storeUnavailable(`django+${storeName}`, err, 'is unreachable');
  }
  const row = (r: { session_data: string; expire_date: Date } | undefined): DjangoSessionRow | null =>
    r ? { sessionData: r.session_data, expireDate: r.expire_date.getTime() } : null;
  const query = async (text: string, values: unknown[]) => {
    try {
      return await pool.query(text, values);
    } catch (err) {
      throw fail(err);
    }
  };
  return {
    name: storeName,
    get: async (key, now) => row((await query(`SELECT session_data, expire_date FROM ${t} WHERE session_key = $1 AND expire_date > $2`, [key, new Date(now)])).rows[0]),
    insert: async (key, r) =>
      (await query(`INSERT INTO ${t} (session_key, session_data, expire_date) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [key, r.sessionData, new Date(r.expireDate)])).rowCount === 1,
    async modify(key, now, next) {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (err) {
        throw fail(err);
      }
      try {
        await client.query('BEGIN');
        const { rows } = await client.query(`SELECT session_data, expire_date FROM ${t} WHERE session_key = $1 AND expire_date > $2 FOR UPDATE`, [key, new Date(now)]);
        const current = row(rows[0]);
        if (current === null) {
          await client.query('ROLLBACK');
          return false;
        }
        const written = next(current);
        await client.query(`UPDATE ${t} SET session_data = $2, expire_date = $3 WHERE session_key = $1`, [key, written.sessionData, new Date(written.expireDate)]);
        await client.query('COMMIT');
        return true;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw fail(err);
      } finally {
        client.release();
      }
    },
    touch: async (key, expireDate, now) =>
      (await query(`UPDATE ${t} SET expire_date = $2 WHERE session_key = $1 AND expire_date > $3`, [key, new Date(expireDate), new Date(now)])).rowCount === 1,
    delete: async (key) => void (await query(`DELETE FROM ${t} WHERE session_key = $1`, [key])),
    clearBatch: async (now, limit) =>
      (await query(`DELETE FROM ${t} WHERE session_key IN (SELECT session_key FROM ${t} WHERE expire_date < $1 LIMIT $2)`, [new Date(now), limit])).rowCount ?? 0,
    async stats(now) {
      const { rows } = await query(`SELECT count(*) FILTER (WHERE expire_date > $1) AS live, count(*) FILTER (WHERE expire_date <= $1) AS expired FROM ${t}`, [new Date(now)]);
      return { live: Number(rows[0].live), expired: Number(rows[0].expired) };
    },
    close: async () => {
      if (!pool.ended) await pool.end();
    },
  };
}
