/**
 * examples/next: the seed app in the Next.js App Router, built with `npm run build -w
 * examples/next` and served by `npm start -w examples/next` (`next start`) as its own process.
 * The login, preference and cart forms are Server Actions submitted as a browser without
 * JavaScript would (multipart, Next's hidden action fields, Origin); the contract's "two form
 * posts at once" is a pair of Server Actions changing different keys, and both are kept.
 * A store outage runs the app on Redis behind a loopback TCP proxy that the test cuts.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { Browserish, formHolding, logIn, logInWithChromium, seedContract, textOf, type ServedApp } from './seed-contract.ts';
import { buildExample, startExample } from '../helpers/example-process.ts';
import { chromiumOrSkip, launchChromium } from '../helpers/chromium.ts';
import { SERVICES, serviceOrSkip, uniqueSuffix } from '../helpers/services.ts';
import { TcpProxy } from '../helpers/tcp-proxy.ts';

// Asked before any suite starts: the build (spawnSync) would stall a later connection check.
const redisSkip = await serviceOrSkip('redis');
const dir = mkdtempSync(join(tmpdir(), 'cloakroom-next-'));
process.once('exit', () => rmSync(dir, { recursive: true, force: true }));

let built = false;
function start(store: string): Promise<ServedApp> {
  if (!built) {
    buildExample('next');
    built = true;
  }
  return startExample({ command: 'npm', args: ['start', '-w', 'examples/next'], env: { SESSION_STORE: store, DATA_DIR: dir } });
}

seedContract('Next.js example (next start, SQLite)', () => start(`sqlite:${join(dir, 'sessions.db')}`), { browser: true, useCasePages: true, timeout: 1_500_000 }); // the build runs in its before hook: minutes on a busy machine

describe('Next.js example: what Next itself adds', { timeout: 600_000 }, () => {
  let app: ServedApp;
  before(async () => {
    app = await start('memory:');
  });
  after(async () => {
    await app?.close();
  });

  it('a Server Action that ends in redirect() still sets the session cookie on that response', async () => {
    const client = new Browserish(app.url);
    const landed = await logIn(client, 'Nina');
    assert.ok(client.jar.has('sessionid'), 'the redirecting action response carried Set-Cookie');
    assert.match(textOf(landed.body), /Welcome, Nina!/);
  });

  it("a cross-site Server Action with the form's own action fields is refused by Next's Origin check", async () => {
    const mallory = new Browserish(app.url);
    const form = formHolding((await mallory.get('/')).body, 'username');
    assert.ok(form.hidden.some(([name]) => name.startsWith('$ACTION')), 'the login form is a Server Action');
    const body = new FormData();
    for (const [k, v] of form.hidden) body.append(k, v);
    body.append('username', 'Mallory');
    const res = await fetch(`${app.url}/`, { method: 'POST', body, headers: { origin: 'https://evil.example' }, redirect: 'manual' });
    await res.arrayBuffer();
    assert.equal(res.headers.getSetCookie().length, 0, `no session cookie (answered ${res.status})`);
    assert.match(textOf((await mallory.get('/home/')).body), /Welcome, Guest!/);
  });

  it('Your sessions lists this device and signs out another one', async () => {
    const [laptop, phone] = [new Browserish(app.url), new Browserish(app.url)];
    await logIn(laptop, 'Olga');
    await logIn(phone, 'Olga');
    const list = await laptop.get('/sessions/');
    assert.match(textOf(list.body), /on 2 device\(s\)/);
    await laptop.submit(list, { action: 'revoke-others' });
    assert.match(textOf((await phone.get('/home/')).body), /Welcome, Guest!/, 'the other device is signed out');
    assert.match(textOf((await laptop.get('/home/')).body), /Welcome, Olga!/);
  });
});

describe('Next.js example: the session store goes down during a Server Action', { skip: redisSkip || chromiumOrSkip(), timeout: 600_000 }, () => {
  const STORE_DOWN = 'Service Unavailable: the session store did not answer. Please try again shortly.';
  let proxy: TcpProxy;
  let app: ServedApp;
  let chromium: Browser;
  before(async () => {
    proxy = await TcpProxy.start({ host: SERVICES.redis.host, port: SERVICES.redis.port });
    app = await start(`redis://127.0.0.1:${proxy.port}?prefix=next-outage-${uniqueSuffix()}:`);
    chromium = await launchChromium();
  });
  after(async () => {
    await chromium?.close();
    await app?.close();
    await proxy?.close();
  });

  it("the page says so (the status is Next's 500 for any error from an action); nothing is saved, and the visitor is still signed in once it is back", async () => {
    const { context, page } = await logInWithChromium(chromium, app.url, 'Ada');
    try {
      await page.goto(`${app.url}/preferences/`);
      // Hydrated (React has attached itself to the form): submitting now calls the action by fetch.
      await page.waitForFunction(() => Object.keys(document.querySelector('form') ?? {}).some((k) => k.startsWith('__react')));
      const noScript = new Browserish(app.url);
      for (const { name, value } of await context.cookies()) noScript.jar.set(name, value);
      const form = await noScript.get('/preferences/');

      await proxy.kill();
      const posted = page.waitForResponse((r) => r.request().method() === 'POST');
      await page.check('input[value=dark]');
      await page.locator('input[type=submit]').click();
      const answer = await posted;
      assert.ok(answer.request().headers()['next-action'], 'the hydrated form called the action by fetch');
      assert.equal(answer.status(), 500);
      await page.getByRole('alert').getByText(STORE_DOWN).waitFor({ timeout: 20_000 });

      const plainPost = await noScript.submit(form, { theme: 'dark' });
      assert.deepEqual([plainPost.status, plainPost.body], [500, 'Internal Server Error'], "without JavaScript: Next's own answer to a failed action");
      const render = await page.goto(`${app.url}/home/`);
      assert.equal(render?.status(), 500);
      await page.getByText(STORE_DOWN).waitFor({ timeout: 20_000 }); // a Server Component's read fails the same way

      await proxy.resume();
      const deadline = Date.now() + 60_000;
      let back = await noScript.get('/preferences/');
      while (back.status !== 200 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 250));
        back = await noScript.get('/preferences/');
      }
      assert.match(back.body, /<input\b(?=[^>]*value=["']?light)[^>]*\bchecked/i, 'the theme was not saved');
      assert.match(textOf((await noScript.get('/home/')).body), /Welcome, Ada!/);
    } finally {
      await context.close();
    }
  });
});
