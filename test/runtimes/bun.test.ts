// cloakroom on Bun: the adapter suite and the store conformance suite run by `bun test`
// (bun:sqlite, ioredis, pg), and the seed app (`npm run start:bun`: Bun.serve + cloakroom's fetch adapter, SQLite through
// bun:sqlite by default) held to the same contract as `npm start`, browser included.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { seedContract } from '../examples/seed-contract.ts';
import { demoHttpSuite } from '../demo/seed-app.ts';
import { startExample } from '../helpers/example-process.ts';
import { ROOT, runTestsOn, runtimeOrSkip } from './runtimes.ts';

const skip = runtimeOrSkip('bun');
const dir = mkdtempSync(join(tmpdir(), 'cloakroom-bun-seed-'));
process.once('exit', () => rmSync(dir, { recursive: true, force: true }));

describe('the fetch adapter on Bun', { skip, timeout: 600_000 }, () => {
  it('bun test passes the adapter suite over real HTTP, served by Bun.serve', () => {
    const { status, output } = runTestsOn('bun', './test/runtimes/on-runtime/adapter.suite.ts');
    assert.equal(status, 0, output);
    assert.match(output, /\b0 fail\b/, output);
    assert.match(output, /adapter: fetch on Bun.serve \(synchronous store\)/, output);
  });
});

describe('stores on Bun', { skip, timeout: 600_000 }, () => {
  it('bun test passes the conformance suite for bun:sqlite, Redis and PostgreSQL', () => {
    const { status, output } = runTestsOn('bun', './test/runtimes/on-runtime/stores.suite.ts');
    assert.equal(status, 0, output);
    assert.match(output, /\b0 fail\b/, output);
    assert.match(output, /store conformance: bun:sqlite on bun/, output);
    assert.doesNotMatch(output, /\(skip\)|SKIPPING/, output);
  });
});

describe('the cookie store on Bun', { skip, timeout: 600_000 }, () => {
  it('bun test passes the cookie store\'s own suite (HKDF, AES-256-GCM, key rotation, size cap)', () => {
    const { status, output } = runTestsOn('bun', './test/stores/cookie.test.ts');
    assert.equal(status, 0, output);
    assert.match(output, /\b0 fail\b/, output);
    assert.match(output, /rotates keys/, output);
  });
});

seedContract(
  'npm run start:bun (Bun.serve, bun:sqlite)',
  () => startExample({ command: 'npm', args: ['run', 'start:bun'], cwd: ROOT, env: { SESSION_STORE: `sqlite:${join(dir, 'sessions.db')}`, DATA_DIR: dir } }),
  { skip, browser: true, useCasePages: true },
);

// The demo's own HTTP tests (test/demo/seed-app.ts), unchanged, against the same process.
demoHttpSuite(
  'the demo\'s HTTP tests on npm run start:bun (Bun.serve, bun:sqlite)',
  () => startExample({ command: 'npm', args: ['run', 'start:bun'], cwd: ROOT, env: { SESSION_STORE: `sqlite:${join(dir, 'demo.db')}`, DATA_DIR: dir } }),
  { skip, nodeLimits: false },
);
