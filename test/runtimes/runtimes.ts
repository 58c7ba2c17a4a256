/**
 * The other runtimes (Bun, Deno, workerd via wrangler) for the tests that run cloakroom on
 * them. They live in runtimes/node_modules (`npm run runtimes:install`), not the root install:
 * missing, a test skips with a loud line outside CI and fails with CI=true (.ci/run installs them).
 */
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { IN_CI } from '../helpers/services.ts';

export type RuntimeName = 'bun' | 'deno' | 'wrangler';

/** The root of the repository (where `npm run start:*` runs). */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Path of a runtime's binary in runtimes/node_modules/.bin. */
export function runtimeBin(name: RuntimeName): string {
  return fileURLToPath(new URL(`../../runtimes/node_modules/.bin/${name}`, import.meta.url));
}

/** The `skip` option for a `describe` that runs on `name`. */
export function runtimeOrSkip(name: RuntimeName): false | string {
  if (existsSync(runtimeBin(name))) return false;
  const message = `${name} is not installed (npm run runtimes:install)`;
  if (IN_CI) throw new Error(`${message}; CI=true requires it (.ci/run installs it).`);
  process.stderr.write(`\n!!! SKIPPING the ${name} tests: ${message}.\n\n`);
  return `SKIPPED: ${message}`;
}

/**
 * Runs a test file with the runtime's own test runner (`bun test` / `deno test`), which runs
 * cloakroom's `node:test` suites through its node:test compatibility. Returns the exit status
 * and the output.
 */
export function runTestsOn(name: 'bun' | 'deno', file: string, env: Record<string, string> = {}): { status: number | null; output: string } {
  const args = name === 'bun' ? ['test', '--timeout', '120000', file] : ['test', '--allow-all', '--sloppy-imports', file];
  const result = spawnSync(runtimeBin(name), args, {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1', ...env },
    encoding: 'utf8',
    timeout: 600_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
}
