/**
 * The store side of the drop-in: `Store` extended the ES5 way and the class way, the
 * MemoryStore's whole API side by side with express-session's, wrapping a store instance,
 * store errors (next(err) with status 503, and the timeout express-session lacks), and
 * `res.end()` called twice.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { inherits } from 'node:util';
import { EventEmitter } from 'node:events';
import express, { type Request, type Response, type NextFunction } from 'express';
import realSession from 'express-session';
import session from '../../src/express-session/index.ts';
import { Client, listen, SECRET, type Running } from './helpers.ts';
import { moduleOf, normalizeSession, IMPLS, type Impl } from './differential.ts';

type Cb = (err?: unknown, value?: unknown) => void;
const running: Running[] = [];
after(async () => {
  await Promise.all(running.map((r) => r.close()));
});

function call<T = unknown>(fn: (cb: Cb) => void): Promise<{ err: unknown; value: T }> {
  return new Promise((resolve) => fn((err, value) => resolve({ err: err ?? null, value: value as T })));
}

describe('Store', () => {
  it('is extended the ES5 way: function S(o) { Store.call(this, o) } + util.inherits (session-file-store, connect-memcached…)', () => {
    for (const impl of IMPLS) {
      const { Store } = moduleOf(impl);
      function FileLike(this: { options: unknown }, options: unknown) {
        (Store as unknown as (this: unknown, o: unknown) => void).call(this, options);
        this.options = options;
      }
      inherits(FileLike, Store as never);
      const store = new (FileLike as unknown as new (o: unknown) => EventEmitter & { options: unknown })({ path: '/x' });
      assert.ok(store instanceof Store, impl);
      assert.ok(store instanceof EventEmitter, impl);
      assert.deepEqual(store.options, { path: '/x' });
      let heard = false;
      store.on('connect', () => (heard = true));
      store.emit('connect');
      assert.ok(heard, `${impl}: EventEmitter state initialised by Store.call`);
      for (const m of ['regenerate', 'load', 'createSession']) assert.equal(typeof (store as unknown as Record<string, unknown>)[m], 'function');
    }
  });

  it('is extended as a class, and load()/createSession() inflate stored data', async () => {
    for (const impl of IMPLS) {
      const { Store } = moduleOf(impl);
      const data = new Map<string, unknown>([['abc', { cookie: { originalMaxAge: 60_000, expires: new Date(Date.now() + 60_000).toISOString(), httpOnly: true, path: '/' }, n: 1 }]]);
      class MapStore extends (Store as unknown as new () => object) {
        get(sid: string, cb: Cb) {
          cb(null, data.get(sid));
        }
        set(sid: string, sess: object, cb: Cb) {
          data.set(sid, JSON.parse(JSON.stringify(sess)));
          cb();
        }
        destroy(sid: string, cb: Cb) {
          data.delete(sid);
          cb();
        }
      }
      const store = new MapStore() as unknown as { load(sid: string, cb: Cb): void };
      const { value: loaded } = await call<Record<string, unknown> & { cookie: { expires: unknown; originalMaxAge: number }; id: string }>((cb) => store.load('abc', cb));
      assert.equal(loaded.id, 'abc', impl);
      assert.equal(loaded.n, 1);
      assert.ok(loaded.cookie.expires instanceof Date, `${impl}: expires inflated to a Date`);
      assert.equal(loaded.cookie.originalMaxAge, 60_000);
      const { value: missing } = await call((cb) => store.load('nope', cb));
      assert.equal(missing, undefined);
      // A Session from load() saves straight through its store, as express-session's does.
      (loaded as unknown as { n: number; save(cb: Cb): void }).n = 2;
      await call((cb) => (loaded as unknown as { save(cb: Cb): void }).save(cb));
      assert.equal((data.get('abc') as { n: number }).n, 2, impl);
    }
  });
});

describe('MemoryStore, side by side with express-session’s', () => {
  async function exercise(impl: Impl) {
    const store = new (moduleOf(impl).MemoryStore)() as unknown as Record<string, (...a: unknown[]) => void>;
    const log: unknown[] = [];
    const future = () => new Date(Date.now() + 60_000);
    const sess = (n: number, expires: Date | null = future()) => ({ cookie: { originalMaxAge: 60_000, expires, httpOnly: true, path: '/' }, n });
    const run = async (name: string, ...args: unknown[]) => {
      const { err, value } = await call((cb) => store[name]!.call(store, ...args, cb));
      log.push([name, err, normalizeAll(value)]);
    };
    await run('get', 'a');
    await run('set', 'a', sess(1));
    await run('set', 'b', sess(2));
    await run('set', 'old', sess(3, new Date(Date.now() - 1000)));
    await run('get', 'a');
    await run('get', 'old');
    await run('length');
    await run('all');
    await run('touch', 'a', { ...sess(99), cookie: { ...sess(1).cookie, originalMaxAge: 120_000 } });
    await run('get', 'a');
    await run('touch', 'missing', sess(5));
    await run('get', 'missing');
    await run('destroy', 'b');
    await run('all');
    await run('clear');
    await run('length');
    return log;
  }

  function normalizeAll(value: unknown): unknown {
    if (value === undefined || value === null || typeof value !== 'object') return value;
    if ('cookie' in value) return normalizeSession(value);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalizeSession(v)]));
  }

  it('get, set, touch, destroy, all, length and clear answer the same', async () => {
    assert.deepEqual(await exercise('drop-in'), await exercise('real'));
  });

  it('calls back after the method returned, as express-session’s does', () => {
    const store = new session.MemoryStore();
    let answered = false;
    store.get('x', () => (answered = true));
    assert.equal(answered, false);
  });

  it('is bounded: past maxEntries the least recently used session goes', async () => {
    const store = new session.MemoryStore({ maxEntries: 2 });
    const sess = { cookie: { expires: new Date(Date.now() + 60_000) } };
    await call((cb) => store.set('a', sess, cb));
    await call((cb) => store.set('b', sess, cb));
    await call((cb) => store.get('a', cb)); // a is now the most recent
    await call((cb) => store.set('c', sess, cb));
    const { value } = await call<Record<string, unknown>>((cb) => store.all(cb));
    assert.deepEqual(Object.keys(value).sort(), ['a', 'c']);
  });

  it('a wrapped instance method sees every call the middleware makes', async () => {
    const store = new session.MemoryStore();
    const seen: string[] = [];
    for (const name of ['get', 'set', 'touch', 'destroy'] as const) {
      const original = store[name] as (...a: unknown[]) => void;
      (store as unknown as Record<string, unknown>)[name] = function (this: unknown, ...args: unknown[]) {
        seen.push(name);
        return original.apply(this, args);
      };
    }
    const app = express();
    app.use(session({ secret: SECRET, resave: false, saveUninitialized: false, store }));
    app.get('/set', (req, res) => {
      (req as unknown as { session: Record<string, unknown> }).session.a = 1;
      res.send('ok');
    });
    app.get('/get', (_req, res) => void res.send('ok'));
    app.get('/out', (req, res) => (req as unknown as { session: { destroy(cb: Cb): void } }).session.destroy(() => res.send('ok')));
    const server = await listen(app);
    running.push(server);
    const client = new Client(server.url);
    await client.get('/set');
    await client.get('/get');
    await client.get('/out');
    assert.deepEqual(seen, ['set', 'get', 'touch', 'get', 'destroy']);
  });
});

/** A store whose calls fail (`error`) or never answer (`stall`) from `from` on. */
function brokenStore(impl: Impl, mode: 'error' | 'stall', failing: Set<string>) {
  const { MemoryStore } = moduleOf(impl);
  const store = new MemoryStore() as unknown as Record<string, (...a: unknown[]) => void>;
  for (const name of ['get', 'set', 'touch', 'destroy']) {
    const original = store[name]!;
    store[name] = function (this: unknown, ...args: unknown[]) {
      if (!failing.has(name)) return original.apply(this, args);
      if (mode === 'stall') return;
      const cb = args.at(-1) as Cb;
      setImmediate(() => cb(Object.assign(new Error(`${name} failed: ECONNREFUSED`), { code: 'ECONNREFUSED' })));
    };
  }
  return store;
}

async function errorApp(impl: Impl, store: object, extra: Record<string, unknown> = {}) {
  const app = express();
  app.set('env', 'test'); // no error logs on stderr
  const options = { secret: SECRET, resave: false, saveUninitialized: false, store, ...extra };
  app.use(impl === 'real' ? realSession(options as never) : session(options as never));
  app.get('/set', (req, res) => {
    (req as unknown as { session: Record<string, unknown> }).session.a = 1;
    res.send('set');
  });
  app.get('/get', (_req, res) => void res.send('got'));
  const handled: unknown[] = [];
  app.use((err: Error & { status?: number; cause?: Error; code?: string }, _req: Request, _res: Response, next: NextFunction) => {
    handled.push({ message: (err.cause ?? err).message, status: err.status });
    next(err);
  });
  const server = await listen(app);
  running.push(server);
  return { client: new Client(server.url), handled };
}

describe('store errors', () => {
  it('a failed load goes to next(err), as in express-session; the error carries status 503 (Express answers 503, Retry-After)', async () => {
    const results: Record<string, unknown> = {};
    for (const impl of IMPLS) {
      const failing = new Set<string>();
      const { client, handled } = await errorApp(impl, brokenStore(impl, 'error', failing));
      await client.get('/set');
      failing.add('get');
      const reply = await client.get('/get');
      results[impl] = { status: reply.status, handled, retryAfter: reply.headers.get('retry-after') };
    }
    assert.deepEqual(results.real, { status: 500, handled: [{ message: 'get failed: ECONNREFUSED', status: undefined }], retryAfter: null });
    assert.deepEqual(results['drop-in'], { status: 503, handled: [{ message: 'get failed: ECONNREFUSED', status: 503 }], retryAfter: '1' });
  });

  it('a failed save answers 503 instead of the handler’s 200 (express-session sends the 200 and calls next(err) after it)', async () => {
    const statuses: Record<string, number> = {};
    for (const impl of IMPLS) {
      const { client } = await errorApp(impl, brokenStore(impl, 'error', new Set(['set'])));
      statuses[impl] = (await client.get('/set')).status;
    }
    assert.deepEqual(statuses, { real: 200, 'drop-in': 503 });
  });

  it('a store that never answers costs a 503 after storeTimeout, on load and on save (express-session hangs)', async () => {
    const failing = new Set(['set']);
    const { client, handled } = await errorApp('drop-in', brokenStore('drop-in', 'stall', failing), { storeTimeout: 200 });
    const save = await client.get('/set');
    assert.equal(save.status, 503);
    assert.equal(save.headers.get('retry-after'), '1');
    failing.clear();
    await client.get('/set');
    failing.add('get');
    const load = await client.get('/get');
    assert.equal(load.status, 503);
    assert.match(JSON.stringify(handled), /did not answer within 200 ms/);
  });
});

describe('res.end() called twice', () => {
  // express-session's patched end() swallows the second call (returns false, no error): not compared.
  it('behaves as on plain Node: the first body is sent, the second call returns res and emits ERR_STREAM_WRITE_AFTER_END', { timeout: 120_000 }, async () => {
    const outcomes: Record<string, unknown> = {};
    for (const impl of ['plain', 'drop-in'] as const) {
      const app = express();
      if (impl !== 'plain') app.use(session({ secret: SECRET, resave: false, saveUninitialized: false }));
      const seen: unknown[] = [];
      const errored = new Promise<void>((resolve) => {
        app.get('/twice', (req, res) => {
          if (impl !== 'plain') (req as unknown as { session: Record<string, unknown> }).session.a = 1; // a write: the commit is pending
          res.on('error', (err: NodeJS.ErrnoException) => {
            seen.push(err.code);
            resolve();
          });
          seen.push(res.end('first') === res);
          seen.push(res.end('second') === res);
        });
      });
      const server = await listen(app);
      running.push(server);
      const reply = await new Client(server.url).get('/twice');
      await errored;
      outcomes[impl] = { status: reply.status, body: reply.body, seen };
    }
    assert.deepEqual(outcomes.plain, { status: 200, body: 'first', seen: [true, true, 'ERR_STREAM_WRITE_AFTER_END'] });
    assert.deepEqual(outcomes['drop-in'], outcomes.plain);
  });
});

describe('expiry', () => {
  it('a stored session past its cookie’s expiry is not adopted, even when the store returns it', async () => {
    const { Store } = moduleOf('drop-in');
    const expired = { cookie: { originalMaxAge: 1000, expires: new Date(Date.now() - 1000).toISOString(), httpOnly: true, path: '/' }, user: 'ada' };
    const live = { ...expired, cookie: { ...expired.cookie, expires: new Date(Date.now() + 60_000).toISOString() } };
    // A store that never checks expiry on read (as some SQL stores that only sweep).
    class CarelessStore extends (Store as unknown as new () => object) {
      get(sid: string, cb: Cb) {
        cb(null, sid === 'old' ? expired : live);
      }
      set(_sid: string, _sess: object, cb: Cb) {
        cb();
      }
      destroy(_sid: string, cb: Cb) {
        cb();
      }
    }
    const app = express();
    app.use(session({ secret: SECRET, resave: false, saveUninitialized: false, store: new CarelessStore() }));
    app.get('/who', (req, res) => void res.send(String((req as unknown as { session: { user?: string } }).session.user ?? 'Guest')));
    const server = await listen(app);
    running.push(server);
    const { SessionIdSigner } = await import('../../src/express-session/signature.ts');
    const signer = new SessionIdSigner([SECRET]);
    const as = (sid: string) => new Client(server.url).get('/who', { cookie: `connect.sid=${encodeURIComponent(signer.sign(sid))}` });
    assert.equal((await as('fresh')).body, 'ada');
    assert.equal((await as('old')).body, 'Guest');
  });
});
