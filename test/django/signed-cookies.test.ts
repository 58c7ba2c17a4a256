/** Django's `signed_cookies` session backend, shared with the seed demo: the interop scenarios. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { interopSuite } from './interop.ts';
import { djangoOrSkip } from './python.ts';
import { sqliteAccess } from './sql-access.ts';

interopSuite({
  name: 'signed_cookies backend',
  engine: 'signed_cookies',
  skip: djangoOrSkip(),
  async setup(suffix) {
    // The users live in a database as usual; the sessions only in the cookie.
    const dir = mkdtempSync(join(tmpdir(), 'cloakroom-django-'));
    const path = join(dir, 'db.sqlite3');
    const access = sqliteAccess(path, suffix);
    return {
      djangoEnv: { DJ_SESSION_ENGINE: 'signed_cookies', DJ_DATABASE: `sqlite:${path}`, DJ_TABLE_SUFFIX: suffix },
      storeUrl: 'django-signed-cookies:',
      storeOptions: {},
      passwordHash: access.passwordHash,
      tamper: async () => {},
      cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    };
  },
});
