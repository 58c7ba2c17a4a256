/**
 * The seed's flow in a real browser: headless Debian Chromium driven by playwright-core.
 * Skips loudly when /usr/bin/chromium is missing outside CI; fails in CI (.ci/run installs it).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import type { RunningDemo } from '../../examples/seed/demo.ts';
import { startTestDemo } from './harness.ts';
import { chromiumOrSkip, launchChromium } from '../helpers/chromium.ts';

// Generous bounds, only against a hang: Chromium starts slowly on a busy 2-core machine.
describe('seed demo in headless Chromium', { skip: chromiumOrSkip(), timeout: 300_000 }, () => {
  let demo: RunningDemo;
  let browser: Browser;

  before(async () => {
    demo = await startTestDemo('node');
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await demo?.close();
  });

  it('logs in, sees Welcome, reloads, logs out, and is a Guest again', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    try {
      await page.goto(`${demo.url}/`);
      assert.equal(await page.title(), 'Login');
      assert.equal(await page.locator('label').textContent(), 'Enter Name');

      // The required field stops an empty submit in the browser itself.
      await page.click('input[type=submit][value=Login]');
      assert.equal(new URL(page.url()).pathname, '/');

      await page.fill('input[name=username]', 'Ada <Lovelace>');
      await Promise.all([page.waitForURL(`${demo.url}/home/`), page.click('input[type=submit][value=Login]')]);
      assert.equal(await page.title(), 'Home');
      assert.equal(await page.locator('h2').textContent(), 'Welcome, Ada <Lovelace>!');

      const shot = join(tmpdir(), 'cloakroom-demo-home.png');
      await page.screenshot({ path: shot });
      process.stdout.write(`# screenshot of /home/: ${shot}\n`);

      await page.reload();
      assert.equal(await page.locator('h2').textContent(), 'Welcome, Ada <Lovelace>!', 'the session survives a reload');

      await Promise.all([page.waitForURL(`${demo.url}/`), page.click('text=Clear Session (Logout)')]);
      assert.equal(await page.title(), 'Login');
      assert.equal(await page.locator('input[name=username]').count(), 1);

      await page.goto(`${demo.url}/home/`);
      assert.equal(await page.locator('h2').textContent(), 'Welcome, Guest!');
    } finally {
      await context.close();
    }
  });

  it('keeps the dark theme across pages', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    try {
      await page.goto(`${demo.url}/preferences/`);
      await page.check('input[name=theme][value=dark]');
      await Promise.all([page.waitForURL(`${demo.url}/preferences/`), page.click('input[type=submit][value=Save]')]);
      for (const path of ['/home/', '/cart/', '/progress/']) {
        await page.goto(`${demo.url}${path}`);
        assert.equal(await page.locator('body').getAttribute('class'), 'theme-dark', path);
      }
      const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      assert.equal(background, 'rgb(22, 24, 29)');
    } finally {
      await context.close();
    }
  });
});
