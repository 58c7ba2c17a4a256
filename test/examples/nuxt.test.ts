/**
 * The Nuxt example (examples/nuxt: cloakroom/h3 as Nuxt server middleware on Nuxt's h3 v1, Vue
 * pages, server routes for the forms) built and started as a user would, held to the seed app's
 * contract over HTTP and in Chromium, with the parallel-writes scenario on /preferences/ and
 * /cart/; then what the example adds: cloakroom's CSRF token on its server routes, and no cookie
 * for a response that never touched the session.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Browserish, seedContract, textOf } from './seed-contract.ts';
import { buildExample, startExample, type RunningExample } from '../helpers/example-process.ts';

const dir = mkdtempSync(join(tmpdir(), 'cloakroom-nuxt-'));
process.once('exit', () => rmSync(dir, { recursive: true, force: true }));

let started: Promise<RunningExample> | undefined;
/** Built and started once for both suites below; the contract's `after` stops it. */
const app = () =>
  (started ??= (async () => {
    buildExample('nuxt');
    return startExample({ command: 'npm', args: ['start', '-w', 'examples/nuxt'], env: { SESSION_STORE: `sqlite:${join(dir, 'sessions.db')}`, DATA_DIR: dir } });
  })());

describe('cloakroom/h3 in the Nuxt example', { timeout: 600_000 }, () => {
  it('a page that never touched the session sets no cookie', async () => {
    const { url } = await app();
    const res = await fetch(`${url}/home/`);
    assert.match(textOf(await res.text()), /Welcome, Guest!/);
    assert.deepEqual(res.headers.getSetCookie(), []);
  });

  it('a cross-site POST to the login route, without the page’s token, is refused with 403', async () => {
    const mallory = new Browserish((await app()).url);
    await mallory.get('/');
    const answer = await mallory.postFromElsewhere('/api/login', { username: 'Mallory' });
    assert.equal(answer.status, 403);
    assert.match(textOf((await mallory.get('/home/')).body), /Welcome, Guest!/);
  });
});

seedContract('Nuxt example (Nitro node-server, SQLite)', app, { browser: true, useCasePages: true });
