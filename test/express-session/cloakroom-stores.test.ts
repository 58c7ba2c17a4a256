/**
 * What the drop-in gives on cloakroom's own stores and express-session cannot: only changed
 * keys are written (parallel requests that set different keys all keep them), IDs are hashed
 * at rest, a request racing a logout cannot bring the session back, and a redirect's target
 * always sees the save (#360).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import express, { type Request } from 'express';
import { Redis } from 'ioredis';
import realSession from 'express-session';
import session from '../../src/express-session/index.ts';
import type { Session, SessionRequest } from '../../src/express-session/session.ts';
import { MemoryStore as CoreMemoryStore } from '../../src/stores/memory.ts';
import { RedisStore } from '../../src/stores/redis.ts';
import { storeKeyFor } from '../../src/core/session-id.ts';
import type { SessionStore } from '../../src/core/store.ts';
import { serviceOrSkip, SERVICES, uniqueSuffix } from '../helpers/services.ts';
import { Client, listen, SECRET } from './helpers.ts';

const PARALLEL = 20;

function sess(req: Request): Session {
  return (req as unknown as SessionRequest).session!;
}

/** Holds requests at a gate until the test opens it, so a race can be staged exactly. */
class Gate {
  #open!: () => void;
  readonly opened = new Promise<void>((resolve) => (this.#open = resolve));
  open(): void {
    this.#open();
  }
}

async function start(store: object) {
  const app = express();
  let gate = new Gate();
  let arrived = new Gate();
  app.use(session({ secret: SECRET, resave: false, saveUninitialized: false, store, storeTimeout: 5000 }));
  app.get('/login', (req, res) => {
    sess(req).user = 'ada';
    res.send('ok');
  });
  app.get('/set/:key', async (req, res) => {
    sess(req)[req.params.key!] = req.params.key;
    // Let every parallel request load before any of them saves: the worst case for lost updates.
    await new Promise((r) => setTimeout(r, 30));
    res.send('ok');
  });
  app.get('/keys', (req, res) => {
    res.json(Object.keys(sess(req)).filter((k) => k !== 'cookie').sort());
  });
  app.get('/slow-set', async (req, res) => {
    sess(req).late = 'write';
    arrived.open();
    await gate.opened;
    res.send('late');
  });
  app.get('/logout', (req, res, next) => {
    sess(req).destroy((err) => (err ? next(err) : res.send('bye')));
  });
  app.get('/set-redirect', (req, res) => {
    sess(req).step = String(req.query.step);
    res.redirect('/step');
  });
  app.get('/step', (req, res) => {
    res.send(String(sess(req).step ?? 'none'));
  });
  app.get('/id', (req, res) => {
    res.send((req as unknown as SessionRequest).sessionID);
  });
  const server = await listen(app);
  return {
    server,
    client: new Client(server.url),
    stage() {
      gate = new Gate();
      arrived = new Gate();
      return { gate, arrived };
    },
  };
}

interface Case {
  name: string;
  skip?: () => Promise<false | string>;
  setup(): Promise<{ store: object; core: () => SessionStore; rawKeys?: () => Promise<string[]>; teardown(): Promise<void> }>;
}

const cases: Case[] = [
  {
    name: "cloakroom's MemoryStore passed directly",
    async setup() {
      const store = new CoreMemoryStore({ sweepInterval: 0 });
      return { store, core: () => store, teardown: () => store.close() };
    },
  },
  {
    name: "cloakroom's RedisStore",
    skip: () => serviceOrSkip('redis'),
    async setup() {
      const prefix = `cr-es-test:${uniqueSuffix()}:`;
      const store = new RedisStore({ client: SERVICES.redis.url, prefix });
      await store.ready();
      const admin = new Redis(SERVICES.redis.url);
      const rawKeys = async () => {
        const keys: string[] = [];
        for await (const batch of admin.scanStream({ match: `${prefix}*`, count: 500 })) keys.push(...(batch as string[]));
        return keys;
      };
      return {
        store,
        core: () => store,
        rawKeys,
        async teardown() {
          const keys = await rawKeys();
          if (keys.length) await admin.del(...keys);
          admin.disconnect();
          await store.close();
        },
      };
    },
  },
];

for (const c of cases) {
  describe(`drop-in on ${c.name}`, { skip: c.skip ? await c.skip() : false }, () => {
    let env: Awaited<ReturnType<Case['setup']>>;
    let app: Awaited<ReturnType<typeof start>>;
    before(async () => {
      env = await c.setup();
      app = await start(env.store);
    });
    after(async () => {
      await app.server.close();
      await env.teardown();
    });

    it(`${PARALLEL} parallel requests setting different keys on one session keep all ${PARALLEL}`, async () => {
      const client = new Client(app.client.base);
      await client.get('/login');
      const replies = await Promise.all(Array.from({ length: PARALLEL }, (_, i) => client.get(`/set/k${i}`)));
      assert.ok(replies.every((r) => r.status === 200));
      const keys = JSON.parse((await client.get('/keys')).body) as string[];
      const expected = ['user', ...Array.from({ length: PARALLEL }, (_, i) => `k${i}`)].sort();
      assert.deepEqual(keys, expected);
    });

    it('the store holds the SHA-256 of the ID, never the ID itself', async () => {
      const client = new Client(app.client.base);
      await client.get('/login');
      const id = (await client.get('/id')).body;
      assert.ok(await env.core().get(storeKeyFor(id), Date.now()), 'record under the hash');
      assert.equal(await env.core().get(id, Date.now()), null, 'nothing under the raw ID');
      if (env.rawKeys) {
        const keys = await env.rawKeys();
        assert.ok(keys.length > 0);
        assert.ok(keys.every((k) => !k.includes(id)), 'no Redis key contains a cookie ID');
      }
    });

    it('a request still running when the session is destroyed cannot bring it back (400, nothing saved)', async () => {
      const client = new Client(app.client.base);
      await client.get('/login');
      const id = (await client.get('/id')).body;
      const { gate, arrived } = app.stage();
      const late = client.get('/slow-set');
      await arrived.opened;
      assert.equal((await client.get('/logout')).status, 200);
      gate.open();
      const reply = await late;
      assert.equal(reply.status, 400);
      assert.deepEqual(reply.setCookies, []);
      assert.equal(await env.core().get(storeKeyFor(id), Date.now()), null, 'the logout stands');
    });

    it('set, redirect, and read at once: the target sees the value every time (express-session #360)', async () => {
      const client = new Client(app.client.base);
      for (let i = 0; i < 20; i++) {
        const redirect = await client.get(`/set-redirect?step=${i}`);
        assert.equal(redirect.status, 302);
        assert.equal((await client.get(redirect.headers.get('location')!)).body, String(i));
      }
    });
  });
}

describe("the contrast: express-session's own MemoryStore through the drop-in", () => {
  it('keeps express-session semantics (whole-object writes): parallel writes may be lost', async (t) => {
    const app = await start(new realSession.MemoryStore());
    try {
      const client = new Client(app.client.base);
      await client.get('/login');
      await Promise.all(Array.from({ length: PARALLEL }, (_, i) => client.get(`/set/k${i}`)));
      const keys = JSON.parse((await client.get('/keys')).body) as string[];
      t.diagnostic(`express-session MemoryStore kept ${keys.length - 1} of ${PARALLEL} parallel keys`);
      assert.ok(keys.includes('user'));
    } finally {
      await app.server.close();
    }
  });
});
