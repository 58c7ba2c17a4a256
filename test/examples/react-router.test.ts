/**
 * examples/react-router: the seed app in React Router 7 framework mode, built with
 * `npm run build -w examples/react-router` and served by `npm start -w examples/react-router`
 * (react-router-serve) as its own process. It meets the seed's contract over HTTP (forms
 * submitted as a browser without JavaScript would) and in Chromium, and two `useFetcher`
 * submissions in flight at once, changing different keys, both survive.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { seedContract, type ServedApp } from './seed-contract.ts';
import { buildExample, startExample } from '../helpers/example-process.ts';
import { chromiumOrSkip, launchChromium } from '../helpers/chromium.ts';

const dir = mkdtempSync(join(tmpdir(), 'cloakroom-react-router-'));
process.once('exit', () => rmSync(dir, { recursive: true, force: true }));

let built = false;
function start(store: string): Promise<ServedApp> {
  if (!built) {
    buildExample('react-router');
    built = true;
  }
  return startExample({ command: 'npm', args: ['start', '-w', 'examples/react-router'], env: { SESSION_STORE: store, DATA_DIR: dir } });
}

seedContract('React Router example (react-router-serve, SQLite)', () => start(`sqlite:${join(dir, 'sessions.db')}`), { browser: true, useCasePages: true, timeout: 1_500_000 }); // the build runs in its before hook: minutes on a busy machine

describe('React Router example in Chromium: two fetchers at once', { skip: chromiumOrSkip(), timeout: 600_000 }, () => {
  let app: ServedApp;
  let chromium: Browser;
  before(async () => {
    app = await start('memory:');
    chromium = await launchChromium();
  });
  after(async () => {
    await chromium?.close();
    await app?.close();
  });

  it('a cart fetcher and a theme fetcher in flight together both keep their write', async () => {
    const context = await chromium.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(60_000);
    try {
      await page.goto(`${app.url}/`);
      await page.fill('input[name=username]', 'Carol');
      await Promise.all([page.waitForURL(`${app.url}/home/`), page.locator('input[type=submit]').click()]);
      await page.goto(`${app.url}/cart/`);
      await page.getByText('Your cart is empty.').waitFor();
      await page.locator('html[data-hydrated]').waitFor({ state: 'attached' });
      // Both submissions leave before either answers (each button is its own fetcher).
      const posts: string[] = [];
      page.on('response', (response) => {
        if (response.request().method() === 'POST') posts.push(`${response.status()} ${response.url()}`);
      });
      // Submitted in one tick from the page, as two quick clicks would be: two Playwright clicks
      // are two round trips, each waiting for the page to settle, and the second could land
      // after the first one's answer had re-rendered the page.
      await page.evaluate(() => {
        for (const selector of ['button[data-item=umbrella]', 'button[data-theme=dark]']) {
          const button = document.querySelector<HTMLButtonElement>(selector)!;
          button.form!.requestSubmit(button);
        }
      });
      await page.locator('body.theme-dark').waitFor();
      await page.locator('td.qty').first().waitFor();
      assert.equal(posts.length, 2, `two fetcher submissions: ${posts.join(', ')}`);
      // What the server kept, not what the page shows: a fresh document load.
      await page.reload();
      await page.locator('body.theme-dark').waitFor();
      assert.equal(await page.locator('td.qty').first().textContent(), '1');
      await page.goto(`${app.url}/home/`);
      await page.getByText('Welcome, Carol!').waitFor();
    } finally {
      await context.close();
    }
  });
});
