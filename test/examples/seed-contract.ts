/**
 * The seed app's contract, as one suite any implementation runs against over real HTTP: the
 * root demo, each runtime (Bun, Deno, workerd) and each full-stack example (Next.js, React
 * Router, SvelteKit, Nuxt, NestJS). It knows only what the seed tutorial fixes: `/` is a login
 * form with a `username` text input and a submit button, `/home/` says "Welcome, NAME!" or
 * "Welcome, Guest!", `/logout/` ends the session and returns to `/`. How a framework carries
 * its CSRF defence (a hidden token, a Server Action's fields, an Origin check) is its own
 * business: the client submits the form as a browser would, hidden fields, enctype and Origin
 * included.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { REQUEST_TIMEOUT_MS } from '../helpers/timed-request.ts';
import { chromiumOrSkip, launchChromium } from '../helpers/chromium.ts';

export interface ServedApp {
  url: string;
  close(): Promise<void>;
}

export interface ContractOptions {
  /** Skip reason (loud skips are the caller's job: see serviceOrSkip, chromiumOrSkip). */
  skip?: false | string;
  /** Also log in and out in headless Chromium. */
  browser?: boolean;
  /**
   * The app also serves the seed's use-case pages `/preferences/` (a `theme` radio: light/dark)
   * and `/cart/` (one form per shop item with a hidden `item` input, the first adds): then two
   * submissions changing different keys at once must both be kept (no lost update).
   */
  useCasePages?: boolean;
  /** Hang guard for the whole suite (starting a bundled app on a busy machine is slow). */
  timeout?: number;
}

export interface Response {
  status: number;
  url: string;
  body: string;
}

/** A browser-like client: a cookie jar, Origin on POSTs, redirects followed by hand (so each Set-Cookie is kept). */
export class Browserish {
  readonly jar = new Map<string, string>();
  constructor(readonly base: string) {}

  /** A copy of the cookies, to replay later. */
  snapshot(): Map<string, string> {
    return new Map(this.jar);
  }

  restore(cookies: Map<string, string>): void {
    this.jar.clear();
    for (const [k, v] of cookies) this.jar.set(k, v);
  }

  get(path: string): Promise<Response> {
    return this.send(path, { method: 'GET' });
  }

  /**
   * Fills the form that holds `input[name=username]`-like `fields` on `page` and submits it as a
   * browser would: every hidden input kept, the form's action, method and enctype honoured.
   */
  async submit(page: Response, fields: Record<string, string>): Promise<Response> {
    const form = formHolding(page.body, Object.keys(fields)[0]!);
    const data = new Map<string, string>(form.hidden);
    for (const [k, v] of Object.entries(fields)) data.set(k, v);
    const target = new URL(form.action || page.url, page.url);
    if (form.method === 'get') {
      for (const [k, v] of data) target.searchParams.set(k, v);
      return this.send(target.pathname + target.search, { method: 'GET' });
    }
    let body: FormData | URLSearchParams;
    if (form.enctype === 'multipart/form-data') {
      body = new FormData();
      for (const [k, v] of data) body.append(k, v);
    } else {
      body = new URLSearchParams([...data]);
    }
    return this.send(target.pathname + target.search, { method: 'POST', body });
  }

  /** A cross-site POST: the right fields, but from another origin and without the page's hidden fields. */
  postFromElsewhere(path: string, fields: Record<string, string>): Promise<Response> {
    return this.send(path, { method: 'POST', body: new URLSearchParams(fields), origin: 'https://evil.example' });
  }

  async send(path: string, init: { method: string; body?: FormData | URLSearchParams; origin?: string }, hops = 0): Promise<Response> {
    const url = new URL(path, this.base);
    const headers: Record<string, string> = { 'user-agent': 'SeedContract/1.0', accept: 'text/html' };
    const cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
    if (cookie) headers.cookie = cookie;
    if (init.method === 'POST') headers.origin = init.origin ?? this.base;
    const res = await fetch(url, { method: init.method, body: init.body, headers, redirect: 'manual', signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    this.#remember(res.headers.getSetCookie());
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      await res.arrayBuffer();
      if (hops >= 10) throw new Error(`more than 10 redirects from ${path}`);
      const next = new URL(location, url);
      const keepMethod = res.status === 307 || res.status === 308;
      return this.send(next.pathname + next.search, keepMethod ? init : { method: 'GET' }, hops + 1);
    }
    return { status: res.status, url: url.href, body: await res.text() };
  }

  #remember(lines: string[]): void {
    for (const line of lines) {
      const [pair, ...attributes] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = attributes.some((a) => {
        const [k, v = ''] = a.split('=').map((s) => s.trim());
        if (/^max-age$/i.test(k!)) return Number(v) <= 0;
        if (/^expires$/i.test(k!)) return Date.parse(v) <= Date.now();
        return false;
      });
      if (expired || value === '') this.jar.delete(name);
      else this.jar.set(name, value);
    }
  }
}

interface ParsedForm {
  action: string;
  method: string;
  enctype: string;
  hidden: Array<[string, string]>;
}

/** The form on the page that has an input named `field` (regexes are enough for server-rendered forms). */
export function formHolding(html: string, field: string): ParsedForm {
  for (const match of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const [, attrs, inner] = match;
    if (!new RegExp(`<input\\b[^>]*\\bname=["']?${field}["'\\s/>]`, 'i').test(inner!)) continue;
    const hidden: Array<[string, string]> = [];
    for (const input of inner!.matchAll(/<input\b([^>]*)>/gi)) {
      const a = input[1]!;
      if (!/\btype=["']?hidden/i.test(a)) continue;
      const name = attribute(a, 'name');
      if (name !== undefined) hidden.push([name, attribute(a, 'value') ?? '']);
    }
    return {
      action: attribute(attrs!, 'action') ?? '',
      method: (attribute(attrs!, 'method') ?? 'get').toLowerCase(),
      enctype: (attribute(attrs!, 'enctype') ?? 'application/x-www-form-urlencoded').toLowerCase(),
      hidden,
    };
  }
  throw new Error(`no <form> with an input named ${field}:\n${html.slice(0, 1500)}`);
}

function attribute(attrs: string, name: string): string | undefined {
  const m = new RegExp(`\\b${name}=(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i').exec(attrs);
  if (!m) return undefined;
  return decodeEntities(m[1] ?? m[2] ?? m[3]!);
}

function decodeEntities(s: string): string {
  return s
    .replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&quot;/g, '"')
    .replace(/&#x27;|&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** The page's visible text, tags dropped and entities decoded (frameworks differ in markup, not in text). */
export function textOf(html: string): string {
  return decodeEntities(
    html
      .replace(/<script\b[\s\S]*?<\/script>/gi, ' ')
      .replace(/<style\b[\s\S]*?<\/style>/gi, ' ')
      .replace(/<!--[\s\S]*?-->/g, '')
      .replace(/<[^>]+>/g, ' '),
  ).replace(/\s+/g, ' ');
}

/** Logs `name` in through the form on `/`, as a browser would; returns the page it lands on. */
export async function logIn(client: Browserish, name: string): Promise<Response> {
  return client.submit(await client.get('/'), { username: name });
}

/** A fresh Chromium context, logged in as `name` through the form on `/`: its page is on `/home/`. */
export async function logInWithChromium(chromium: Browser, url: string, name: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await chromium.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(60_000);
  await page.goto(`${url}/`);
  await page.fill('input[name=username]', name);
  await Promise.all([page.waitForURL(`${url}/home/`), page.locator('input[type=submit], button').first().click()]);
  return { context, page };
}

/**
 * Registers the seed's scenarios against the app `start` serves (started once, in `before`).
 *
 * @example
 * seedContract('Next.js example', () => startExample({ command: 'npm', args: ['start', '-w', 'examples/next'] }), { browser: true });
 */
export function seedContract(label: string, start: () => Promise<ServedApp>, options: ContractOptions = {}): void {
  const { skip = false, browser = false, useCasePages = false, timeout = 600_000 } = options;
  describe(`the seed app's contract: ${label}`, { skip, timeout }, () => {
    let app: ServedApp;
    const client = () => new Browserish(app.url);

    before(async () => {
      app = await start();
    });
    after(async () => {
      await app?.close();
    });

    it('GET / is the login form: a username text input and a submit button', async () => {
      const page = await client().get('/');
      assert.equal(page.status, 200);
      assert.match(page.body, /<input\b[^>]*\bname=["']?username\b/i);
      const input = /<input\b[^>]*\bname=["']?username\b[^>]*>/i.exec(page.body)![0];
      assert.doesNotMatch(input, /type=["']?(hidden|password)/i, 'a visible text input');
      assert.match(page.body, /<(input\b[^>]*type=["']?submit|button\b)/i);
    });

    it('a visitor who never logged in is a Guest on /home/', async () => {
      const page = await client().get('/home/');
      assert.equal(page.status, 200);
      assert.match(textOf(page.body), /Welcome, Guest!/);
    });

    it('logs in, is greeted by name on /home/ across requests, logs out to Guest, and the old cookie stays dead', async () => {
      const alice = client();
      const landed = await logIn(alice, 'Alice');
      assert.equal(landed.status, 200, landed.body.slice(0, 500));
      assert.equal(new URL(landed.url).pathname, '/home/', 'the login form leads to /home/');
      assert.match(textOf(landed.body), /Welcome, Alice!/);
      assert.match(textOf((await alice.get('/home/')).body), /Welcome, Alice!/, 'the session survives the next request');
      const loggedIn = alice.snapshot();

      const out = await alice.get('/logout/');
      assert.equal(new URL(out.url).pathname, '/', 'logout returns to the login form');
      assert.match(textOf((await alice.get('/home/')).body), /Welcome, Guest!/);

      alice.restore(loggedIn);
      assert.match(textOf((await alice.get('/home/')).body), /Welcome, Guest!/, 'the cookie from before logout is refused');
    });

    it('escapes the name it shows', async () => {
      const ada = client();
      const landed = await logIn(ada, 'Ada <b>Lovelace</b>');
      assert.match(textOf(landed.body), /Welcome, Ada <b>Lovelace<\/b>!/);
      assert.doesNotMatch(landed.body, /<b>Lovelace<\/b>/, 'the name is text, not markup');
    });

    it('two visitors keep their own sessions', async () => {
      const [a, b] = [client(), client()];
      await logIn(a, 'Alice');
      await logIn(b, 'Bob');
      assert.match(textOf((await a.get('/home/')).body), /Welcome, Alice!/);
      assert.match(textOf((await b.get('/home/')).body), /Welcome, Bob!/);
    });

    it('a cross-site POST to the login form logs nobody in', async () => {
      const mallory = client();
      await mallory.get('/');
      const answer = await mallory.postFromElsewhere('/', { username: 'Mallory' });
      assert.ok(answer.status >= 400 || !/Welcome, Mallory!/.test(textOf(answer.body)), `answered ${answer.status}`);
      assert.match(textOf((await mallory.get('/home/')).body), /Welcome, Guest!/);
    });

    if (useCasePages) {
      it('two form posts at once, changing different keys, are both kept', async () => {
        const carol = client();
        await logIn(carol, 'Carol');
        const [preferences, cart] = await Promise.all([carol.get('/preferences/'), carol.get('/cart/')]);
        assert.match(textOf(cart.body), /Your cart is empty\./);
        await Promise.all([carol.submit(preferences, { theme: 'dark' }), carol.submit(cart, { item: formHolding(cart.body, 'item').hidden.find(([k]) => k === 'item')![1] })]);
        const [after1, after2] = await Promise.all([carol.get('/preferences/'), carol.get('/cart/')]);
        assert.match(after1.body, /<input\b(?=[^>]*value=["']?dark)[^>]*\bchecked/i, 'the theme written in parallel is kept');
        assert.doesNotMatch(textOf(after2.body), /Your cart is empty\./, 'the cart written in parallel is kept');
        assert.match(textOf((await carol.get('/home/')).body), /Welcome, Carol!/, 'and the login with them');
      });
    }

    if (browser) {
      describe('in headless Chromium', { skip: chromiumOrSkip() }, () => {
        let chromium: Browser;
        before(async () => {
          chromium = await launchChromium();
        });
        after(async () => {
          await chromium?.close();
        });

        it('logs in, reloads, logs out and is a Guest again', async () => {
          const { context, page } = await logInWithChromium(chromium, app.url, 'Ada');
          try {
            await page.getByText('Welcome, Ada!').waitFor();
            await page.reload();
            await page.getByText('Welcome, Ada!').waitFor();
            await Promise.all([page.waitForURL(`${app.url}/`), page.locator('a[href="/logout/"]').first().click()]);
            await page.goto(`${app.url}/home/`);
            await page.getByText('Welcome, Guest!').waitFor();
          } finally {
            await context.close();
          }
        });
      });
    }
  });
}
