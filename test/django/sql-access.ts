/** Direct access to the test project's tables on PostgreSQL and MariaDB: password hashes, and tampering. */
import pg from 'pg';
import mysql from 'mysql2/promise';
import Database from 'better-sqlite3';

/** A payload swapped for another under the same signature (write access to the table, no SECRET_KEY). */
export function forge(sessionData: string): string {
  const [, ts, sig] = sessionData.split(':');
  return `${Buffer.from('{"username":"admin"}').toString('base64url')}:${ts}:${sig}`;
}

export function postgresAccess(url: string, suffix: string) {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  return {
    async passwordHash(userId: string): Promise<string | null> {
      const { rows } = await pool.query(`SELECT password FROM "djproject_user${suffix}" WHERE id = $1`, [Number(userId)]);
      return rows[0]?.password ?? null;
    },
    async tamper(sessionKey: string): Promise<void> {
      const t = `"django_session${suffix}"`;
      const { rows } = await pool.query(`SELECT session_data FROM ${t} WHERE session_key = $1`, [sessionKey]);
      await pool.query(`UPDATE ${t} SET session_data = $1 WHERE session_key = $2`, [forge(rows[0].session_data), sessionKey]);
    },
    close: () => pool.end(),
  };
}

export function mysqlAccess(url: string, suffix: string) {
  const pool = mysql.createPool({ uri: url, connectionLimit: 2 });
  return {
    async passwordHash(userId: string): Promise<string | null> {
      const [rows] = await pool.query<mysql.RowDataPacket[]>(`SELECT password FROM \`djproject_user${suffix}\` WHERE id = ?`, [Number(userId)]);
      return (rows[0]?.password as string | undefined) ?? null;
    },
    async tamper(sessionKey: string): Promise<void> {
      const t = `\`django_session${suffix}\``;
      const [rows] = await pool.query<mysql.RowDataPacket[]>(`SELECT session_data FROM ${t} WHERE session_key = ?`, [sessionKey]);
      await pool.query(`UPDATE ${t} SET session_data = ? WHERE session_key = ?`, [forge(String(rows[0]!.session_data)), sessionKey]);
    },
    close: () => pool.end(),
  };
}

/** Reads and corrupts rows of the test project's SQLite database. */
export function sqliteAccess(path: string, suffix: string) {
  const open = () => new Database(path);
  return {
    async passwordHash(userId: string): Promise<string | null> {
      const db = open();
      try {
        const row = db.prepare(`SELECT password FROM "djproject_user${suffix}" WHERE id = ?`).get(Number(userId)) as { password: string } | undefined;
        return row?.password ?? null;
      } finally {
        db.close();
      }
    },
    async tamperRow(table: string, sessionKey: string): Promise<void> {
      const db = open();
      try {
        // A payload swapped for another one under the same signature: what an attacker with
        // write access to the table (but not SECRET_KEY) could do.
        const { session_data } = db.prepare(`SELECT session_data FROM "${table}" WHERE session_key = ?`).get(sessionKey) as { session_data: string };
        const forged = forge(session_data);
        db.prepare(`UPDATE "${table}" SET session_data = ? WHERE session_key = ?`).run(forged, sessionKey);
      } finally {
        db.close();
      }
    },
  };
}

