// cloakroom on Cloudflare Workers (workerd): the store conformance suite runs INSIDE a Worker
// under Miniflare, against D1 and the memory store; the seed Worker (`npm run start:workers`,
// wrangler dev, D1) meets the seed app's contract, browser included.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { seedContract } from '../examples/seed-contract.ts';
import { startExample } from '../helpers/example-process.ts';
import { ROOT, runtimeOrSkip } from './runtimes.ts';
import { bundleWorker } from './workers/build.ts';
import { startMiniflare } from './workers/miniflare.ts';
import type { Outcome } from './workers/node-test-shim.ts';

const skip = runtimeOrSkip('wrangler');

describe('stores on workerd', { skip, timeout: 600_000 }, () => {
  it('the conformance suite passes inside a Worker for D1, Durable Objects and memory', async () => {
    const script = await bundleWorker(fileURLToPath(new URL('./workers/conformance-worker.ts', import.meta.url)));
    const mf = startMiniflare(script, { d1Databases: ['DB'], durableObjects: { SESSIONS: 'SessionObject' } });
    try {
      const outcomes = (await (await mf.dispatchFetch('http://localhost/')).json()) as Outcome[];
      const failed = outcomes.filter((o) => o.status !== 'pass');
      assert.deepEqual(failed, []);
      for (const name of ['memory on workerd', 'd1 on workerd', 'durable objects on workerd']) {
        assert.ok(outcomes.filter((o) => o.name.includes(name)).length >= 20, `${name}: ${outcomes.length} outcomes`);
      }
    } finally {
      await mf.dispose();
    }
  });
});

const dir = mkdtempSync(join(tmpdir(), 'cloakroom-workers-seed-'));
process.once('exit', () => rmSync(dir, { recursive: true, force: true }));

seedContract(
  'npm run start:workers (wrangler dev, workerd, D1)',
  () => startExample({ command: 'npm', args: ['run', 'start:workers'], cwd: ROOT, env: { SESSION_STORE: 'd1:', DATA_DIR: dir } }),
  { skip, browser: true, useCasePages: true },
);

seedContract(
  'npm run start:workers (wrangler dev, workerd, Durable Objects)',
  () => startExample({ command: 'npm', args: ['run', 'start:workers'], cwd: ROOT, env: { SESSION_STORE: 'durable-object:', DATA_DIR: join(dir, 'do') } }),
  { skip, useCasePages: true },
);
