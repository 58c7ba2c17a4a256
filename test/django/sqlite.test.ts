/** Django's `db` session backend on SQLite, shared with the seed demo: the interop scenarios. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { interopSuite } from './interop.ts';
import { djangoOrSkip } from './python.ts';
import { sqliteAccess } from './sql-access.ts';

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
