/**
 * Stores written for express-session work unchanged, and cookies minted by the real
 * express-session stay valid after the switch: real connect-redis@9 (node-redis client: its
 * calls use node-redis v5+ signatures, which ioredis does not accept) against Redis, and real
 * connect-pg-simple@10 against PostgreSQL.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import express, { type Request } from 'express';
import realSession from 'express-session';
import { RedisStore as ConnectRedisStore } from 'connect-redis';
import { createClient } from 'redis';
import pg from 'pg';
import session from '../../src/express-session/index.ts';
import type { Session, SessionRequest } from '../../src/express-session/session.ts';
import { serviceOrSkip, SERVICES, uniqueSuffix } from '../helpers/services.ts';
import { Client, listen, SECRET, type Running } from './helpers.ts';

const require = createRequire(import.meta.url);
type PgStoreClass = new (options: Record<string, unknown>) => object & { close(): Promise<void> };
const connectPgSimple = require('connect-pg-simple') as (s: unknown) => PgStoreClass;

function sess(req: Request): Record<string, unknown> {
  return (req as unknown as SessionRequest).session as unknown as Record<string, unknown>;
}

/** One app; `impl` is the real express-session or the drop-in, over the same store. */
async function app(impl: 'real' | 'drop-in', store: object, options: Record<string, unknown> = {}): Promise<Running> {
  const a = express();
  // A generous storeTimeout: the machine is shared with other test runs; the 503 test sets its own.
  const base = { secret: SECRET, resave: false, saveUninitialized: false, store, storeTimeout: 5000, ...options };
  a.use(impl === 'real' ? realSession(base as unknown as realSession.SessionOptions) : session(base as never));
  a.get('/set', (req, res) => {
    sess(req)[String(req.query.key)] = String(req.query.value);
    res.send('ok');
  });
  a.get('/get', (req, res) => {
    res.json(sess(req)[String(req.query.key)] ?? null);
  });
  a.get('/set-redirect', (req, res) => {
    sess(req).step = String(req.query.step);
    res.redirect('/get?key=step');
  });
  a.get('/regenerate', (req, res, next) => {
    (sess(req) as unknown as Session).regenerate((err) => {
      if (err) return next(err);
      sess(req).fresh = 'yes';
      res.send((req as unknown as SessionRequest).sessionID);
    });
  });
  a.get('/destroy', (req, res, next) => {
    (sess(req) as unknown as Session).destroy((err) => (err ? next(err) : res.send('gone')));
  });
  a.get('/id', (req, res) => {
    res.send((req as unknown as SessionRequest).sessionID);
  });
  return listen(a);
}

interface ThirdParty {
  name: string;
  service: 'redis' | 'postgres';
  setup(): Promise<{ store: object; has(sid: string): Promise<boolean>; teardown(): Promise<void> }>;
}

const stores: ThirdParty[] = [
  {
    name: 'connect-redis@9 (node-redis client)',
    service: 'redis',
    async setup() {
      const client = createClient({ url: SERVICES.redis.url });
      await client.connect();
      const prefix = `cr-es-connect-redis:${uniqueSuffix()}:`;
      const store = new ConnectRedisStore({ client, prefix });
      return {
        store,
        has: async (sid) => (await client.exists(prefix + sid)) === 1,
        async teardown() {
          await store.clear();
          client.destroy();
        },
      };
    },
  },
  {
    name: 'connect-pg-simple@10',
    service: 'postgres',
    async setup() {
      const pool = new pg.Pool({ connectionString: SERVICES.postgres.url, max: 4 });
      const table = `cr_es_session_${uniqueSuffix()}`;
      await pool.query(
        `CREATE TABLE "${table}" (sid varchar NOT NULL COLLATE "default" PRIMARY KEY, sess json NOT NULL, expire timestamp(6) NOT NULL)`,
      );
      // The drop-in hands connect-pg-simple its own Store class, exactly as express-session did.
      const PgStore = connectPgSimple(session);
      const store = new PgStore({ pool, tableName: table, pruneSessionInterval: false });
      return {
        store,
        has: async (sid) => (await pool.query(`SELECT 1 FROM "${table}" WHERE sid = $1`, [sid])).rowCount === 1,
        async teardown() {
          await store.close();
          await pool.query(`DROP TABLE IF EXISTS "${table}"`);
          await pool.end();
        },
      };
    },
  },
];

for (const t of stores) {
  describe(`third-party store ${t.name}`, { skip: await serviceOrSkip(t.service) }, () => {
    let env: Awaited<ReturnType<ThirdParty['setup']>>;
    const servers: Running[] = [];
    before(async () => {
      env = await t.setup();
    });
    after(async () => {
      await Promise.all(servers.map((s) => s.close()));
      await env.teardown();
    });
    const serve = async (impl: 'real' | 'drop-in', options?: Record<string, unknown>) => {
      const s = await app(impl, env.store, options);
      servers.push(s);
      return s;
    };

    it('works unchanged under the drop-in: set, get, regenerate, destroy', async () => {
      const client = new Client((await serve('drop-in')).url);
      await client.get('/set?key=user&value=ada');
      assert.equal((await client.get('/get?key=user')).body, '"ada"');
      const oldId = (await client.get('/id')).body;
      assert.ok(await env.has(oldId), 'the store holds the session under its ID, as with express-session');
      const newId = (await client.get('/regenerate')).body;
      assert.notEqual(newId, oldId);
      assert.equal(await env.has(oldId), false, 'regenerate deleted the old record');
      assert.equal((await client.get('/get?key=fresh')).body, '"yes"');
      await client.get('/destroy');
      assert.equal(await env.has(newId), false);
      assert.equal((await client.get('/get?key=fresh')).body, 'null');
    });

    it('a cookie minted by the real express-session stays valid after the switch, and back', async () => {
      const client = new Client((await serve('real')).url);
      await client.get('/set?key=user&value=grace');
      const minted = client.jar.get('connect.sid')!;
      assert.match(minted, /^s%3A/);

      const switched = new Client((await serve('drop-in')).url);
      switched.jar.set('connect.sid', minted);
      assert.equal((await switched.get('/get?key=user')).body, '"grace"', 'the drop-in reads the session express-session wrote');
      await switched.get('/set?key=cart&value=3');

      const rolledBack = new Client((await serve('real')).url);
      rolledBack.jar.set('connect.sid', minted);
      assert.equal((await rolledBack.get('/get?key=cart')).body, '"3"', 'express-session reads what the drop-in wrote');
      assert.equal((await rolledBack.get('/get?key=user')).body, '"grace"');
    });

    it('set, redirect, and read at once: the target sees the value every time (express-session #360)', async () => {
      const client = new Client((await serve('drop-in')).url);
      for (let i = 0; i < 15; i++) {
        const redirect = await client.get(`/set-redirect?step=${i}`);
        assert.equal(redirect.status, 302);
        assert.equal((await client.get(redirect.headers.get('location')!)).body, `"${i}"`);
      }
    });
  });
}

describe('a store that fails or hangs gives a bounded 503, never a hang or a crash', { skip: await serviceOrSkip('redis') }, () => {
  let silent: Server;
  const sockets = new Set<import('node:net').Socket>();
  before(async () => {
    // Accepts connections and never answers: a database that hung.
    silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  });
  after(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  it('connect-redis with a closed client: 503 with Retry-After', async () => {
    const client = createClient({ url: SERVICES.redis.url });
    await client.connect();
    const store = new ConnectRedisStore({ client, prefix: `cr-es-closed:${uniqueSuffix()}:` });
    const server = await app('drop-in', store);
    try {
      const browser = new Client(server.url);
      await browser.get('/set?key=a&value=1');
      client.destroy();
      const reply = await browser.get('/get?key=a');
      assert.equal(reply.status, 503);
      assert.equal(reply.headers.get('retry-after'), '1');
    } finally {
      await server.close();
    }
  });

  it('connect-pg-simple on a database that never answers: 503 within storeTimeout', async () => {
    const { port } = silent.address() as AddressInfo;
    // The pool's own connect timeout is the next thing that could end the request: a 503 before
    // it came from storeTimeout. Far above 300 ms, so that a busy machine's latency fits between.
    const POOL_CONNECT_TIMEOUT = 10_000;
    const pool = new pg.Pool({ host: '127.0.0.1', port, user: 'postgres', database: 'test', connectionTimeoutMillis: POOL_CONNECT_TIMEOUT });
    pool.on('error', () => {});
    const PgStore = connectPgSimple(session);
    const store = new PgStore({ pool, tableName: 'never_reached', pruneSessionInterval: false });
    const server = await app('drop-in', store, { storeTimeout: 300 });
    try {
      const browser = new Client(server.url);
      const started = Date.now();
      const reply = await browser.get('/set?key=a&value=1');
      // A new visitor costs no store read; the save at commit is what hangs.
      assert.equal(reply.status, 503);
      assert.ok(Date.now() - started < POOL_CONNECT_TIMEOUT, `answered in ${Date.now() - started} ms`);
    } finally {
      await server.close();
      void pool.end().catch(() => {});
    }
  });
});
