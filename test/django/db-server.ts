/**
 * Django's `db` session backend on a database server (PostgreSQL, MariaDB), shared with the seed
 * demo: the interop scenarios (./interop.ts) on the server `url` names, through `access`.
 */
import { interopSuite } from './interop.ts';
import { manage } from './python.ts';
import type { mysqlAccess, postgresAccess } from './sql-access.ts';

type Access = ReturnType<typeof postgresAccess> | ReturnType<typeof mysqlAccess>;

export function dbServerSuite(name: string, url: string, access: (url: string, suffix: string) => Access, skip: false | string): void {
  interopSuite({
    name,
    engine: 'db',
    skip,
    async setup(suffix) {
      const sql = access(url, suffix);
      const djangoEnv = { DJ_SESSION_ENGINE: 'db', DJ_DATABASE: url, DJ_TABLE_SUFFIX: suffix } as const;
      return {
        djangoEnv,
        storeUrl: `django+${url}`,
        storeOptions: { table: `django_session${suffix}` },
        passwordHash: sql.passwordHash,
        tamper: sql.tamper,
        async cleanup() {
          manage({ ...djangoEnv, DJANGO_SECRET_KEY: 'cleanup-only' }, 'create_tables', '--drop');
          await sql.close();
        },
      };
    },
  });
}
