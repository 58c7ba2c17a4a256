/**
 * The SvelteKit example (examples/sveltekit: cloakroom/sveltekit's handle hook, form actions,
 * adapter-node) built and started as a user would, held to the seed app's contract over HTTP
 * and in Chromium, with the parallel-writes scenario on /preferences/ and /cart/; then what the
 * hook itself promises: no cookie for a response that never touched the session, and a commit
 * on the answer of a form action that redirects, whether posted by a plain form or by `use:enhance`.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Browserish, seedContract, textOf } from './seed-contract.ts';
import { buildExample, startExample, type RunningExample } from '../helpers/example-process.ts';

const dir = mkdtempSync(join(tmpdir(), 'cloakroom-sveltekit-'));
process.once('exit', () => rmSync(dir, { recursive: true, force: true }));

let started: Promise<RunningExample> | undefined;
/** Built and started once for both suites below; the contract's `after` stops it. */
const app = () =>
  (started ??= (async () => {
    buildExample('sveltekit');
    return startExample({ command: 'npm', args: ['start', '-w', 'examples/sveltekit'], env: { SESSION_STORE: `sqlite:${join(dir, 'sessions.db')}`, DATA_DIR: dir } });
  })());

describe('cloakroom/sveltekit in the example', { timeout: 600_000 }, () => {
  it('a page that never touched the session, and SvelteKit’s own 404, set no cookie', async () => {
    const { url } = await app();
    for (const path of ['/', '/nowhere/']) {
      const res = await fetch(url + path, { headers: { accept: 'text/html' } });
      await res.arrayBuffer();
      assert.deepEqual(res.headers.getSetCookie(), [], path);
    }
  });

  it('a form action that throws redirect() under use:enhance (a JSON answer) is committed too', async () => {
    const { url } = await app();
    const res = await fetch(`${url}/`, {
      method: 'POST',
      headers: { origin: url, accept: 'application/json', 'x-sveltekit-action': 'true' },
      body: new URLSearchParams({ username: 'Enhanced' }),
    });
    assert.deepEqual(JSON.parse(await res.text()), { type: 'redirect', status: 303, location: '/home/' });
    const client = new Browserish(url);
    for (const line of res.headers.getSetCookie()) client.jar.set(line.split('=')[0]!, line.split(';')[0]!.split('=')[1]!);
    assert.match(textOf((await client.get('/home/')).body), /Welcome, Enhanced!/);
  });
});

seedContract('SvelteKit example (adapter-node, SQLite)', app, { browser: true, useCasePages: true });
