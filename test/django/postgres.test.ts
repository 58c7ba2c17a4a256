/** Django's `db` session backend on PostgreSQL, shared with the seed demo: the interop scenarios. */
import { dbServerSuite } from './db-server.ts';
import { djangoOrSkip } from './python.ts';
import { serviceOrSkip, SERVICES } from '../helpers/services.ts';
import { postgresAccess } from './sql-access.ts';

dbServerSuite('db backend on PostgreSQL', SERVICES.postgres.url, postgresAccess, (await serviceOrSkip('postgres')) || djangoOrSkip());
