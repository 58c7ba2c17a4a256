/** Django's `db` session backend on PostgreSQL, shared with the seed demo: the interop scenarios. */
import { interopSuite } from './interop.ts';
import { djangoOrSkip, manage } from './python.ts';
import { serviceOrSkip, SERVICES } from '../helpers/services.ts';
import { postgresAccess } from './sql-access.ts';

const skip = (await serviceOrSkip('postgres')) || djangoOrSkip();

interopSuite({
  name: 'db backend on PostgreSQL',
  engine: 'db',
  skip,
  async setup(suffix) {
    const url = SERVICES.postgres.url;
    const access = postgresAccess(url, suffix);
    const djangoEnv = { DJ_SESSION_ENGINE: 'db', DJ_DATABASE: url, DJ_TABLE_SUFFIX: suffix } as const;
    return {
      djangoEnv,
      storeUrl: `django+${url}`,
      storeOptions: { table: `django_session${suffix}` },
      passwordHash: access.passwordHash,
      tamper: access.tamper,
      async cleanup() {
        manage({ ...djangoEnv, DJANGO_SECRET_KEY: 'cleanup-only' }, 'create_tables', '--drop');
        await access.close();
      },
    };
  },
});
