/**
 * Headless Debian Chromium for browser tests, driven by playwright-core. Skips loudly when
 * /usr/bin/chromium is missing outside CI; fails in CI (.ci/run installs it).
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { IN_CI } from './services.ts';

export const CHROMIUM = '/usr/bin/chromium';

/** The `skip` option for a `describe` that needs Chromium. */
export function chromiumOrSkip(): false | string {
  if (existsSync(CHROMIUM)) return false;
  const message = `${CHROMIUM} is missing (apt-get install -y chromium)`;
  if (IN_CI) throw new Error(`${message}; CI=true requires it (.ci/run installs it).`);
  process.stderr.write(`\n!!! SKIPPING the browser test: ${message}.\n\n`);
  return `SKIPPED: ${message}`;
}

/** Starts Chromium with the flags this closed network needs. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    // Background networking off: this machine's closed network refuses Chromium's own calls home.
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    timeout: 120_000,
  });
}
