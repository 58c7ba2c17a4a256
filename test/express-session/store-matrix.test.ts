/**
 * The store matrix: the third-party stores written for express-session, each at its current
 * npm version (connect-session-sequelize at 7.x: 8.x needs Node 22), each against a real
 * backend on this machine, each through the same scenario under the drop-in: login, read,
 * write, parallel writes, regenerate, destroy, touch/rolling, expiry, and a restart of the app
 * (a new store object on the same backend). Each store gets its own table, prefix, folder or
 * server process. Without a backend: a loud skip, or a failure with CI=true.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import express, { type Request } from 'express';
import { createClient } from 'redis';
import { RedisStore as ConnectRedisStore } from 'connect-redis';
import pg from 'pg';
import Database from 'better-sqlite3';
import session from '../../src/express-session/index.ts';
import { IN_CI, SERVICES, canConnect, closedPort, serviceOrSkip, uniqueSuffix } from '../helpers/services.ts';
import { Client, listen, SECRET, type Running } from './helpers.ts';

const require = createRequire(import.meta.url);
type AnyStore = object & Record<string, unknown>;
type Ctor = new (options?: Record<string, unknown>) => AnyStore;

/** One backend for one store: `open()` makes a store object on it (called again for the restart). */
interface Backend {
  open(): Promise<AnyStore>;
  /** Closes one store object's connections (not the backend). */
  close(store: AnyStore): Promise<void>;
  /** Removes the backend's test data (tables, keys, folders, processes). */
  teardown(): Promise<void>;
}

interface MatrixStore {
  name: string;
  skip(): Promise<false | string>;
  backend(): Promise<Backend>;
}

/** memcached on a free port, our own process: no shared state with anything else. */
async function startMemcached(): Promise<{ port: number; proc: ChildProcess }> {
  const port = await closedPort();
  // memcached refuses to run as root unless told which user to be (CI runs as root).
  const asRoot = process.getuid?.() === 0 ? ['-u', 'root'] : [];
  const proc = spawn('memcached', [...asRoot, '-l', '127.0.0.1', '-p', String(port), '-U', '0', '-m', '16'], { stdio: ['ignore', 'ignore', 'inherit'] });
  let exited = false;
  proc.once('exit', () => (exited = true));
  // A hang guard, generous for a loaded machine: the loop ends as soon as memcached accepts.
  for (let i = 0; i < 600 && !exited; i++) {
    if (await canConnect('127.0.0.1', port, 1000)) return { port, proc };
    await sleep(100);
  }
  proc.kill();
  throw new Error(`memcached did not start on 127.0.0.1:${port}`);
}

async function memcachedOrSkip(): Promise<false | string> {
  const found = await new Promise<boolean>((resolve) => {
    const probe = spawn('memcached', ['-h'], { stdio: 'ignore' });
    probe.on('error', () => resolve(false));
    probe.on('exit', () => resolve(true));
  });
  if (found) return false;
  const message = 'memcached is not installed (Debian package memcached)';
  if (IN_CI) throw new Error(`${message}; CI=true requires it (.ci/run installs it).`);
  process.stderr.write(`\n!!! SKIPPING connect-memcached tests: ${message}.\n\n`);
  return `SKIPPED: ${message}`;
}

const matrix: MatrixStore[] = [
  {
    name: 'connect-redis (node-redis client)',
    skip: () => serviceOrSkip('redis'),
    async backend() {
      const prefix = `cr-matrix:${uniqueSuffix()}:`;
      const clients = new Map<AnyStore, { quit(): Promise<unknown> }>();
      return {
        async open() {
          const client = createClient({ url: SERVICES.redis.url });
          await client.connect();
          const store = new ConnectRedisStore({ client: client as never, prefix }) as unknown as AnyStore;
          clients.set(store, client);
          return store;
        },
        async close(store) {
          await clients.get(store)!.quit();
        },
        async teardown() {
          const admin = createClient({ url: SERVICES.redis.url });
          await admin.connect();
          for await (const keys of admin.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) if (keys.length) await admin.del(keys);
          await admin.quit();
        },
      };
    },
  },
  {
    name: 'connect-pg-simple',
    skip: () => serviceOrSkip('postgres'),
    async backend() {
      const tableName = `cr_matrix_pg_${uniqueSuffix()}`;
      const PgStore = require('connect-pg-simple')(session) as Ctor;
      const pools = new Map<AnyStore, pg.Pool>();
      return {
        async open() {
          const pool = new pg.Pool({ connectionString: SERVICES.postgres.url, max: 4 });
          const store = new PgStore({ pool, tableName, createTableIfMissing: true, pruneSessionInterval: false });
          pools.set(store, pool);
          return store;
        },
        async close(store) {
          await (store.close as () => Promise<void>)();
          await pools.get(store)!.end();
        },
        async teardown() {
          const pool = new pg.Pool({ connectionString: SERVICES.postgres.url, max: 1 });
          await pool.query(`DROP TABLE IF EXISTS "${tableName}"`);
          await pool.end();
        },
      };
    },
  },
  {
    name: 'express-mysql-session (MariaDB)',
    skip: () => serviceOrSkip('mysql'),
    async backend() {
      const tableName = `cr_matrix_my_${uniqueSuffix()}`;
      const MySQLStore = require('express-mysql-session')(session) as new (o: Record<string, unknown>) => AnyStore;
      const options = { host: SERVICES.mysql.host, port: SERVICES.mysql.port, user: 'root', database: 'test', clearExpired: false, schema: { tableName } };
      return {
        async open() {
          const store = new MySQLStore(options);
          await (store.onReady as () => Promise<void>)();
          return store;
        },
        async close(store) {
          await (store.close as () => Promise<void>)();
        },
        async teardown() {
          const store = new MySQLStore(options);
          await (store.onReady as () => Promise<void>)();
          await (store.query as (sql: string) => Promise<unknown>)(`DROP TABLE IF EXISTS \`${tableName}\``);
          await (store.close as () => Promise<void>)();
        },
      };
    },
  },
  {
    name: 'session-file-store',
    skip: async () => false,
    async backend() {
      const FileStore = require('session-file-store')(session) as Ctor;
      const path = mkdtempSync(join(tmpdir(), 'cr-matrix-files-'));
      return {
        async open() {
          return new FileStore({ path, reapInterval: -1, retries: 0, logFn: () => {} });
        },
        async close() {},
        async teardown() {
          rmSync(path, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'memorystore (in the process: a restart keeps the store object, as a process restart would not)',
    skip: async () => false,
    async backend() {
      const MemoryStore = require('memorystore')(session) as Ctor;
      const store = new MemoryStore({ checkPeriod: 0 });
      return {
        async open() {
          return store;
        },
        async close() {},
        async teardown() {
          (store.stopInterval as () => void)();
        },
      };
    },
  },
  {
    name: 'better-sqlite3-session-store (better-sqlite3 12)',
    skip: async () => false,
    async backend() {
      const SqliteStore = require('better-sqlite3-session-store')(session) as Ctor;
      // Its sweep timer is neither configurable off nor unref'd: a test process would never exit.
      class QuietSqliteStore extends SqliteStore {
        startInterval() {}
      }
      const dir = mkdtempSync(join(tmpdir(), 'cr-matrix-sqlite-'));
      const dbs = new Map<AnyStore, Database.Database>();
      return {
        async open() {
          const db = new Database(join(dir, 'sessions.db'));
          const store = new QuietSqliteStore({ client: db });
          dbs.set(store, db);
          return store;
        },
        async close(store) {
          dbs.get(store)!.close();
        },
        async teardown() {
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'connect-session-sequelize (Sequelize on SQLite)',
    skip: async () => false,
    async backend() {
      const { Sequelize } = require('sequelize') as { Sequelize: new (o: Record<string, unknown>) => { close(): Promise<void> } };
      const SequelizeStore = require('connect-session-sequelize')(session.Store) as Ctor;
      const dir = mkdtempSync(join(tmpdir(), 'cr-matrix-sequelize-'));
      const dbs = new Map<AnyStore, { close(): Promise<void> }>();
      return {
        async open() {
          const db = new Sequelize({ dialect: 'sqlite', storage: join(dir, 'sessions.sqlite'), logging: false });
          const store = new SequelizeStore({ db, checkExpirationInterval: 24 * 3600 * 1000 });
          await (store.sync as () => Promise<void>)();
          dbs.set(store, db);
          return store;
        },
        async close(store) {
          (store.stopExpiringSessions as () => void)();
          await dbs.get(store)!.close();
        },
        async teardown() {
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'connect-memcached (a memcached process of its own)',
    skip: memcachedOrSkip,
    async backend() {
      const MemcachedStore = require('connect-memcached')(session) as Ctor;
      const { port, proc } = await startMemcached();
      const prefix = `cr-matrix-${uniqueSuffix()}-`;
      return {
        async open() {
          return new MemcachedStore({ hosts: [`127.0.0.1:${port}`], prefix, retries: 0 });
        },
        async close(store) {
          ((store as { client: { end(): void } }).client).end();
        },
        async teardown() {
          proc.kill();
        },
      };
    },
  },
];

const running: Running[] = [];
after(async () => {
  await Promise.all(running.map((r) => r.close()));
});

type Sess = Record<string, unknown> & { regenerate(cb: (e?: unknown) => void): void; destroy(cb: (e?: unknown) => void): void };
const s = (req: Request) => (req as unknown as { session: Sess }).session;

/** The app under test: the same routes on every store. */
async function appOn(store: AnyStore, options: Record<string, unknown> = {}): Promise<Running> {
  const app = express();
  app.set('env', 'test');
  app.use(session({ secret: SECRET, resave: false, saveUninitialized: false, store, storeTimeout: 10_000, cookie: { maxAge: 3_600_000 }, ...options }));
  app.get('/login', (req, res, next) => {
    s(req).regenerate((err) => {
      if (err) return next(err);
      s(req).username = String(req.query.name);
      res.send('logged in');
    });
  });
  app.get('/home', (req, res) => void res.send(`Welcome, ${(s(req).username as string | undefined) ?? 'Guest'}!`));
  app.get('/set', (req, res) => {
    s(req)[String(req.query.k)] = String(req.query.v);
    res.send('set');
  });
  app.get('/dump', (req, res) => {
    const { cookie: _cookie, ...data } = s(req);
    res.json(data);
  });
  app.get('/logout', (req, res, next) => s(req).destroy((err) => (err ? next(err) : res.send('bye'))));
  const server = await listen(app);
  running.push(server);
  return server;
}

const PARALLEL = 5;

/** The session's data, without what a store adds for itself (session-file-store's `__lastAccess`). */
function dataOf(body: string): Record<string, string> {
  return Object.fromEntries(Object.entries(JSON.parse(body) as Record<string, string>).filter(([k]) => !k.startsWith('__')));
}

for (const entry of matrix) {
  describe(`store matrix: ${entry.name}`, { skip: await entry.skip() }, () => {
    it('login, read, write, parallel writes, regenerate, destroy, rolling, expiry, restart', { timeout: 240_000 }, async (t) => {
      const backend = await entry.backend();
      const opened: AnyStore[] = [];
      const open = async () => {
        const store = await backend.open();
        opened.push(store);
        return store;
      };
      try {
        const store = await open();
        const server = await appOn(store);
        const client = new Client(server.url);

        // Login (regenerate inside), then read.
        assert.equal((await client.get('/home')).body, 'Welcome, Guest!');
        const login = await client.get('/login?name=ada');
        assert.equal(login.status, 200);
        assert.equal(login.setCookies.length, 1);
        const firstCookie = client.jar.get('connect.sid');
        assert.equal((await client.get('/home')).body, 'Welcome, ada!');

        // Write, then read it back.
        assert.equal((await client.get('/set?k=theme&v=dark')).status, 200);
        assert.deepEqual(dataOf((await client.get('/dump')).body), { username: 'ada', theme: 'dark' });

        // Parallel writes of different keys: all answered, the session intact. (Whole-object
        // writes: the last writer wins, so some keys may be lost, as under express-session.)
        const replies = await Promise.all(Array.from({ length: PARALLEL }, (_, i) => client.get(`/set?k=p${i}&v=${i}`)));
        assert.ok(replies.every((r) => r.status === 200));
        const afterParallel = dataOf((await client.get('/dump')).body);
        assert.equal(afterParallel.username, 'ada');
        const kept = Object.keys(afterParallel).filter((k) => k.startsWith('p')).length;
        assert.ok(kept >= 1, 'at least the last writer is kept');
        t.diagnostic(`${entry.name}: ${kept} of ${PARALLEL} parallel writes kept`);

        // Regenerate (login again): a new ID, the old one no longer works.
        await client.get('/login?name=grace');
        assert.notEqual(client.jar.get('connect.sid'), firstCookie);
        assert.equal((await client.get('/home')).body, 'Welcome, grace!');
        const stale = new Client(server.url);
        stale.jar.set('connect.sid', firstCookie!);
        assert.equal((await stale.get('/home')).body, 'Welcome, Guest!');

        // Restart: a new app and a new store object on the same backend keep the session.
        const restarted = await appOn(await open());
        const again = new Client(restarted.url);
        again.jar.set('connect.sid', client.jar.get('connect.sid')!);
        assert.equal((await again.get('/home')).body, 'Welcome, grace!');

        // Destroy (logout): gone, also for the restarted app.
        assert.equal((await client.get('/logout')).body, 'bye');
        assert.equal((await client.get('/home')).body, 'Welcome, Guest!');
        assert.equal((await again.get('/home')).body, 'Welcome, Guest!');

        // Rolling: every response re-sends the cookie and the store keeps the session alive.
        const rolling = await appOn(store, { rolling: true });
        const roller = new Client(rolling.url);
        await roller.get('/login?name=linus');
        for (let i = 0; i < 2; i++) {
          const read = await roller.get('/home');
          assert.equal(read.body, 'Welcome, linus!');
          assert.equal(read.setCookies.length, 1, 'rolling sends the cookie on a read');
        }

        // Expiry: a session whose maxAge ran out is gone, even if the client still sends the cookie.
        const short = await appOn(store, { cookie: { maxAge: 2000 } });
        const brief = new Client(short.url);
        await brief.get('/login?name=brief');
        assert.equal((await brief.get('/home')).body, 'Welcome, brief!');
        await sleep(3500);
        assert.equal((await brief.get('/home')).body, 'Welcome, Guest!');
      } finally {
        for (const store of opened) await backend.close(store).catch(() => {});
        await backend.teardown();
      }
    });
  });
}
