/**
 * The contract every example and runtime meets, first held against the reference: the root
 * `npm start` (the seed demo on node:http), as its own process, configured by the environment.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seedContract } from './seed-contract.ts';
import { startExample } from '../helpers/example-process.ts';

const dir = mkdtempSync(join(tmpdir(), 'cloakroom-seed-contract-'));
process.once('exit', () => rmSync(dir, { recursive: true, force: true }));

seedContract(
  'npm start (node:http, SQLite)',
  () => startExample({ command: 'npm', args: ['start'], env: { SESSION_STORE: `sqlite:${join(dir, 'sessions.db')}`, DATA_DIR: dir } }),
  { browser: true, useCasePages: true },
);
