/**
 * The drop-in against the real express-session, behaviour by behaviour: each scenario runs the
 * same app code on both and compares what the client got and what the store saw (see
 * differential.ts). Every scenario runs with an ES5-style and a class-style store, answering
 * asynchronously or synchronously (before the call returns).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Express, Request, Response, NextFunction } from 'express';
import { createRequire } from 'node:module';
import { roundToMinutes, runBoth, type Scenario, type ScenarioContext, type Style, type Timing } from './differential.ts';

const cookieParser = createRequire(import.meta.url)('cookie-parser') as (secret?: string) => (req: Request, res: Response, next: NextFunction) => void;

type Sess = Record<string, unknown> & {
  id: string;
  cookie: { maxAge: number | null; originalMaxAge: number | null; expires?: Date | null };
  save(cb?: (err?: unknown) => void): void;
  reload(cb: (err?: unknown) => void): void;
  regenerate(cb: (err?: unknown) => void): void;
  destroy(cb?: (err?: unknown) => void): void;
  touch(): void;
};
const s = (req: Request) => (req as unknown as { session: Sess }).session;

/** Routes every scenario can use. Bodies never print a raw ID (the harness labels them anyway). */
function routes(app: Express, ctx: ScenarioContext): void {
  app.get('/noop', (_req, res) => void res.send('noop'));
  app.get('/set', (req, res) => {
    s(req)[String(req.query.k ?? 'a')] = String(req.query.v ?? '1');
    res.send('set');
  });
  app.get('/get', (req, res) => void res.json(s(req)?.[String(req.query.k ?? 'a')] ?? null));
  app.get('/push', (req, res) => {
    const list = (s(req).list as string[] | undefined) ?? (s(req).list = []);
    list.push(String(req.query.v));
    res.send('pushed');
  });
  app.get('/whoami', (req, res) => {
    const r = req as unknown as { sessionID?: string; sessionStore?: unknown };
    res.json({ sessionID: r.sessionID ?? null, same: s(req)?.id === r.sessionID, storeIsOption: r.sessionStore === ctx.store });
  });
  app.get('/cookie', (req, res) => {
    const c = s(req).cookie;
    res.json({
      maxAgePositive: typeof c.maxAge === 'number' ? c.maxAge > 0 : c.maxAge,
      originalMaxAge: typeof c.originalMaxAge === 'number' ? roundToMinutes(c.originalMaxAge) : c.originalMaxAge,
      hasExpires: c.expires instanceof Date,
    });
  });
  app.get('/save', (req, res, next) => {
    s(req).saved = 'yes';
    s(req).save((err) => (err ? next(err) : res.send('saved')));
  });
  app.get('/save-nocb', (req, res) => {
    s(req).saved = 'no-callback';
    s(req).save();
    res.send('saved');
  });
  app.get('/save-then-change', (req, res, next) => {
    s(req).a = 'before';
    s(req).save((err) => {
      if (err) return next(err);
      s(req).a = 'after';
      res.send('changed');
    });
  });
  app.get('/save-redirect', (req, res, next) => {
    s(req).step = 'two';
    s(req).save((err) => (err ? next(err) : res.redirect('/get?k=step')));
  });
  app.get('/reload', (req, res) => {
    s(req).a = 'unsaved';
    s(req).reload((err) => (err ? res.status(409).send(String((err as Error).message)) : res.json(s(req).a ?? null)));
  });
  app.get('/touch', (req, res) => {
    s(req).touch();
    res.send('touched');
  });
  app.get('/regenerate', (req, res, next) => {
    const before = (req as unknown as { sessionID: string }).sessionID;
    s(req).regenerate((err) => {
      if (err) return next(err);
      s(req).user = 'ada';
      res.json({ changed: (req as unknown as { sessionID: string }).sessionID !== before, kept: s(req).a ?? null });
    });
  });
  app.get('/destroy', (req, res, next) => {
    s(req).destroy((err) => (err ? next(err) : res.json({ session: (req as unknown as { session?: unknown }).session ?? null })));
  });
  app.get('/unset', (req, res) => {
    (req as unknown as { session: unknown }).session = null;
    res.send('unset');
  });
  app.get('/delete-session', (req, res) => {
    delete (req as unknown as { session?: unknown }).session;
    res.send('deleted');
  });
  app.get('/set-maxage', (req, res) => {
    s(req).cookie.maxAge = Number(req.query.ms);
    s(req).a = 'x';
    res.send('maxage');
  });
  app.get('/fail', (req, res) => {
    s(req).a = 'lost';
    res.status(500).send('failed');
  });
  app.get('/boom', () => {
    throw new Error('handler failed');
  });
  app.get('/cookie-parsed', (req, res) => {
    const r = req as unknown as { secret?: unknown };
    res.json({ hasSecret: typeof r.secret === 'string' });
  });
  // An app's own error middleware, written for express-session's next(err).
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    res.status(500).send(`app error handler: ${(err as Error).message}`);
  });
}

const scenarios: Scenario[] = [
  {
    name: 'defaults (resave and saveUninitialized true): a new session is stored and cookied, and written back on every request',
    options: ({ store }) => ({ store, resave: undefined, saveUninitialized: undefined }),
    routes,
    steps: [{ path: '/noop' }, { path: '/noop' }, { path: '/set?v=1' }, { path: '/get' }],
  },
  {
    name: 'resave false, saveUninitialized false: nothing stored until written, then only touched',
    routes,
    steps: [{ path: '/noop' }, { path: '/get' }, { path: '/set?v=1' }, { path: '/get' }, { path: '/get' }, { path: '/set?v=1' }, { path: '/set?v=2' }],
  },
  {
    name: 'saveUninitialized true, resave false',
    options: { saveUninitialized: true },
    routes,
    steps: [{ path: '/noop' }, { path: '/noop' }, { path: '/set?v=1' }, { path: '/get' }],
  },
  {
    name: 'resave true, saveUninitialized false',
    options: { resave: true },
    routes,
    steps: [{ path: '/noop' }, { path: '/set?v=1' }, { path: '/get' }, { path: '/get' }],
  },
  {
    name: 'in-place mutation (push into an array) counts as a change',
    routes,
    steps: [{ path: '/push?v=x' }, { path: '/push?v=y' }, { path: '/get?k=list' }],
  },
  {
    name: 'rolling false with maxAge: the cookie is re-sent only when the session changed',
    options: { cookie: { maxAge: 60_000 } },
    routes,
    steps: [{ path: '/set?v=1' }, { path: '/get' }, { path: '/set?v=2' }, { path: '/cookie' }],
  },
  {
    name: 'rolling true with maxAge: the cookie (and the touch) on every response',
    options: { rolling: true, cookie: { maxAge: 60_000 } },
    routes,
    steps: [{ path: '/noop' }, { path: '/set?v=1' }, { path: '/get' }, { path: '/get' }],
  },
  {
    name: 'rolling true without maxAge',
    options: { rolling: true },
    routes,
    steps: [{ path: '/set?v=1' }, { path: '/get' }],
  },
  {
    name: 'cookie.maxAge as a Date (deprecated, still accepted)',
    options: () => ({ cookie: { maxAge: new Date(Date.now() + 3_600_000) } }),
    routes,
    steps: [{ path: '/set?v=1' }, { path: '/cookie' }],
  },
  {
    name: 'cookie.expires as an absolute date; originalMaxAge follows it',
    options: () => ({ cookie: { expires: new Date(Date.now() + 3_600_000) } }),
    routes,
    steps: [{ path: '/set?v=1' }, { path: '/cookie' }, { path: '/get' }],
  },
  {
    name: 'cookie attributes: path, domain, httpOnly false, sameSite, secure false, partitioned, priority',
    options: { cookie: { path: '/', domain: 'example.test', httpOnly: false, sameSite: 'strict', secure: false, partitioned: true, priority: 'high', maxAge: 1000 * 60 } },
    routes,
    steps: [{ path: '/set?v=1' }],
  },
  {
    name: 'requests outside cookie.path get no session',
    options: { cookie: { path: '/get' } },
    routes,
    steps: [{ path: '/noop' }, { path: '/get' }],
  },
  {
    name: 'secure: true over plain HTTP stores the session but sends no cookie',
    options: { cookie: { secure: true } },
    routes,
    steps: [{ path: '/set?v=1' }, { path: '/get' }],
  },
  {
    name: "secure 'auto' and sameSite 'auto' with proxy: true follow X-Forwarded-Proto",
    options: { proxy: true, cookie: { secure: 'auto', sameSite: 'auto' } },
    routes,
    steps: [{ path: '/set?v=1', headers: { 'x-forwarded-proto': 'https' } }, { path: '/set?v=2', noCookie: true }],
  },
  {
    name: "unset 'destroy': req.session = null deletes the record",
    options: { unset: 'destroy' },
    routes,
    steps: [{ path: '/set?v=1' }, { path: '/unset' }, { path: '/get' }],
  },
  {
    name: "unset 'keep': req.session = null leaves the record",
    options: { unset: 'keep' },
    routes,
    steps: [{ path: '/set?v=1' }, { path: '/delete-session' }, { path: '/get' }],
  },
  {
    name: 'genid makes the IDs',
    options: () => {
      let n = 0;
      return { genid: () => `custom-id-${++n}` };
    },
    routes,
    steps: [{ path: '/set?v=1' }, { path: '/whoami' }, { path: '/regenerate' }, { path: '/whoami' }],
  },
  {
    name: 'name sets the cookie name',
    options: { name: 'my.sid' },
    routes,
    steps: [{ path: '/set?v=1' }, { path: '/get' }],
  },
  {
    name: 'secret as an array rotates (the first signs)',
    options: { secret: ['new secret', 'keyboard cat'] },
    routes,
    steps: [{ path: '/set?v=1' }, { path: '/get' }],
  },
  {
    name: 'secret as a Buffer',
    options: { secret: Buffer.from([0xff, 0x00, 0x80, 0x41]) },
    routes,
    steps: [{ path: '/set?v=1' }, { path: '/get' }],
  },
  {
    name: 'no secret option: cookie-parser’s req.secret signs',
    options: { secret: undefined },
    before: (app) => void app.use(cookieParser('parser secret')),
    routes,
    steps: [{ path: '/set?v=1' }, { path: '/get' }, { path: '/cookie-parsed' }],
  },
  {
    name: 'no secret option and no req.secret: every request goes to next(err)',
    options: { secret: undefined },
    routes,
    steps: [{ path: '/noop' }],
  },
  {
    name: 'the ID from req.signedCookies when cookie-parser ran first (and the header is gone)',
    before: (app) => {
      app.use(cookieParser('keyboard cat'));
      app.use((req, _res, next) => {
        delete req.headers.cookie;
        next();
      });
    },
    routes,
    steps: [{ path: '/set?v=1' }, { path: '/get' }, { path: '/set?v=2' }, { path: '/get' }],
  },
  {
    name: 'the ID from req.cookies when cookie-parser (no secret) ran first',
    before: (app) => {
      app.use(cookieParser());
      app.use((req, _res, next) => {
        delete req.headers.cookie;
        next();
      });
    },
    routes,
    steps: [{ path: '/set?v=1' }, { path: '/get' }],
  },
  {
    name: 'tampered, unsigned and unknown cookies are a new visitor',
    routes,
    steps: [
      { path: '/set?v=1' },
      { path: '/get', headers: { cookie: 'connect.sid=s%3Aforged.AAAA' } },
      { path: '/get', headers: { cookie: 'connect.sid=unsigned' } },
      { path: '/get', headers: { cookie: 'connect.sid=s%3Agarbage' } },
      { path: '/get' },
    ],
  },
  {
    name: 'save(cb) in the handler: no second write at the end of the request',
    routes,
    steps: [{ path: '/save' }, { path: '/get?k=saved' }, { path: '/save' }],
  },
  {
    name: 'save() without a callback, then send',
    routes,
    steps: [{ path: '/set?v=1' }, { path: '/save-nocb' }, { path: '/get?k=saved' }],
  },
  {
    name: 'a change after save() is written at the end',
    routes,
    steps: [{ path: '/save-then-change' }, { path: '/get' }],
  },
  {
    name: 'save(cb) then redirect: the target reads the value',
    routes,
    steps: [{ path: '/save-redirect' }, { path: '/get?k=step' }],
  },
  {
    name: 'reload() replaces unsaved changes; a deleted record is an error',
    routes,
    steps: [{ path: '/set?v=stored' }, { path: '/reload' }, { path: '/get' }, { path: '/destroy' }, { path: '/reload' }],
  },
  {
    name: 'touch() resets the expiry',
    options: { cookie: { maxAge: 60_000 } },
    routes,
    steps: [{ path: '/set?v=1' }, { path: '/touch' }, { path: '/cookie' }],
  },
  {
    name: 'cookie.maxAge set in a handler',
    routes,
    steps: [{ path: '/set-maxage?ms=120000' }, { path: '/cookie' }],
  },
  {
    name: 'regenerate(): the old record destroyed, a new ID, data written after it kept',
    routes,
    steps: [{ path: '/set?v=1' }, { path: '/regenerate' }, { path: '/get?k=user' }, { path: '/get' }],
  },
  {
    name: 'destroy(): the record gone, req.session unset, no cookie',
    routes,
    steps: [{ path: '/set?v=1' }, { path: '/destroy' }, { path: '/get' }],
  },
  {
    name: 'req.sessionID and req.sessionStore',
    options: { saveUninitialized: true },
    routes,
    steps: [{ path: '/whoami' }, { path: '/whoami' }],
  },
  {
    name: 'parallel writes of different keys on one session',
    routes,
    steps: [{ path: '/set?k=base&v=0' }, [{ path: '/set?k=x&v=1' }, { path: '/set?k=y&v=2' }, { path: '/set?k=z&v=3' }]],
  },
];

for (const [style, timing] of [
  ['es5', 'async'],
  ['class', 'async'],
  ['es5', 'sync'],
  ['memory', 'async'],
] as Array<[Style, Timing]>) {
  describe(style === 'memory' ? 'the drop-in against express-session (each one’s MemoryStore, subclassed)' : `the drop-in against express-session (${style}-style store, ${timing} callbacks)`, () => {
    for (const scenario of scenarios) {
      it(scenario.name, async () => {
        const [real, mine] = await runBoth(scenario, style, timing);
        assert.deepEqual(mine, real);
      });
    }
  });
}

describe('deliberate departures, side by side', () => {
  it('a 5xx response changes nothing in the store (express-session writes or touches the session)', async () => {
    const scenario: Scenario = {
      name: 'throws',
      routes: (app, ctx) => {
        app.get('/boom', (req) => {
          s(req).a = 'half-done';
          throw new Error('handler failed');
        });
        routes(app, ctx);
      },
      steps: [{ path: '/set?v=1' }, { path: '/boom' }, { path: '/get' }],
    };
    const [real, mine] = await runBoth(scenario);
    assert.deepEqual(
      real[1]!.store.map((c) => c.method),
      ['get', 'set'],
    );
    assert.deepEqual(
      mine[1]!.store.map((c) => c.method),
      ['get'],
    );
    assert.equal(mine[2]!.body, '"1"', 'the half-done write was not kept');
    assert.equal(real[2]!.body, '"half-done"');
    // Everything else is the same.
    assert.deepEqual({ ...mine[1], store: [] }, { ...real[1], store: [] });
    assert.deepEqual(mine[0], real[0]);
  });
});
