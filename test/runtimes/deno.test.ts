// cloakroom on Deno: the adapter suite and the store conformance suite run by `deno test` (node:sqlite, ioredis, pg
// through npm compatibility), and the seed app (`npm run start:deno`: Deno.serve + cloakroom's
// fetch adapter, SQLite through node:sqlite by default) held to the same contract as `npm start`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { seedContract } from '../examples/seed-contract.ts';
import { demoHttpSuite } from '../demo/seed-app.ts';
import { startExample } from '../helpers/example-process.ts';
import { ROOT, runTestsOn, runtimeOrSkip } from './runtimes.ts';

const skip = runtimeOrSkip('deno');
const dir = mkdtempSync(join(tmpdir(), 'cloakroom-deno-seed-'));
process.once('exit', () => rmSync(dir, { recursive: true, force: true }));

describe('the fetch adapter on Deno', { skip, timeout: 600_000 }, () => {
  it('deno test passes the adapter suite over real HTTP, served by Deno.serve', () => {
    const { status, output } = runTestsOn('deno', 'test/runtimes/on-runtime/adapter.suite.ts');
    assert.equal(status, 0, output);
    assert.match(output, /\| 2 passed \(\d+ steps\) \| 0 failed/, output);
    assert.match(output, /adapter: fetch on Deno.serve \(synchronous store\)/, output);
  });
});

describe('stores on Deno', { skip, timeout: 600_000 }, () => {
  it('deno test passes the conformance suite for node:sqlite, Redis and PostgreSQL', () => {
    const { status, output } = runTestsOn('deno', 'test/runtimes/on-runtime/stores.suite.ts');
    assert.equal(status, 0, output);
    assert.match(output, /\| 3 passed \(\d+ steps\) \| 0 failed/, output);
    assert.match(output, /store conformance: node:sqlite on deno/, output);
    assert.doesNotMatch(output, /ignored|SKIPPING/, output);
  });
});

describe('the cookie store on Deno', { skip, timeout: 600_000 }, () => {
  it('deno test passes the cookie store\'s own suite (HKDF, AES-256-GCM, key rotation, size cap)', () => {
    const { status, output } = runTestsOn('deno', './test/stores/cookie.test.ts');
    assert.equal(status, 0, output);
    assert.match(output, /\| 1 passed \(\d+ steps\) \| 0 failed/, output);
    assert.match(output, /rotates keys/, output);
  });
});

seedContract(
  'npm run start:deno (Deno.serve, node:sqlite)',
  () => startExample({ command: 'npm', args: ['run', 'start:deno'], cwd: ROOT, env: { SESSION_STORE: `sqlite:${join(dir, 'sessions.db')}`, DATA_DIR: dir } }),
  { skip, browser: true, useCasePages: true },
);

// The demo's own HTTP tests (test/demo/seed-app.ts), unchanged, against the same process.
demoHttpSuite(
  'the demo\'s HTTP tests on npm run start:deno (Deno.serve, node:sqlite)',
  () => startExample({ command: 'npm', args: ['run', 'start:deno'], cwd: ROOT, env: { SESSION_STORE: `sqlite:${join(dir, 'demo.db')}`, DATA_DIR: dir } }),
  { skip, nodeLimits: false },
);
