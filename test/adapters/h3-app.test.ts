/**
 * cloakroom/h3 beyond the shared adapter suite: parallel writes in a plain h3 v2 app, h3's own
 * answers (a thrown HTTPError, an unmatched route), and the h3 v1 shape Nuxt 4 runs on
 * (`defineEventHandler(session(sessions))`: no `next()`, the node response held instead).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { H3, HTTPError, redirect, readBody, serve } from 'h3';
import { MemoryStore, SessionManager, type SessionRecord } from '../../src/index.ts';
import { session } from '../../src/adapters/h3.ts';
import { listen, type ServedApp } from './suite.ts';
import { REQUEST_TIMEOUT_MS } from '../helpers/timed-request.ts';

const SECRET = 'h3-app-test-secret-0123456789-abcdefghijklmnop';

/** Holds every session load until `loads` of them are in flight, so the requests truly overlap. */
class OverlappingStore extends MemoryStore {
  waiting: Array<() => void> = [];
  loads = 0;
  override async get(key: string, now: number): Promise<SessionRecord | null> {
    if (this.loads > 0) {
      await new Promise<void>((resolve) => {
        this.waiting.push(resolve);
        if (this.waiting.length >= this.loads) for (const go of this.waiting.splice(0)) go();
      });
    }
    return super.get(key, now);
  }
}

async function send(base: string, path: string, init: { cookie?: string; method?: string; body?: string } = {}) {
  const headers: Record<string, string> = {};
  if (init.cookie) headers.cookie = init.cookie;
  if (init.body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
  const res = await fetch(base + path, { method: init.method ?? 'GET', headers, body: init.body, redirect: 'manual', signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  return { status: res.status, setCookie: res.headers.getSetCookie(), location: res.headers.get('location'), body: await res.text() };
}

describe('cloakroom/h3 in a plain h3 v2 app', () => {
  const store = new OverlappingStore({ sweepInterval: 0 });
  const manager = new SessionManager({ store, secrets: SECRET });
  let base: string;
  let close: () => Promise<void>;

  before(async () => {
    const app = new H3({ silent: true }).use(session(manager));
    app.post('/login', (event) => (event.context.session.set('username', 'Carol'), redirect('/home', 303)));
    app.post('/set', async (event) => {
      const form = new URLSearchParams((await readBody<string>(event)) ?? '');
      event.context.session.set(form.get('key')!, form.get('value'));
      return redirect('/home', 303);
    });
    app.get('/home', (event) => JSON.stringify(Object.fromEntries(event.context.session.entries())));
    app.get('/refuse', (event) => {
      event.context.session.set('tried', true);
      throw new HTTPError({ status: 400, message: 'refused' });
    });
    app.get('/crash', (event) => {
      event.context.session.set('tried', true);
      throw new Error('handler bug');
    });
    const server = serve(app, { port: 0, hostname: '127.0.0.1', silent: true, manual: true });
    await server.serve();
    await server.ready();
    base = server.url!.replace(/\/$/, '').replace('localhost', '127.0.0.1');
    close = () => server.close(true);
  });
  after(() => close());

  it('two requests at once, changing different keys, are both kept', async () => {
    const login = await send(base, '/login', { method: 'POST', body: '' });
    assert.equal(login.status, 303);
    const cookie = login.setCookie[0]!.split(';')[0]!;
    store.loads = 2; // both requests load before either commits
    const [a, b] = await Promise.all([
      send(base, '/set', { cookie, method: 'POST', body: 'key=theme&value=dark' }),
      send(base, '/set', { cookie, method: 'POST', body: 'key=cart&value=hat' }),
    ]);
    store.loads = 0;
    assert.deepEqual([a.status, b.status], [303, 303]);
    assert.deepEqual(JSON.parse((await send(base, '/home', { cookie })).body), { username: 'Carol', theme: 'dark', cart: 'hat' });
  });

  it('a thrown 4xx HTTPError is h3’s answer, with the session committed on it', async () => {
    const reply = await send(base, '/refuse');
    assert.equal(reply.status, 400);
    assert.match(reply.body, /refused/);
    assert.equal(reply.setCookie.length, 1, 'a 4xx saves, as the core decides');
  });

  it('a thrown bug is h3’s 500 and saves nothing', async () => {
    const reply = await send(base, '/crash');
    assert.equal(reply.status, 500);
    assert.deepEqual(reply.setCookie, []);
  });

  it('an unmatched route is h3’s 404, and a visitor without a session gets no cookie', async () => {
    const reply = await send(base, '/nowhere');
    assert.equal(reply.status, 404);
    assert.deepEqual(reply.setCookie, []);
  });
});

describe('cloakroom/h3 in the h3 v1 shape (Nuxt 4, Nitro 2): a handler without next()', () => {
  const manager = new SessionManager({ store: new MemoryStore({ sweepInterval: 0 }), secrets: SECRET });
  const middleware = session(manager);
  let app: ServedApp;

  before(async () => {
    // What h3 v1 does: run each middleware with the event, stop at a handled response, then the route.
    app = await listen(
      createServer(async (req: IncomingMessage, res: ServerResponse) => {
        const event = { context: {} as Record<string, unknown>, node: { req, res } };
        await middleware(event);
        if (res.headersSent || res.writableEnded) return;
        const current = event.context.session as import('../../src/index.ts').Session;
        if (req.url === '/login') {
          current.set('username', 'Ada');
          res.writeHead(302, { location: '/home' }).end(); // as h3 v1's sendRedirect
        } else res.end(`Welcome, ${current.get('username') ?? 'Guest'}!`);
      }),
    );
  });
  after(() => app.close());

  it('commits before the node response’s head: the redirect carries the cookie and the next request sees it', async () => {
    const login = await send(app.url, '/login');
    assert.equal(login.status, 302);
    const cookie = login.setCookie[0]!.split(';')[0]!;
    assert.equal((await send(app.url, '/home', { cookie })).body, 'Welcome, Ada!');
    assert.deepEqual((await send(app.url, '/home')).setCookie, [], 'a read without a session sets no cookie');
  });

  it('refuses an event of neither shape with a clear error', async () => {
    await assert.rejects(() => middleware({ context: {} }), /h3 v2 middleware .* or as an h3 v1 handler/);
  });
});
