/**
 * cloakroom/nest on both of Nest's HTTP platforms: the shared adapter suite (every lifecycle
 * rule visible on the wire), then what is Nest's own: `@Session()`, `LoginRequiredGuard`,
 * `CsrfGuard`, `forRootAsync` with injected configuration, and a missing module.
 *
 * The controllers are built without decorator syntax (the project compiles without
 * `experimentalDecorators`): Nest's decorators are functions, applied here as TypeScript's
 * legacy decorator emit would apply them. examples/nest shows the usual syntax.
 */
import 'reflect-metadata';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { Body, Controller, Get, Module, Post, Req, Res, UseGuards, type INestApplication, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { CloakroomModule, CsrfGuard, LoginRequiredGuard, SESSION_MANAGER, Session, type CloakroomModuleOptions } from '../../src/adapters/nest.ts';
import { MemoryStore, SessionManager } from '../../src/index.ts';
import { createStore } from '../../src/stores/from-url.ts';
import { countingStore } from '../helpers/counting-store.ts';
import { REQUEST_TIMEOUT_MS } from '../helpers/timed-request.ts';
import { adapterSuite, type ServedApp, type TestRoute } from './suite.ts';
import { captureEvents } from '../helpers/observe.ts';

const PLATFORMS = ['express', 'fastify'] as const;
type Platform = (typeof PLATFORMS)[number];
const SECRET = 'nest-adapter-test-secret-0123456789abcdef';

/** What `@Res()` is on either platform, as far as these tests use it. */
interface AnyReply {
  status(code: number): AnyReply;
  header(name: string, value: string): AnyReply;
  send(body?: string): unknown;
}

type Decorator = (target: object, key: string, descriptorOrIndex: PropertyDescriptor | number) => unknown;

/** Defines `name` on `controller` and applies method decorators and then parameter decorators (index order). */
function route(controller: Type, name: string, handler: (...args: never[]) => unknown, methods: MethodDecorator[], params: ParameterDecorator[] = []): void {
  Object.defineProperty(controller.prototype, name, { value: handler, writable: true, configurable: true });
  const descriptor = Object.getOwnPropertyDescriptor(controller.prototype, name)!;
  for (const decorate of [...methods].reverse()) (decorate as Decorator)(controller.prototype, name, descriptor);
  params.forEach((decorate, index) => decorate(controller.prototype, name, index));
}

async function start(platform: Platform, module: Type): Promise<ServedApp & { app: INestApplication }> {
  // Nest drops a route's trailing slash; Express matches `/home/` to it, Fastify only when told to.
  const adapter = platform === 'express' ? new ExpressAdapter() : new FastifyAdapter({ routerOptions: { ignoreTrailingSlash: true } });
  const app = await NestFactory.create(module, adapter, { logger: false, abortOnError: false });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return { app, url: `http://127.0.0.1:${port}`, close: () => (closing ??= app.close()) };
}

function appModule(imports: NonNullable<Parameters<typeof Module>[0]['imports']>, controllers: Type[]): Type {
  class AppModule {}
  Module({ imports, controllers })(AppModule);
  return AppModule;
}

/** The suite's framework-neutral routes as one Nest controller (`@Session()`, `@Req()`, `@Res()`). */
function suiteController(routes: readonly TestRoute[]): Type {
  class SuiteController {}
  Controller()(SuiteController);
  routes.forEach((r, i) => {
    const handler = (session: Session, req: { method: string; url: string }, res: AnyReply) => {
      const out = r.handler(session, { method: req.method, url: req.url });
      if (out.redirect) return res.status(302).header('location', out.redirect).send('');
      return res.status(out.status ?? 200).header('content-type', 'text/plain; charset=utf-8').send(out.body ?? '');
    };
    const methods = [(r.method === 'GET' ? Get : Post)(r.path), ...(r.csrf ? [UseGuards(CsrfGuard)] : [])];
    route(SuiteController, `route${i}`, handler, methods, [Session(), Req(), Res()]);
  });
  return SuiteController;
}

for (const platform of PLATFORMS) {
  adapterSuite(`nest (${platform})`, (manager, routes) => start(platform, appModule([CloakroomModule.forRoot({ manager })], [suiteController(routes)])));
}

/** A login flow in Nest's own idiom: `@Body()`, `@Redirect`-free 303s through `@Res()`, guards. */
function loginController(): Type {
  class LoginController {}
  Controller()(LoginController);
  route(LoginController, 'form', (session: Session) => session.csrfToken(), [Get('form/')], [Session()]);
  route(
    LoginController,
    'login',
    (session: Session, username: string, res: AnyReply) => {
      session.login(username);
      session.set('username', username);
      return res.status(303).header('location', '/home/').send('');
    },
    [Post('login/'), UseGuards(CsrfGuard)],
    [Session(), Body('username'), Res()],
  );
  route(LoginController, 'home', (session: Session) => `Welcome, ${session.get('username') ?? 'Guest'}!`, [Get('home/')], [Session()]);
  route(LoginController, 'account', (session: Session) => `account of ${session.userId}`, [Get('account/'), UseGuards(LoginRequiredGuard)], [Session()]);
  return LoginController;
}

interface Reply {
  status: number;
  body: string;
  location: string | null;
  cookie: string | undefined;
}

async function send(base: string, path: string, init: { cookie?: string | undefined; form?: Record<string, string> } = {}): Promise<Reply> {
  const headers: Record<string, string> = {};
  if (init.cookie) headers.cookie = init.cookie;
  if (init.form) headers['content-type'] = 'application/x-www-form-urlencoded';
  const res = await fetch(base + path, {
    method: init.form ? 'POST' : 'GET',
    headers,
    body: init.form ? new URLSearchParams(init.form) : undefined,
    redirect: 'manual',
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  return { status: res.status, body: await res.text(), location: res.headers.get('location'), cookie: res.headers.getSetCookie()[0]?.split(';')[0] };
}

/** Logs `name` in through the form's CSRF token; returns the logged-in cookie. */
async function logIn(base: string, name: string): Promise<string> {
  const form = await send(base, '/form/');
  assert.equal(form.status, 200);
  assert.ok(form.cookie, 'the token is kept in a new session');
  const login = await send(base, '/login/', { cookie: form.cookie, form: { username: name, csrf_token: form.body } });
  assert.equal(login.status, 303, login.body);
  assert.equal(login.location, '/home/');
  assert.ok(login.cookie && login.cookie !== form.cookie, 'login() issues a new session ID');
  return login.cookie;
}

for (const platform of PLATFORMS) {
  describe(`nest (${platform}): CloakroomModule.forRoot, @Session(), the guards`, () => {
    const captured = captureEvents();
    const options: CloakroomModuleOptions = { manager: new SessionManager({ store: new MemoryStore({ sweepInterval: 0 }), secrets: SECRET, ...captured.options }) };
    let served: ServedApp;
    before(async () => {
      served = await start(platform, appModule([CloakroomModule.forRoot(options)], [loginController()]));
    });
    after(async () => {
      await served?.close();
      await options.manager.store.close();
    });

    it('@Session() is the request session: a Guest without a cookie, the name after login', async () => {
      const guest = await send(served.url, '/home/');
      assert.equal(guest.body, 'Welcome, Guest!');
      assert.equal(guest.cookie, undefined, 'a session read and not written sets no cookie');
      const cookie = await logIn(served.url, 'Ada');
      assert.equal((await send(served.url, '/home/', { cookie })).body, 'Welcome, Ada!');
    });

    it('CsrfGuard refuses a POST without this session’s token with 403 and the adapters’ text', async () => {
      captured.take();
      const form = await send(served.url, '/form/');
      const other = await send(served.url, '/form/');
      for (const token of [undefined, other.body]) {
        const refused = await send(served.url, '/login/', { cookie: form.cookie, form: { username: 'Mallory', ...(token ? { csrf_token: token } : {}) } });
        assert.equal(refused.status, 403);
        assert.equal(refused.body, 'Forbidden: CSRF token missing or invalid.');
      }
      assert.equal((await send(served.url, '/home/', { cookie: form.cookie })).body, 'Welcome, Guest!');
      assert.deepEqual(captured.take(), ['security.csrf-refused missing', 'security.csrf-refused invalid']);
    });

    it('LoginRequiredGuard answers 403 without a login (no loginUrl) and lets a logged-in session through', async () => {
      const refused = await send(served.url, '/account/');
      assert.equal(refused.status, 403);
      assert.match(refused.body, /Login required/);
      const cookie = await logIn(served.url, 'Grace');
      const allowed = await send(served.url, '/account/', { cookie });
      assert.equal(allowed.status, 200);
      assert.equal(allowed.body, 'account of Grace');
    });
  });

  describe(`nest (${platform}): CloakroomModule.forRootAsync with injected configuration`, () => {
    const CONFIG = Symbol('config');
    let counted: ReturnType<typeof countingStore> | undefined;
    let served: Awaited<ReturnType<typeof start>>;
    before(async () => {
      class ConfigModule {}
      Module({ providers: [{ provide: CONFIG, useValue: { store: 'memory:', secret: SECRET, loginUrl: '/' } }], exports: [CONFIG] })(ConfigModule);
      const sessions = CloakroomModule.forRootAsync({
        imports: [ConfigModule],
        inject: [CONFIG],
        useFactory: async (config: { store: string; secret: string; loginUrl: string }) => {
          counted = countingStore((await createStore(config.store)) as MemoryStore);
          return { manager: new SessionManager({ store: counted, secrets: config.secret }), loginUrl: config.loginUrl };
        },
      });
      served = await start(platform, appModule([sessions], [loginController()]));
    });
    after(() => served?.close());

    it('builds the manager from the injected configuration and serves sessions with it', async () => {
      assert.ok(counted, 'the factory ran');
      const cookie = await logIn(served.url, 'Linus');
      assert.equal((await send(served.url, '/home/', { cookie })).body, 'Welcome, Linus!');
      assert.ok(counted.calls.create >= 1, 'the configured store holds the session');
    });

    it('LoginRequiredGuard redirects (303) to loginUrl without a login', async () => {
      const redirected = await send(served.url, '/account/');
      assert.equal(redirected.status, 303);
      assert.equal(redirected.location, '/');
      assert.equal(redirected.cookie, undefined);
    });

    it('SESSION_MANAGER is injectable, and the store the factory made closes with the application', async () => {
      assert.equal(served.app.get(SESSION_MANAGER).store, counted);
      assert.equal(counted!.calls.close, 0);
      await served.close();
      assert.equal(counted!.calls.close, 1);
    });
  });

  describe(`nest (${platform}): configuration mistakes are startup errors`, () => {
    const manager = new SessionManager({ store: new MemoryStore({ sweepInterval: 0 }), secrets: SECRET });
    after(() => manager.store.close());

    it('CloakroomModule imported twice (a second session per request) is refused', async () => {
      const twice = appModule([CloakroomModule.forRoot({ manager }), CloakroomModule.forRoot({ manager })], [loginController()]);
      await assert.rejects(start(platform, twice), /CloakroomModule is imported more than once/);
    });

    it('options without a SessionManager are refused', async () => {
      const empty = CloakroomModule.forRootAsync({ useFactory: () => ({}) as CloakroomModuleOptions });
      await assert.rejects(start(platform, appModule([empty], [loginController()])), /CloakroomModule needs options \{ manager: SessionManager \}/);
    });
  });

  describe(`nest (${platform}): without CloakroomModule`, () => {
    let served: ServedApp;
    before(async () => {
      class HomeController {}
      Controller()(HomeController);
      route(HomeController, 'home', (session: Session) => `Welcome, ${session.get('username') ?? 'Guest'}!`, [Get('home/')], [Session()]);
      served = await start(platform, appModule([], [HomeController]));
    });
    after(() => served?.close());

    it('@Session() answers 500 (a configuration error, logged), never a request without a session', async () => {
      const reply = await send(served.url, '/home/');
      assert.equal(reply.status, 500);
      assert.doesNotMatch(reply.body, /Welcome/);
    });
  });
}
