/**
 * One browser between the two apps: headless Chromium moves between the real Django project
 * and the seed demo (two ports of 127.0.0.1: cookies are per host, so both see one `sessionid`),
 * logging in and out on either, on Django's db backend (SQLite).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { startDemo, type RunningDemo } from '../../examples/seed/demo.ts';
import { djangoOrSkip, startDjango, type RunningDjango } from './python.ts';
import { IN_CI, uniqueSuffix } from '../helpers/services.ts';
import { KEY_A } from './interop.ts';

const CHROMIUM = '/usr/bin/chromium';

function chromiumOrSkip(): false | string {
  if (existsSync(CHROMIUM)) return false;
  const message = `${CHROMIUM} is missing (apt-get install -y chromium)`;
  if (IN_CI) throw new Error(`${message}; CI=true requires it (.ci/run installs it).`);
  process.stderr.write(`\n!!! SKIPPING the Django browser test: ${message}.\n\n`);
  return `SKIPPED: ${message}`;
}

describe('one browser between Django and the seed demo', { skip: djangoOrSkip() || chromiumOrSkip(), timeout: 300_000 }, () => {
  let dir: string;
  let django: RunningDjango;
  let seed: RunningDemo;
  let browser: Browser;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cloakroom-django-browser-'));
    const suffix = uniqueSuffix();
    const path = join(dir, 'db.sqlite3');
    django = await startDjango({ DJANGO_SECRET_KEY: KEY_A, DJ_SESSION_ENGINE: 'db', DJ_DATABASE: `sqlite:${path}`, DJ_TABLE_SUFFIX: suffix });
    seed = await startDemo({
      port: 0,
      host: '127.0.0.1',
      store: `django+sqlite:${path}`,
      storeOptions: { table: `django_session${suffix}`, django: { secretKey: KEY_A } },
      secrets: [KEY_A],
      framework: 'node',
      log: () => {},
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
      timeout: 120_000,
    });
  });
  after(async () => {
    await browser?.close();
    await seed?.close();
    await django?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('logs in on either app and stays logged in on both; logs out on either and is a Guest on both', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    const h2 = () => page.locator('h2').textContent();
    const login = async (base: string, name: string) => {
      await page.goto(`${base}/`);
      assert.equal(await page.title(), 'Login');
      await page.fill('input[name=username]', name);
      await Promise.all([page.waitForURL(`${base}/home/`), page.click('input[type=submit][value=Login]')]);
    };
    try {
      await login(django.url, 'Ada');
      assert.equal(await h2(), 'Welcome, Ada!', 'Django after its own form');
      await page.goto(`${seed.url}/home/`);
      assert.equal(await h2(), 'Welcome, Ada!', 'the seed demo, same browser');
      await page.goto(`${django.url}/home/`);
      assert.equal(await h2(), 'Welcome, Ada!', 'and back on Django');

      await page.goto(`${seed.url}/home/`);
      await Promise.all([page.waitForURL(`${seed.url}/`), page.click('text=Clear Session (Logout)')]);
      await page.goto(`${django.url}/home/`);
      assert.equal(await h2(), 'Welcome, Guest!', 'a logout on the seed demo is a logout on Django');

      await login(seed.url, 'Grace <Hopper>');
      assert.equal(await h2(), 'Welcome, Grace <Hopper>!');
      await page.goto(`${django.url}/home/`);
      assert.equal(await h2(), 'Welcome, Grace <Hopper>!', 'Django sees the login made on the seed demo');
      await Promise.all([page.waitForURL(`${django.url}/`), page.click('text=Clear Session (Logout)')]);
      await page.goto(`${seed.url}/home/`);
      assert.equal(await h2(), 'Welcome, Guest!', 'a logout on Django is a logout on the seed demo');
      const shot = join(tmpdir(), 'cloakroom-django-seed-guest.png');
      await page.screenshot({ path: shot });
      process.stdout.write(`# screenshot: ${shot}\n`);
    } finally {
      await context.close();
    }
  });
});
