import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, ServerResponse } from 'node:http';
import express, { type RequestHandler } from 'express';
import { csrfProtection, session } from '../../src/adapters/express.ts';
import { MemoryStore, SessionManager } from '../../src/index.ts';
import { adapterSuite, listen, type ServedApp } from './suite.ts';
import { captureWarnings, settle, type WarningCapture } from '../helpers/warnings.ts';

for (const patchPrototypes of [false, true]) {
  adapterSuite(patchPrototypes ? 'express (patchPrototypes)' : 'express', async (manager, routes) => {
    const app = express();
    app.set('env', 'test'); // the suite's deliberate handler bugs need no stack traces on stderr
    app.use(express.urlencoded({ extended: false, limit: '16kb' }), session(manager, { patchPrototypes }));
    for (const route of routes) {
      const guards: RequestHandler[] = route.csrf ? [csrfProtection(manager)] : [];
      app[route.method === 'GET' ? 'get' : 'post'](route.path, ...guards, (req, res) => {
        const out = route.handler(req.session, { method: req.method, url: req.originalUrl });
        if (out.redirect) res.redirect(302, out.redirect);
        else res.status(out.status ?? 200).type('text/plain').send(out.body ?? '');
      });
    }
    return listen(createServer(app));
  });
}

// The default (instance-level) path, and that it leaves Express's shared prototypes alone, are
// tested in express-instance.test.ts: this file patches them, and each test file has its own process.
describe('express (patchPrototypes): how the response is held back', () => {
  const SECRET = 'express-held-response-secret-0123456789';
  let app: ServedApp;
  const owned: Record<string, string[]> = {};
  const late: { same?: boolean; done?: () => void } = {};
  /** The /late route's change after the response is deliberate: its warning is asserted, not printed. */
  let warnings: WarningCapture;
  /** Requests /late and resolves once its handler has changed the session (after the response) and the warning is out. */
  const lateRequest = async (path: string, cookie?: string) => {
    const finished = new Promise<void>((resolve) => (late.done = resolve));
    const reply = await get(path, cookie);
    await finished;
    await settle(); // process warnings are emitted on the next tick
    return reply;
  };

  before(async () => {
    warnings = captureWarnings(['CloakroomLateSessionChange']);
    const sessions = new SessionManager<Record<string, unknown>>({ store: new MemoryStore({ sweepInterval: 0 }), secrets: SECRET });
    const main = express();
    // Like `compression`: wraps end on the instance before the session middleware runs.
    const wrapsEnd: RequestHandler = (req, res, next) => {
      if (req.query.wrapped === undefined) return next();
      const end = res.end;
      res.end = function (this: typeof res, ...args: unknown[]) {
        res.setHeader('x-wrapped', 'yes');
        return (end as (...a: unknown[]) => typeof res).apply(this, args);
      } as typeof res.end;
      next();
    };
    main.use(wrapsEnd, session(sessions, { patchPrototypes: true }));
    main.get('/set', (req, res) => {
      req.session.set('n', Number(req.query.n));
      owned.set = ['writeHead', 'write', 'end', 'flushHeaders'].filter((m) => Object.hasOwn(res, m));
      res.send('saved');
    });
    main.get('/read', (req, res) => {
      owned.read = ['writeHead', 'write', 'end', 'flushHeaders'].filter((m) => Object.hasOwn(res, m));
      owned.request = Object.hasOwn(req, 'session') ? ['session'] : [];
      res.send(String(req.session.get('n') ?? 'none'));
    });
    main.get('/reassign', (req, res) => {
      const ours = req.session;
      (req as { session: unknown }).session = 'replaced by the app';
      const replaced = req.session as unknown;
      delete (req as { session?: unknown }).session;
      res.json({ replaced, backToOurs: req.session === ours, n: ours.get('n') ?? null });
    });
    main.get('/late', (req, res) => {
      owned.lateRequest = Object.hasOwn(req, 'session') ? ['session'] : [];
      res.on('finish', () => {
        const first = req.session;
        late.same = first === req.session;
        first.set('n', 9);
        late.done?.();
      });
      res.send('sent before the session was read');
    });
    const sub = express(); // a mounted app re-parents req and res to its own prototypes
    sub.get('/set', (req, res) => {
      req.session.set('n', Number(req.query.n));
      res.redirect('/read');
    });
    main.use('/sub', sub);
    app = await listen(createServer(main));
  });
  after(async () => {
    warnings.stop();
    await app?.close();
  });

  const get = async (path: string, cookie?: string) => {
    const reply = await fetch(`${app.url}${path}`, { headers: cookie ? { cookie } : {}, redirect: 'manual' });
    return { status: reply.status, body: await reply.text(), cookie: reply.headers.getSetCookie()[0]?.split(';')[0], headers: reply.headers };
  };

  it('adds no own method to Express responses (each new property on a re-parented object costs µs)', async () => {
    const saved = await get('/set?n=1');
    assert.ok(saved.cookie);
    assert.deepEqual(owned.set, []);
    assert.equal((await get('/read', saved.cookie)).body, '1');
    assert.deepEqual(owned.read, []);
    assert.deepEqual(owned.request, [], 'req.session is read through the shared prototype');
  });

  it('req.session can still be assigned (and deleted) by the app like a plain property', async () => {
    const saved = await get('/set?n=5');
    const reply = JSON.parse((await get('/reassign', saved.cookie)).body) as Record<string, unknown>;
    assert.deepEqual(reply, { replaced: 'replaced by the app', backToOurs: true, n: 5 });
  });

  it('still commits when another middleware wrapped the response on the instance first', async () => {
    const saved = await get('/set?n=2&wrapped');
    assert.equal(saved.headers.get('x-wrapped'), 'yes');
    assert.ok(saved.cookie, 'the cookie is set through the other wrapper');
    assert.deepEqual(owned.set!.sort(), ['end', 'flushHeaders', 'write', 'writeHead'], 'fell back to instance methods');
    assert.equal((await get('/read', saved.cookie)).body, '2');
  });

  it('reaches a patch of ServerResponse.prototype made after the dispatchers were installed (an APM agent, say)', async () => {
    const first = await get('/set?n=6'); // the dispatchers are installed by now
    const proto = ServerResponse.prototype as unknown as { end: (...a: unknown[]) => unknown };
    const unpatched = proto.end;
    let seen = 0;
    proto.end = function (this: ServerResponse, ...args: unknown[]) {
      seen++;
      return unpatched.apply(this, args);
    };
    try {
      assert.equal((await get('/read', first.cookie)).body, '6');
      const saved = await get('/set?n=7', first.cookie);
      assert.equal(saved.body, 'saved');
      assert.equal(seen, 2, 'both the plain and the held response went through the patch');
    } finally {
      proto.end = unpatched;
    }
    assert.equal((await get('/read', first.cookie)).body, '7');
  });

  it('a request without a session cookie gets its session on first read, also alongside other cookies', async () => {
    const saved = await get('/set?n=8', 'theme=dark; lang=en');
    assert.ok(saved.cookie, 'the new session is saved and its cookie set');
    assert.equal(saved.headers.get('vary'), 'Cookie');
    assert.equal((await get('/read', `theme=dark; ${saved.cookie}`)).body, '8');
    const untouched = await lateRequest('/late?untouched', 'theme=dark');
    assert.equal(untouched.cookie, undefined);
    assert.deepEqual(warnings.take().map((w) => w.name), ['CloakroomLateSessionChange'], 'its change after the response is reported');
    assert.deepEqual(owned.lateRequest, [], 'no own property on the request');
  });

  it('a session first read after the response went out is still there, and a change to it is reported, not saved', async () => {
    const reply = await lateRequest('/late');
    assert.equal(reply.body, 'sent before the session was read');
    assert.equal(reply.cookie, undefined);
    assert.equal(late.same, true, 'the same session on every read');
    assert.deepEqual(warnings.take().map((w) => w.name), ['CloakroomLateSessionChange']);
  });

  it('commits a change made inside a mounted sub-app before its redirect goes out', async () => {
    const first = await get('/set?n=3');
    const redirect = await get('/sub/set?n=4', first.cookie);
    assert.equal(redirect.status, 302);
    assert.equal((await get('/read', first.cookie)).body, '4');
  });
});
