/**
 * One adapter test suite, run unchanged against every framework adapter over real HTTP.
 *
 * The routes (./suite-app.ts) are framework-neutral: a handler gets the session and the request's
 * method and URL, and returns a status, a body or a redirect. Each `<adapter>.test.ts` mounts them
 * in its framework's idiom (`serve`) and calls `adapterSuite`. Every lifecycle rule of the core
 * that is visible on the wire is checked here, so the adapters are held to one behaviour.
 *
 * The tests reach the store behind the app only through `steer` (count its calls, make it fail or
 * slow, move the clock), so the app may run in this process (`adapterSuite`) or in another one,
 * such as a Worker inside workerd (`remoteAdapterSuite`).
 */
import { readForm as readBoundedForm } from '../../src/adapters/node.ts';
import { after, before, describe, it } from 'node:test';
import { captureWarnings, settle, type WarningCapture } from '../helpers/warnings.ts';
import assert from 'node:assert/strict';
import { connect, type AddressInfo } from 'node:net';
import { request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import { SessionManager, Signer, generateSessionId, publicMessage, SessionError } from '../../src/index.ts';
import { REQUEST_TIMEOUT_MS } from '../helpers/timed-request.ts';
import { HANDLER_BUG, ROUTES, SUITE_MAX_AGE, SUITE_SECRET, SuiteBackend, type BackendState, type StoreKind, type Steering, type TestRoute } from './suite-app.ts';

export type { RouteRequest, RouteResult, TestRoute, TestSession } from './suite-app.ts';

export interface ServedApp {
  /** `http://127.0.0.1:<port>` */
  url: string;
  close(): Promise<void>;
}

/** Mounts `routes` on the adapter's framework, behind `manager`, on 127.0.0.1 port 0. */
export type ServeAdapter = (manager: SessionManager<Record<string, unknown>>, routes: readonly TestRoute[]) => Promise<ServedApp>;

/** Listens on 127.0.0.1 port 0; `close` also drops kept-alive client connections. */
export async function listen(server: Server): Promise<ServedApp> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A urlencoded request body, for the frameworks that bring no parser: cloakroom's bounded reader (413 past 16 KiB). */
export function readForm(req: IncomingMessage, limit = 16 * 1024): Promise<URLSearchParams> {
  return readBoundedForm(req, limit);
}

/**
 * Whether a captured 'CloakroomHandlerError' warning reports the suite's deliberate handler bug
 * (its message or its cause's names it), as opposed to a real bug in a test app or an adapter.
 */
function isDeliberateBug(warning: Error): boolean {
  const cause = warning.cause instanceof Error ? warning.cause.message : '';
  return warning.message.includes(HANDLER_BUG) || cause === HANDLER_BUG;
}

interface Reply {
  status: number;
  headers: Headers;
  body: string;
  setCookies: string[];
  /** `sessionid=<value>` from this reply's Set-Cookie, if any. */
  cookie: string | undefined;
}

async function request(base: string, path: string, init: { cookie?: string | undefined; method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.cookie) headers.cookie = init.cookie;
  const response = await fetch(base + path, {
    method: init.method ?? 'GET',
    headers,
    body: init.body,
    redirect: 'manual',
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const setCookies = response.headers.getSetCookie();
  const pair = setCookies[0]?.split(';')[0];
  return { status: response.status, headers: response.headers, body: await response.text(), setCookies, cookie: pair };
}

/**
 * Sends raw bytes (for Cookie headers no HTTP client will send) and returns the status code,
 * as soon as the status line arrives: workerd keeps a `Connection: close` socket open for
 * seconds after its reply, so waiting for the close would time the test out there.
 */
function rawStatus(base: string, head: Buffer): Promise<number> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    let received = '';
    const statusLine = () => /^HTTP\/1\.1 (\d{3}) /.exec(received);
    socket.setTimeout(5000, () => socket.destroy(new Error('raw request timed out')));
    socket.on('connect', () => socket.write(head));
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      const match = statusLine();
      if (match) {
        resolve(Number(match[1]));
        socket.destroy();
      }
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error(`no HTTP status line in the raw reply: ${JSON.stringify(received.slice(0, 80))}`)));
  });
}

/**
 * POSTs `body` on a connection of its own and returns the status as soon as it arrives. For a
 * body the server refuses unread: it then closes the connection (Node's adapters say
 * `Connection: close`; workerd drops that header and resets it), and a pooled connection would
 * hand that reset to the next test's request.
 */
function statusOnOwnConnection(base: string, path: string, headers: Record<string, string>, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(base + path, { method: 'POST', agent: false, headers, timeout: REQUEST_TIMEOUT_MS }, (res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
    });
    // Once the status is in, a reset of the unread upload is expected and ignored.
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.end(body);
  });
}

function attributes(setCookie: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of setCookie.split(';').slice(1)) {
    const [name, ...rest] = part.trim().split('=');
    out.set(name!.toLowerCase(), rest.join('='));
  }
  return out;
}

/** One served suite run: the two apps and the backend behind them. */
export interface SuiteFixture {
  /** The routes behind the plain manager. */
  app: ServedApp;
  /** The routes behind a manager whose cookies are `Secure`. */
  secureApp: ServedApp;
  /** Changes the backend (see `Steering`) and reports its state. */
  steer(steering: Steering): Promise<BackendState>;
  close(): Promise<void>;
}

/** Runs the whole suite against one adapter in this process, with an async store and with a synchronous one. */
export function adapterSuite(name: string, serve: ServeAdapter): void {
  const local = async (kind: StoreKind): Promise<SuiteFixture> => {
    const backend = new SuiteBackend(kind);
    const app = await serve(backend.manager, ROUTES);
    const secureApp = await serve(backend.secureManager, ROUTES);
    return {
      app,
      secureApp,
      steer: async (steering) => backend.steer(steering),
      close: async () => {
        await app.close();
        await secureApp.close();
        await backend.close();
      },
    };
  };
  remoteAdapterSuite(name, local);
}

/**
 * Runs the whole suite against apps that `start` serves anywhere (another process or runtime)
 * from ./suite-app.ts's `SuiteBackend`, once per store kind.
 */
export function remoteAdapterSuite(name: string, start: (kind: StoreKind) => Promise<SuiteFixture>): void {
  suiteWith(name, 'async store', start);
  suiteWith(name, 'synchronous store', start);
}

function suiteWith(name: string, kind: StoreKind, start: (kind: StoreKind) => Promise<SuiteFixture>): void {
  describe(`adapter: ${name} (${kind})`, () => {
    let fixture: SuiteFixture;
    let app: ServedApp;
    let secureApp: ServedApp;
    const steer = (steering: Steering) => fixture.steer(steering);
    const storeCalls = async () => (await steer({})).calls;
    /** The warning and error events (`security.*`, `store.outage-*`) the app's manager emitted while `fn` ran. */
    async function warningsDuring(fn: () => Promise<unknown>): Promise<string[]> {
      const before = (await steer({})).warnings.length;
      await fn();
      return (await steer({})).warnings.slice(before);
    }
    /** Adapters that report a handler bug do so with a 'CloakroomHandlerError' warning: asserted, not printed. */
    let warnings: WarningCapture;
    const get = (path: string, cookie?: string) => request(app.url, path, { cookie });

    /** A session holding `value`, as its cookie pair. */
    async function login(value: string): Promise<string> {
      const reply = await get(`/set?value=${value}`);
      assert.equal(reply.status, 200);
      assert.ok(reply.cookie, 'a write issues a session cookie');
      return reply.cookie;
    }

    before(async () => {
      warnings = captureWarnings(['CloakroomHandlerError']);
      fixture = await start(kind);
      ({ app, secureApp } = fixture);
      assert.equal((await steer({})).synchronous, kind === 'synchronous store', 'the store answers the way this run means to test');
    });
    after(async () => {
      await fixture?.close();
      await settle();
      const stray = warnings.take();
      warnings.stop();
      assert.deepEqual(stray.map((w) => w.message), [], 'no handler error outside the tests that provoke one');
    });

    it('sends no cookie and calls no store when the session is untouched', async () => {
      const before = await storeCalls();
      const reply = await get('/plain');
      assert.equal(reply.status, 200);
      assert.equal(reply.body, 'plain');
      assert.deepEqual(reply.setCookies, []);
      assert.doesNotMatch(reply.headers.get('vary') ?? '', /cookie/i);
      assert.equal(await storeCalls(), before, 'no store call for a cookieless, untouched request');
    });

    it('reads without writing: Vary: Cookie, no Set-Cookie, no store call', async () => {
      const before = await storeCalls();
      const reply = await get('/read');
      assert.equal(reply.body, 'null');
      assert.match(reply.headers.get('vary') ?? '', /cookie/i);
      assert.deepEqual(reply.setCookies, []);
      assert.equal(await storeCalls(), before);
    });

    it('sets the session cookie with the default attributes and keeps it out of shared caches', async () => {
      const reply = await get('/set?value=a');
      assert.equal(reply.setCookies.length, 1);
      const attrs = attributes(reply.setCookies[0]!);
      assert.match(reply.cookie ?? '', /^sessionid=[^;]{40,}$/);
      assert.ok(attrs.has('httponly'));
      assert.equal(attrs.get('samesite')?.toLowerCase(), 'lax');
      assert.equal(attrs.get('path'), '/');
      assert.equal(attrs.get('max-age'), String(SUITE_MAX_AGE));
      assert.ok(attrs.has('expires'));
      assert.ok(!attrs.has('secure'), 'Secure only when configured');
      assert.match(reply.headers.get('vary') ?? '', /cookie/i);
      assert.match(reply.headers.get('cache-control') ?? '', /private/);
      assert.equal((await get('/read', reply.cookie)).body, '"a"');
    });

    it('marks the cookie Secure when configured', async () => {
      const reply = await request(secureApp.url, '/set?value=s');
      assert.ok(attributes(reply.setCookies[0] ?? '').has('secure'), reply.setCookies[0]);
    });

    it('saves nothing when the response is a 5xx', async () => {
      const fresh = await get('/set-fail?value=lost');
      assert.equal(fresh.status, 500);
      assert.deepEqual(fresh.setCookies, [], 'no session is created by a failed response');
      const cookie = await login('kept');
      const failed = await get('/set-fail?value=lost', cookie);
      assert.equal(failed.status, 500);
      assert.equal((await get('/read', cookie)).body, '"kept"');
    });

    it('a handler that throws gets a 500 that saves nothing, yet a flush in it still ends the old session', async () => {
      const cookie = await login('kept');
      const thrown = await get('/set-throw?value=lost', cookie);
      assert.equal(thrown.status, 500);
      assert.deepEqual(thrown.setCookies, []);
      assert.equal((await get('/read', cookie)).body, '"kept"');
      assert.equal((await get('/logout-throw', cookie)).status, 500);
      assert.equal((await get('/read', cookie)).body, 'null', 'a logout is not undone by a 500');
      await settle();
      // Reported by a warning (node:http) or by the framework's own error handling (none here).
      const reported = warnings.take();
      assert.ok(reported.length === 0 || reported.length === 2, `${reported.length} handler-error warnings for 2 handler bugs`);
      for (const w of reported) assert.ok(isDeliberateBug(w), `an unexpected handler error: ${w.stack}`);
    });

    it('commits before the redirect goes out: the next request sees the value at once (express-session #360)', async () => {
      const cookie = await login('before');
      await steer({ writeDelayMs: 60 }); // a slow store makes a save that trails the response visible
      try {
        for (let i = 0; i < 3; i++) {
          const redirect = await get(`/set-redirect?value=after${i}`, cookie);
          assert.equal(redirect.status, 302);
          const location = new URL(redirect.headers.get('location') ?? '', app.url);
          assert.equal(location.pathname, '/read');
          const followed = await get(location.pathname, cookie);
          assert.equal(followed.body, `"after${i}"`);
        }
        const fresh = await get('/set-redirect?value=new');
        assert.equal(fresh.status, 302);
        assert.ok(fresh.cookie, 'a new session’s cookie rides on the redirect');
        assert.equal((await get('/read', fresh.cookie)).body, '"new"');
      } finally {
        await steer({ writeDelayMs: 0 });
      }
    });

    it('flush deletes the cookie (Max-Age=0) and the stored record', async () => {
      const cookie = await login('ada');
      const reply = await get('/logout', cookie);
      assert.equal(reply.status, 302);
      assert.equal(reply.setCookies.length, 1);
      assert.equal(reply.cookie, 'sessionid=');
      const attrs = attributes(reply.setCookies[0]!);
      assert.equal(attrs.get('max-age'), '0');
      assert.equal(attrs.get('path'), '/');
      assert.equal(attrs.get('samesite')?.toLowerCase(), 'lax');
      assert.equal((await get('/read', cookie)).body, 'null', 'the old cookie no longer opens the session');
    });

    it('cycleKey issues a new cookie, keeps the data and kills the old ID', async () => {
      const cookie = await login('fixated');
      const reply = await get('/cycle', cookie);
      assert.equal(reply.status, 200);
      assert.ok(reply.cookie && reply.cookie !== cookie, 'a new session ID');
      assert.equal((await get('/read', reply.cookie)).body, '"fixated"');
      assert.equal((await get('/read', cookie)).body, 'null');
    });

    it('enforces expiry on the server from the stored record', async () => {
      const expiring = await login('old');
      const kept = await login('young');
      try {
        await steer({ clockOffsetMs: (SUITE_MAX_AGE - 60) * 1000 });
        assert.equal((await get('/read', kept)).body, '"young"', 'still alive just before expiry (and renewed)');
        await steer({ clockOffsetMs: (SUITE_MAX_AGE + 60) * 1000 });
        const reply = await get('/read', expiring);
        assert.equal(reply.status, 200);
        assert.equal(reply.body, 'null', 'the browser still sends it, the server refuses it');
        assert.equal(attributes(reply.setCookies[0] ?? '').get('max-age'), '0', 'and tells the browser to drop it');
        assert.equal((await get('/read', kept)).body, '"young"', 'the renewed session lives on');
      } finally {
        await steer({ clockOffsetMs: 0 });
      }
    });

    describe('CSRF', () => {
      const form = (token: string) => ({ 'content-type': 'application/x-www-form-urlencoded' as const, body: `csrf_token=${encodeURIComponent(token)}&x=1` });
      async function tokenSession(): Promise<{ cookie: string; token: string }> {
        const reply = await get('/csrf-token');
        assert.equal(reply.status, 200);
        assert.ok(reply.cookie);
        return { cookie: reply.cookie, token: reply.body };
      }
      const post = (cookie: string | undefined, headers: Record<string, string>, body?: string) =>
        request(app.url, '/protected', { method: 'POST', cookie, headers, body });

      it('refuses a POST without a token (403), and says so to the operator', async () => {
        const { cookie } = await tokenSession();
        const warned = await warningsDuring(async () => {
          for (const c of [cookie, undefined]) {
            const reply = await post(c, { 'content-type': 'application/x-www-form-urlencoded' }, 'x=1');
            assert.equal(reply.status, 403);
            assert.equal(reply.body, publicMessage(new SessionError('ERR_CSRF', '')));
          }
        });
        assert.deepEqual(warned, ['security.csrf-refused', 'security.csrf-refused']);
        assert.equal((await get('/read', cookie)).status, 200);
      });

      it('refuses a token of another session (403), in a header or a form field', async () => {
        const mine = await tokenSession();
        const theirs = await tokenSession();
        assert.equal((await post(mine.cookie, { 'x-csrf-token': theirs.token })).status, 403);
        const { body, ...headers } = form(theirs.token);
        assert.equal((await post(mine.cookie, headers, body)).status, 403);
        assert.equal((await post(mine.cookie, { 'x-csrf-token': 'A'.repeat(86) })).status, 403);
      });

      it('refuses a malformed form body with a 4xx, never a 5xx', async () => {
        const { cookie } = await tokenSession();
        const bodies: Array<[string, string]> = [
          ['multipart/form-data; boundary=zzz', '--zzz\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\nunterminated'],
          ['application/x-www-form-urlencoded', 'csrf_token=%E0%A4%A&%%%=&=&&'],
        ];
        for (const [type, body] of bodies) {
          const reply = await post(cookie, { 'content-type': type }, body);
          // 403 from the CSRF check, or 415 where the framework has no parser for the type.
          assert.ok(reply.status === 403 || reply.status === 415, `${type}: status ${reply.status}`);
        }
      });

      it('refuses an oversized form body with 413, never a 5xx', async () => {
        const mine = await tokenSession();
        const body = `csrf_token=${encodeURIComponent(mine.token)}&pad=${'x'.repeat(2 * 1024 * 1024)}`;
        const status = await statusOnOwnConnection(app.url, '/protected', { cookie: mine.cookie, 'content-type': 'application/x-www-form-urlencoded' }, body);
        assert.equal(status, 413);
      });

      it('accepts the session’s own token in the header or the form field', async () => {
        const mine = await tokenSession();
        const viaHeader = await post(mine.cookie, { 'x-csrf-token': mine.token });
        assert.equal(viaHeader.status, 200);
        assert.equal(viaHeader.body, 'accepted');
        const { body, ...headers } = form(mine.token);
        const viaForm = await post(mine.cookie, headers, body);
        assert.equal(viaForm.status, 200);
        assert.equal(viaForm.body, 'accepted');
      });
    });

    describe('malformed cookies are no session, never a 5xx', () => {
      const signer = new Signer([SUITE_SECRET]);
      const MALFORMED = 'security.malformed-cookie';
      const FORGED = 'security.bad-signature';
      // Each case: the Cookie header, and the warning an operator sees for it (none for a
      // well-signed ID whose session is gone: that is an expired session, not an attack).
      const cases: Array<[string, () => Promise<string>, string[]]> = [
        ['garbage', async () => 'sessionid=%%%garbage;;=;', [MALFORMED]],
        ['unsigned ID', async () => `sessionid=${generateSessionId()}`, [MALFORMED]],
        ['signed unknown ID', async () => `sessionid=${signer.sign(generateSessionId())}`, []],
        ['tampered signature', async () => (await login('victim')).replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')), [FORGED]],
        ['tampered ID', async () => (await login('victim')).replace(/=./, (m) => (m === '=A' ? '=B' : '=A')), [FORGED]],
        ['duplicated, forged first', async () => `sessionid=forged; ${await login('victim')}`, [MALFORMED]],
        ['5 KB cookie', async () => `sessionid=${'a'.repeat(5 * 1024)}`, [MALFORMED]],
        ['5 KB of other cookies', async () => `${'x'.repeat(5 * 1024)}=1; sessionid=junk`, [MALFORMED]],
        ['__proto__ names', async () => '__proto__=x; constructor=y; sessionid=__proto__', [MALFORMED]],
      ];
      for (const [label, cookieHeader, expected] of cases) {
        it(label, async () => {
          const cookie = await cookieHeader();
          let reply: Reply | undefined;
          const warned = await warningsDuring(async () => (reply = await get('/read', cookie)));
          assert.equal(reply!.status, 200);
          assert.equal(reply!.body, 'null');
          assert.deepEqual(warned, expected, 'what the operator is told');
        });
      }

      it('duplicated, valid first: never a 5xx', async () => {
        const reply = await get('/read', `${await login('twice')}; sessionid=forged`);
        assert.equal(reply.status, 200);
      });

      it('non-ASCII bytes', async () => {
        const head = Buffer.concat([
          Buffer.from('GET /read HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nCookie: sessionid=', 'latin1'),
          Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xe9, 0x80]),
          Buffer.from('; \u00e9t\u00e9=\u00ff\r\n\r\n', 'latin1'),
        ]);
        assert.equal(await rawStatus(app.url, head), 200);
      });
    });

    describe('a failing store', () => {
      const failing = async <T>(fn: () => Promise<T>): Promise<T> => {
        await steer({ failing: true });
        try {
          return await fn();
        } finally {
          await steer({ failing: false });
        }
      };
      const unavailable = publicMessage(new SessionError('ERR_STORE_UNAVAILABLE', ''));

      // The operator hears of an outage twice: when it begins and when it ends, however many
      // requests fail in between (these three tests are one outage, in order).
      it('answers 503 when the load fails (the outage begins)', async () => {
        const cookie = await login('x');
        let reply: Reply | undefined;
        const warned = await warningsDuring(async () => (reply = await failing(() => get('/read', cookie))));
        assert.equal(reply!.status, 503);
        assert.equal(reply!.body, unavailable);
        assert.equal(reply!.headers.get('retry-after'), '1');
        assert.deepEqual(reply!.setCookies, []);
        assert.deepEqual(warned, ['store.outage-began']);
      });

      it('answers 503 instead of the response when the commit fails (the same outage: nothing new to tell)', async () => {
        const warned = await warningsDuring(async () => {
          const plain = await failing(() => get('/set?value=x'));
          assert.equal(plain.status, 503);
          assert.equal(plain.body, unavailable);
          assert.deepEqual(plain.setCookies, []);
          const redirect = await failing(() => get('/set-redirect?value=x'));
          assert.equal(redirect.status, 503, 'the redirect is not sent when its save failed');
          assert.equal(redirect.headers.get('location'), null);
        });
        assert.deepEqual(warned, []);
      });

      it('keeps serving once the store is back (the outage ends)', async () => {
        const warned = await warningsDuring(async () => {
          await failing(() => get('/set?value=x'));
          const cookie = await login('back');
          assert.equal((await get('/read', cookie)).body, '"back"');
        });
        assert.deepEqual(warned, ['store.outage-ended']);
      });
    });
  });
}
