/** Django's `db` session backend on SQLite, shared with the seed demo: the interop scenarios. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { interopSuite } from './interop.ts';
import { djangoOrSkip } from './python.ts';

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
        const [, ts, sig] = session_data.split(':');
        const forged = `${Buffer.from('{"username":"admin"}').toString('base64url')}:${ts}:${sig}`;
        db.prepare(`UPDATE "${table}" SET session_data = ? WHERE session_key = ?`).run(forged, sessionKey);
      } finally {
        db.close();
      }
    },
  };
}

interopSuite({
  name: 'db backend on SQLite',
  engine: 'db',
  skip: djangoOrSkip(),
  async setup(suffix) {
    const dir = mkdtempSync(join(tmpdir(), 'cloakroom-django-'));
    const path = join(dir, 'db.sqlite3');
    const table = `django_session${suffix}`;
    const access = sqliteAccess(path, suffix);
    return {
      djangoEnv: { DJ_SESSION_ENGINE: 'db', DJ_DATABASE: `sqlite:${path}`, DJ_TABLE_SUFFIX: suffix },
      storeUrl: `django+sqlite:${path}`,
      storeOptions: { table },
      passwordHash: access.passwordHash,
      tamper: (key) => access.tamperRow(table, key),
      cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    };
  },
});
