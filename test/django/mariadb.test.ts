/** Django's `db` session backend on MariaDB, shared with the seed demo: the interop scenarios. */
import { dbServerSuite } from './db-server.ts';
import { djangoOrSkip } from './python.ts';
import { serviceOrSkip, SERVICES } from '../helpers/services.ts';
import { mysqlAccess } from './sql-access.ts';

dbServerSuite('db backend on MariaDB', SERVICES.mysql.url, mysqlAccess, (await serviceOrSkip('mysql')) || djangoOrSkip());
