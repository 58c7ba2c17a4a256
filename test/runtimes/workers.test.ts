// cloakroom on Cloudflare Workers (workerd): the store conformance suite runs INSIDE a Worker
// under Miniflare, against D1, Durable Objects and the memory store; the adapter suite runs
// against cloakroom/fetch inside a Worker over real HTTP; both with and without nodejs_compat.
// The seed Worker (`npm run start:workers`, wrangler dev) meets the seed app's contract,
// browser included, and passes the demo's HTTP tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { seedContract } from '../examples/seed-contract.ts';
import { demoHttpSuite } from '../demo/seed-app.ts';
import { startExample } from '../helpers/example-process.ts';
import { ROOT, runtimeOrSkip } from './runtimes.ts';
import { remoteAdapterSuite, type SuiteFixture } from '../adapters/suite.ts';
import { STEER_PATH, type BackendState, type Steering, type StoreKind } from '../adapters/suite-app.ts';
import { bundleWorker } from './workers/build.ts';
import { startMiniflare } from './workers/miniflare.ts';
import type { Outcome } from './workers/node-test-shim.ts';

const skip = runtimeOrSkip('wrangler');

// Each twice: with nodejs_compat (the core on node:crypto) and without it (nothing may import
// node:*; the core on its portable cryptography, @noble and crypto.getRandomValues).
for (const nodejsCompat of [true, false]) {
  const mode = nodejsCompat ? 'with nodejs_compat' : 'without nodejs_compat';
  const expectedCrypto = nodejsCompat ? 'node:crypto' : 'portable';

  describe(`stores on workerd ${mode}`, { skip, timeout: 600_000 }, () => {
    it('the conformance suite passes inside a Worker for D1, Durable Objects and memory, and the cookie store\'s suite too', async () => {
      const script = await bundleWorker(fileURLToPath(new URL('./workers/conformance-worker.ts', import.meta.url)), { nodejsCompat });
      const mf = startMiniflare(script, { d1Databases: ['DB'], durableObjects: { SESSIONS: 'SessionObject' } }, { nodejsCompat });
      try {
        const { crypto, outcomes } = (await (await mf.dispatchFetch('http://localhost/')).json()) as { crypto: string; outcomes: Outcome[] };
        assert.equal(crypto, expectedCrypto);
        const failed = outcomes.filter((o) => o.status !== 'pass');
        assert.deepEqual(failed, []);
        for (const name of ['memory on workerd', 'd1 on workerd', 'durable objects on workerd']) {
          assert.ok(outcomes.filter((o) => o.name.includes(name)).length >= 20, `${name}: ${outcomes.length} outcomes`);
        }
        assert.ok(outcomes.filter((o) => o.name.startsWith('cookie store')).length >= 10, 'the cookie store suite ran');
      } finally {
        await mf.dispose();
      }
    });
  });

  describe(`the adapter suite on workerd ${mode}`, { skip }, () => {
    let bundle: Promise<string> | undefined;
    /** The suite's app (test/runtimes/workers/adapter-worker.ts) in its own workerd, on a free port. */
    async function serveInWorkerd(kind: StoreKind, secure: boolean): Promise<{ url: string; close(): Promise<void> }> {
      bundle ??= bundleWorker(fileURLToPath(new URL('./workers/adapter-worker.ts', import.meta.url)), { nodejsCompat });
      const mf = startMiniflare(await bundle, { bindings: { STORE_KIND: kind, SECURE: String(secure) } }, { listen: true, nodejsCompat });
      const url = (await mf.ready).origin;
      return { url, close: () => mf.dispose() };
    }

    remoteAdapterSuite(`fetch inside workerd ${mode} (Miniflare)`, async (kind): Promise<SuiteFixture> => {
      const app = await serveInWorkerd(kind, false);
      const secureApp = await serveInWorkerd(kind, true);
      return {
        app,
        secureApp,
        async steer(steering: Steering): Promise<BackendState> {
          const reply = await fetch(app.url + STEER_PATH, { method: 'POST', body: JSON.stringify(steering) });
          assert.equal(reply.status, 200, `steering the Worker's backend: ${reply.status}`);
          const state = (await reply.json()) as BackendState;
          assert.equal(state.crypto, expectedCrypto);
          return state;
        },
        async close() {
          await app.close();
          await secureApp.close();
        },
      };
    });
  });
}

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

// The demo's own HTTP tests (test/demo/seed-app.ts), unchanged, against the same process.
demoHttpSuite(
  'the demo\'s HTTP tests on npm run start:workers (wrangler dev, workerd, D1)',
  () => startExample({ command: 'npm', args: ['run', 'start:workers'], cwd: ROOT, env: { SESSION_STORE: 'd1:', DATA_DIR: join(dir, 'demo') } }),
  { skip, nodeLimits: false },
);
