/**
 * The demo's HTTP tests, as one suite run against each (framework, store) pair by
 * demo.test.ts (the demo in this process), and against the demo served by Bun, Deno and
 * workerd as processes of their own (test/runtimes): real fetches to a real server on loopback.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { DemoConfig, FrameworkName } from '../../examples/seed/config.ts';
import { csrfFrom, heading, rawGet, startTestDemo, Visitor } from './harness.ts';
import type { SessionStore, StatelessStore } from '../../src/core/store.ts';
import { REQUEST_TIMEOUT_MS } from '../helpers/timed-request.ts';

export interface SuiteOptions {
  framework: FrameworkName;
  /** SESSION_STORE URL, built once the suite runs (so temp folders exist then). */
  store: () => string;
  /** Expected prefix of the opened store's `name`, proving the URL chose that store. */
  storeName: string;
  /** More `createStore` options (a per-run `table`). */
  storeOptions?: DemoConfig['storeOptions'];
  /** The store keeps sessions in the cookie: no server-side listing or revocation to test. */
  stateless?: boolean;
  skip?: false | string;
}

/** The demo in this process, on `framework` and the store its URL names. */
export function seedAppSuite({ framework, store, storeName, storeOptions, stateless = false, skip = false }: SuiteOptions): void {
  demoHttpSuite(
    `seed demo on ${framework} with ${storeName}`,
    async () => {
      const demo = await startTestDemo(framework, store(), storeOptions);
      return { url: demo.url, close: () => demo.close(), store: demo.app.store, warnings: demo.take };
    },
    { storeName, stateless, skip },
  );
}

/** A running demo: its URL, and its store when it runs in this process. */
export interface ServedDemo {
  url: string;
  close(): Promise<void>;
  store?: SessionStore | StatelessStore;
  /**
   * When it runs in this process: the warnings its manager reported since the last call (taken
   * instead of printed; `captureEvents` in test/helpers/observe.ts), for the tests that provoke them.
   */
  warnings?: () => string[];
}

export interface DemoHttpOptions {
  /** The demo runs in this process: its store's name must start with this, and the store is read. */
  storeName?: string;
  stateless?: boolean;
  /**
   * Also test what Node's HTTP server decides (default true): a refused upload answered 413
   * while the client still sends, and a Cookie header past Node's 16 KiB header limit. On Bun,
   * Deno and wrangler dev the server, not cloakroom, decides what happens to such a connection
   * (Bun closes at once and the client sees a reset; Deno may read the rest; wrangler dev's proxy
   * answers 413, 500 or a reset; Deno and workerd take a 20 KB header). The adapter suite's
   * declared oversized body (413) and the cookie size cap run there instead.
   */
  nodeLimits?: boolean;
  skip?: false | string;
}

/** The demo's HTTP tests against whatever `start` serves (in this process or not). */
export function demoHttpSuite(label: string, start: () => Promise<ServedDemo>, { storeName, stateless = false, nodeLimits = true, skip = false }: DemoHttpOptions = {}): void {
  describe(label, { skip }, () => {
    let demo: ServedDemo;
    let base: string;
    const visitor = (ua?: string) => new Visitor(base, ua);

    before(async () => {
      demo = await start();
      base = demo.url;
    });
    after(async () => {
      await demo?.close();
    });

    if (storeName !== undefined) it('runs on the store its URL names', () => {
      assert.ok(demo.store!.name.startsWith(storeName), `store is ${demo.store!.name}`);
    });

    it('GET / is the seed login form with a CSRF input', async () => {
      const page = await visitor().get('/');
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-type') ?? '', /^text\/html; charset=utf-8/);
      assert.match(page.body, /<title>Login<\/title>/);
      assert.match(page.body, /<form method="post" action="\/">/);
      assert.match(page.body, /<label>Enter Name<\/label>/);
      assert.match(page.body, /<input type="text" name="username" required/);
      assert.match(page.body, /<input type="submit" value="Login">/);
      assert.equal(csrfFrom(page.body).length, 86);
      // The form's CSRF secret lives in a signed cookie of its own: an anonymous visitor has no
      // session and costs the store nothing (issue 13 §4).
      assert.equal(page.headers.getSetCookie().find((c) => c.startsWith('sessionid=')), undefined, 'the login page starts no session');
      const cookie = page.headers.getSetCookie().find((c) => c.startsWith('csrftoken='));
      assert.ok(cookie, 'the form sets the CSRF cookie');
      assert.match(cookie, /HttpOnly/i);
      assert.match(cookie, /SameSite=Lax/i);
      assert.match(cookie, /Path=\//);
    });

    if (!stateless && storeName !== undefined) it('a crawler of the login page leaves the store as it was (no record per GET)', async () => {
      const store = demo.store as SessionStore;
      const before = await store.stats(Date.now());
      for (let i = 0; i < 20; i++) assert.equal((await visitor().get('/')).status, 200);
      assert.equal((await store.stats(Date.now())).live, before.live);
    });

    it('logs in, shows Welcome, NAME!, keeps it across requests, logs out to Guest', async () => {
      const v = visitor();
      // An anonymous session (a theme) whose ID a fixation attacker could have planted.
      await v.post('/preferences/', { theme: 'dark' });
      const anonymousCookie = v.cookie;
      assert.ok(anonymousCookie, 'a theme starts a session');
      const login = await v.login('ada');
      assert.equal(login.status, 302);
      assert.equal(login.headers.get('location'), '/home/');
      assert.ok(v.cookie && v.cookie !== anonymousCookie, 'login issues a new session ID (cycleKey)');

      for (let i = 0; i < 2; i++) {
        const home = await v.get('/home/');
        assert.equal(home.status, 200);
        assert.match(home.body, /<title>Home<\/title>/);
        assert.equal(heading(home.body), 'Welcome, ada!');
        assert.match(home.body, /<a href="\/logout\/">Clear Session \(Logout\)<\/a>/);
      }

      // The pre-login ID is dead: a fixated cookie gains nothing.
      const fixated = new Visitor(base);
      fixated.cookie = anonymousCookie;
      assert.equal(heading((await fixated.get('/home/')).body), 'Welcome, Guest!');

      const loggedInCookie = v.cookie;
      const logout = await v.get('/logout/');
      assert.equal(logout.status, 302);
      assert.equal(logout.headers.get('location'), '/');
      assert.ok(logout.headers.getSetCookie().some((c) => /^sessionid=;/.test(c) && /Max-Age=0/i.test(c)), 'logout deletes the cookie');
      assert.equal(v.cookie, undefined);
      assert.equal(heading((await v.get('/home/')).body), 'Welcome, Guest!');

      if (stateless) return; // a sealed cookie stays valid until it expires: nothing on the server to delete
      // The flushed record is gone from the store, not just from the browser.
      const replay = new Visitor(base);
      replay.cookie = loggedInCookie;
      assert.equal(heading((await replay.get('/home/')).body), 'Welcome, Guest!');
    });

    it('GET /home/ without a cookie is Guest and sets no cookie', async () => {
      const page = await visitor().get('/home/');
      assert.equal(page.status, 200);
      assert.equal(heading(page.body), 'Welcome, Guest!');
      assert.deepEqual(page.headers.getSetCookie(), []);
    });

    it('refuses a login without a CSRF token or with another session\'s token (403)', async () => {
      demo.warnings?.();
      const v = visitor();
      await v.get('/');
      const missing = await v.post('/', { username: 'mallory' }, { csrf: false });
      assert.equal(missing.status, 403);
      assert.match(missing.body, /CSRF/);

      const other = visitor();
      const foreignToken = await other.csrfToken();
      const foreign = await v.post('/', { username: 'mallory', csrf_token: foreignToken });
      assert.equal(foreign.status, 403);

      const garbage = await v.post('/', { username: 'mallory', csrf_token: 'x'.repeat(86) });
      assert.equal(garbage.status, 403);
      assert.equal(heading((await v.get('/home/')).body), 'Welcome, Guest!', 'nothing was stored');

      const noSession = await visitor().post('/', { username: 'mallory', csrf_token: foreignToken });
      assert.equal(noSession.status, 403);
      if (demo.warnings) assert.deepEqual(demo.warnings(), ['security.csrf-refused missing', ...Array(3).fill('security.csrf-refused invalid')]);
    });

    it('refuses every other POST without a token (403)', async () => {
      const v = visitor();
      await v.login('ada');
      demo.warnings?.();
      for (const [path, fields] of [
        ['/preferences/', { theme: 'dark' }],
        ['/cart/', { action: 'add', item: 'hat' }],
        ['/progress/', {}],
        ['/sessions/', { action: 'revoke-others' }],
      ] as const) {
        const page = await v.post(path, fields, { csrf: false });
        assert.equal(page.status, 403, path);
      }
      if (demo.warnings) assert.deepEqual(demo.warnings(), Array(4).fill('security.csrf-refused missing'));
      assert.match((await v.get('/preferences/')).body, /<body class="theme-light">/);
    });

    it('rejects an empty or over-long name with 400 and the form', async () => {
      const v = visitor();
      for (const name of ['', '   ', 'x'.repeat(101)]) {
        const page = await v.login(name);
        assert.equal(page.status, 400, JSON.stringify(name));
        assert.match(page.body, /<label>Enter Name<\/label>/);
        assert.match(page.body, /class="error"/);
      }
    });

    if (nodeLimits) it('answers a form body over 8 KiB with 413, declared or streamed', async () => {
      const v = visitor();
      const token = await v.csrfToken();
      const big = new URLSearchParams({ csrf_token: token, username: 'x'.repeat(64 * 1024) }).toString();
      const headers = { 'content-type': 'application/x-www-form-urlencoded', cookie: v.cookies() };
      const declared = await fetch(`${base}/`, { method: 'POST', headers, body: big, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      assert.equal(declared.status, 413);
      assert.match(await declared.text(), /8 KiB/);

      const CHUNK = new TextEncoder().encode('a'.repeat(64 * 1024));
      const OFFER = 64 * 1024 * 1024;
      let sent = 0;
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          // Without a Content-Length the limit is found while reading. A server that read it all
          // would take the whole 64 MiB; one that stops takes what the socket buffers hold.
          if (sent >= OFFER) return controller.close();
          sent += CHUNK.byteLength;
          controller.enqueue(CHUNK);
        },
      });
      const streamed = await fetch(`${base}/`, {
        method: 'POST',
        headers,
        body: stream,
        duplex: 'half',
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      } as RequestInit);
      assert.equal(streamed.status, 413);
      await streamed.body?.cancel();
      assert.ok(sent < OFFER, `stopped reading early (the client sent ${sent} bytes)`);

      assert.equal((await v.get('/home/')).status, 200, 'the server still answers');
    });

    it('answers a non-form body with 415', async () => {
      const v = visitor();
      await v.get('/');
      const res = await fetch(`${base}/`, {
        method: 'POST',
        headers: { 'content-type': 'application/xml', cookie: v.cookies() },
        body: '<username>ada</username>',
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      assert.equal(res.status, 415);
    });

    it('answers an unknown route with a 404 page (path escaped) and a wrong method with 405', async () => {
      const v = visitor();
      const missing = await v.get('/no/such/<page>');
      assert.equal(missing.status, 404);
      assert.match(missing.body, /404 Page not found/);
      assert.doesNotMatch(missing.body, /<page>/);
      assert.equal((await v.post('/nowhere/', {})).status, 404);

      const wrong = await fetch(`${base}/home/`, { method: 'DELETE', signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      assert.equal(wrong.status, 405);
      assert.equal(wrong.headers.get('allow'), 'GET, HEAD');
      const put = await fetch(`${base}/`, { method: 'PUT', signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      assert.equal(put.status, 405);
      assert.equal(put.headers.get('allow'), 'GET, HEAD, POST');

      const head = await fetch(`${base}/home/`, { method: 'HEAD', signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      assert.equal(head.status, 200);
      assert.equal(await head.text(), '');

      const slashless = await v.get('/home');
      assert.equal(slashless.status, 301);
      assert.equal(slashless.headers.get('location'), '/home/');
    });

    it('treats malformed, duplicated, oversized, non-UTF-8, tampered and __proto__ cookies as no session, never 5xx', async () => {
      const v = visitor();
      await v.login('ada');
      const valid = v.cookie!;
      const value = valid.slice('sessionid='.length);
      const tampered = `sessionid=${value.slice(0, -1)}${value.endsWith('A') ? 'B' : 'A'}`;
      const otherSecret = `sessionid=${value.split('.')[0]}.${'A'.repeat(43)}`;
      const headers = [
        'sessionid=%%%',
        'sessionid',
        ';;;;=;=;',
        'sessionid="unterminated',
        `sessionid=${value.split('.')[0]}`, // unsigned ID
        tampered,
        otherSecret,
        'sessionid=x; sessionid=y',
        `sessionid=${'a'.repeat(12_000)}`,
        `theme=${'b'.repeat(7000)}; sessionid=${'c'.repeat(7000)}`,
        'sessionid=\xff\xfe\xfd.\x80\x81',
        '\xc3\x28=\xa0\xa1; sessionid=\xe2\x28\xa1',
        '__proto__=1',
        '__proto__=x; constructor=y; prototype=z; sessionid=__proto__',
        'sessionid=__proto__.toString',
      ];
      for (const cookie of headers) {
        const page = await rawGet(`${base}/home/`, { cookie });
        assert.ok(page.status < 500, `${JSON.stringify(cookie.slice(0, 40))} → ${page.status}`);
        assert.equal(page.status, 200, JSON.stringify(cookie.slice(0, 40)));
        assert.equal(heading(page.body), 'Welcome, Guest!', JSON.stringify(cookie.slice(0, 40)));
      }

      if (nodeLimits) {
        // A cookie header too large for Node itself (over 16 KiB of headers) is refused by the server: 431, not 5xx.
        // Node may close the socket while the client is still writing, which the client sees as a reset.
        const huge = await rawGet(`${base}/home/`, { cookie: `sessionid=${'d'.repeat(20_000)}` }).then(
          (page) => page.status,
          (err: NodeJS.ErrnoException) => err.code,
        );
        assert.ok(huge === 431 || huge === 'ECONNRESET', `oversized header → ${huge}`);
      }

      // Each was reported as a refusal, never as anything worse (a store failure, a corrupted
      // record). The cookie store cannot tell a forged sealed cookie from a garbled one, and reports neither.
      if (demo.warnings) {
        const refusals = demo.warnings();
        const expected = stateless ? ['security.malformed-cookie oversized'] : ['security.bad-signature', 'security.malformed-cookie oversized', 'security.malformed-cookie format'];
        assert.deepEqual(expected.filter((r) => !refusals.includes(r)), [], refusals.join('\n'));
        assert.deepEqual(refusals.filter((r) => !/^security\.(bad-signature|malformed-cookie)/.test(r)), []);
      }

      // Odd neighbours do not hide a good session cookie.
      const withProto = await rawGet(`${base}/home/`, { cookie: `__proto__=x; constructor=y; ${valid}` });
      assert.equal(heading(withProto.body), 'Welcome, ada!');
      assert.equal(heading((await v.get('/home/')).body), 'Welcome, ada!', 'the real session survived all of it');
    });

    it('HTML-escapes names everywhere they are shown', async () => {
      const evil = '<script>alert("x")</script>&\'';
      const v = visitor('<img src=x onerror=alert(1)>');
      assert.equal((await v.login(evil)).status, 302);
      const home = await v.get('/home/');
      assert.equal(heading(home.body), 'Welcome, &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;!');
      assert.doesNotMatch(home.body, /<script>/);
      const sessions = await v.get('/sessions/');
      assert.match(sessions.body, /&lt;script&gt;alert/);
      if (!stateless) assert.match(sessions.body, /&lt;img src=x onerror=alert\(1\)&gt;/);
      assert.doesNotMatch(sessions.body, /<script>|<img/);
      assert.match(home.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    });

    it('applies the chosen theme on every page', async () => {
      const v = visitor();
      await v.get('/');
      assert.match((await v.get('/preferences/')).body, /<body class="theme-light">/);
      const saved = await v.post('/preferences/', { theme: 'dark' });
      assert.equal(saved.status, 303);
      assert.equal(saved.headers.get('location'), '/preferences/');
      for (const path of ['/', '/home/', '/preferences/', '/cart/', '/progress/', '/sessions/', '/missing/']) {
        const page = await v.get(path);
        assert.match(page.body, /<body class="theme-dark">/, path);
      }
      await v.login('ada');
      assert.match((await v.get('/home/')).body, /<body class="theme-dark">/, 'the theme survives login');
      assert.match((await v.get('/preferences/')).body, /value="dark" checked/);
      assert.equal((await v.post('/preferences/', { theme: 'neon' })).status, 400);
      await v.post('/preferences/', { theme: 'light' });
      assert.match((await v.get('/home/')).body, /<body class="theme-light">/);
      assert.match((await visitor().get('/home/')).body, /<body class="theme-light">/, 'another visitor keeps the default');
    });

    it('adds and removes cart items', async () => {
      const v = visitor();
      const rows = async () =>
        [...(await v.get('/cart/')).body.matchAll(/<tr><td>(\w+)<\/td><td>(\d+)<\/td>/g)].map((m) => `${m[1]}×${m[2]}`);
      assert.match((await v.get('/cart/')).body, /Your cart is empty/);
      for (const item of ['hat', 'hat', 'scarf']) {
        const res = await v.post('/cart/', { action: 'add', item });
        assert.equal(res.status, 303);
        assert.equal(res.headers.get('location'), '/cart/');
      }
      assert.deepEqual(await rows(), ['Hat×2', 'Scarf×1']);
      await v.post('/cart/', { action: 'remove', item: 'hat' });
      assert.deepEqual(await rows(), ['Hat×1', 'Scarf×1']);
      await v.post('/cart/', { action: 'remove', item: 'scarf' });
      await v.post('/cart/', { action: 'remove', item: 'gloves' });
      assert.deepEqual(await rows(), ['Hat×1']);
      for (const item of ['__proto__', 'constructor', 'car']) {
        assert.equal((await v.post('/cart/', { action: 'add', item })).status, 400, item);
      }
      assert.equal((await v.post('/cart/', { action: 'steal', item: 'hat' })).status, 400);
      assert.deepEqual(await rows(), ['Hat×1']);
      assert.match((await visitor().get('/cart/')).body, /Your cart is empty/, 'carts are per visitor');
    });

    it('counts page views on /progress/ once there is a session', async () => {
      const v = visitor();
      const first = await v.get('/home/');
      assert.deepEqual(first.headers.getSetCookie(), [], 'a first visit is not counted into a new session');
      // The login page starts no session; a theme does (not counted: it was new).
      const token = csrfFrom((await v.get('/')).body);
      assert.equal((await v.post('/preferences/', { theme: 'light', csrf_token: token })).status, 303);
      for (let i = 0; i < 3; i++) await v.get('/home/');
      await v.get('/cart/');
      const count = (body: string, path: string) => Number(new RegExp(`<a href="${path}">${path}</a></td><td>(\\d+)<`).exec(body)?.[1]);
      const progress = (await v.get('/progress/')).body;
      assert.equal(count(progress, '/home/'), 3);
      assert.equal(count(progress, '/cart/'), 1);
      assert.equal(count(progress, '/progress/'), 1);
      assert.equal(count(progress, '/'), 0);
      assert.match(progress, /<strong id="total">5<\/strong>/);
      assert.match(progress, /<strong id="visited">3<\/strong>/);

      const reset = await v.post('/progress/', { csrf_token: token });
      assert.equal(reset.status, 303);
      const after = (await v.get('/progress/')).body;
      assert.equal(count(after, '/home/'), 0);
      assert.match(after, /<strong id="total">1<\/strong>/);
    });

    // Only a stateless store has this page state; server stores get the listing test below instead.
    if (stateless) it('says so on /sessions/ when the store cannot list sessions', async () => {
      const v = visitor();
      await v.login('ada');
      const page = await v.get('/sessions/');
      assert.equal(page.status, 200);
      assert.match(page.body, /cannot list or sign out/);
      assert.equal((await v.post('/sessions/', { action: 'revoke-others' })).status, 303);
      assert.match((await v.get('/sessions/')).body, /Signed in as/);
      assert.equal(heading((await v.get('/home/')).body), 'Welcome, ada!');
    });

    if (!stateless) it('lists a user\'s sessions from two cookie jars and signs out one or all others', async () => {
      const name = `ada-${Math.random().toString(36).slice(2, 8)}`;
      const laptop = visitor('Laptop Browser');
      const phone = visitor('Phone Browser');
      const tablet = visitor('Tablet Browser');
      const stranger = visitor('Stranger Browser');
      await laptop.login(name);
      await phone.login(name);
      await tablet.login(name);
      await stranger.login(`${name}-other`);

      const list = (await laptop.get('/sessions/')).body;
      assert.match(list, /Laptop Browser/);
      assert.match(list, /Phone Browser/);
      assert.match(list, /Tablet Browser/);
      assert.doesNotMatch(list, /Stranger Browser/);
      assert.match(list, /on 3 device\(s\)/);
      assert.match(list, /<tr class="current"><td>Laptop Browser<\/td>/);
      assert.equal([...list.matchAll(/This device/g)].length, 1);
      assert.match(list, /\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);

      // Sign out one: the phone's row has its own handle.
      const phoneRow = /<tr><td>Phone Browser<\/td>.*?name="handle" value="([^"]+)"/.exec(list);
      assert.ok(phoneRow, 'the phone row has a sign-out button');
      const token = csrfFrom(list);
      const one = await laptop.post('/sessions/', { action: 'revoke', handle: phoneRow[1]!, csrf_token: token });
      assert.equal(one.status, 303);
      assert.equal(heading((await phone.get('/home/')).body), 'Welcome, Guest!');
      assert.equal(heading((await tablet.get('/home/')).body), `Welcome, ${name}!`);

      // A handle that is not the user's own is refused.
      const strangerHandle = /<tr class="current"><td>Stranger Browser<\/td>/.test((await stranger.get('/sessions/')).body);
      assert.ok(strangerHandle);
      const bogus = await laptop.post('/sessions/', { action: 'revoke', handle: 'f'.repeat(64), csrf_token: token });
      assert.equal(bogus.status, 303);
      assert.match((await laptop.get('/sessions/')).body, /already ended/);

      // Sign out all others.
      const listNow = (await laptop.get('/sessions/')).body;
      const others = await laptop.post('/sessions/', { action: 'revoke-others', csrf_token: csrfFrom(listNow) });
      assert.equal(others.status, 303);
      assert.equal(heading((await tablet.get('/home/')).body), 'Welcome, Guest!');
      assert.equal(heading((await laptop.get('/home/')).body), `Welcome, ${name}!`);
      assert.equal(heading((await stranger.get('/home/')).body), `Welcome, ${name}-other!`, 'other users are untouched');
      const finalList = (await laptop.get('/sessions/')).body;
      assert.match(finalList, /Signed out 1 other session\(s\)\./);
      assert.match(finalList, /on 1 device\(s\)/);
      assert.match(finalList, /No other sessions/);
    });

    it('shows /sessions/ to a visitor who is not signed in without listing anything', async () => {
      const page = await visitor().get('/sessions/');
      assert.equal(page.status, 200);
      assert.match(page.body, /You are not signed in/);
      const v = visitor();
      await v.get('/');
      assert.equal((await v.post('/sessions/', { action: 'revoke-others' })).status, 403);
    });

    it('a different name logging in on the same browser starts clean', async () => {
      const v = visitor();
      await v.login('ada');
      await v.post('/cart/', { action: 'add', item: 'hat' });
      await v.login('bob');
      assert.equal(heading((await v.get('/home/')).body), 'Welcome, bob!');
      assert.match((await v.get('/cart/')).body, /Your cart is empty/);
    });

    it('links every page to the others', async () => {
      const page = await visitor().get('/home/');
      for (const href of ['/home/', '/preferences/', '/cart/', '/progress/', '/sessions/']) assert.match(page.body, new RegExp(`href="${href}"`));
    });
  });
}
