/**
 * The SvelteKit example (examples/sveltekit: cloakroom/sveltekit's handle hook, form actions,
 * adapter-node) built and started as a user would, held to the seed app's contract over HTTP
 * and in Chromium, with the parallel-writes scenario on /preferences/ and /cart/.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seedContract } from './seed-contract.ts';
import { buildExample, startExample } from '../helpers/example-process.ts';

const dir = mkdtempSync(join(tmpdir(), 'cloakroom-sveltekit-'));
process.once('exit', () => rmSync(dir, { recursive: true, force: true }));

seedContract(
  'SvelteKit example (adapter-node, SQLite)',
  async () => {
    buildExample('sveltekit');
    return startExample({ command: 'npm', args: ['start', '-w', 'examples/sveltekit'], env: { SESSION_STORE: `sqlite:${join(dir, 'sessions.db')}`, DATA_DIR: dir } });
  },
  { browser: true, useCasePages: true },
);
