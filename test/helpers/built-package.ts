/**
 * The package as a consumer installs it: package.json plus the project's own build
 * (`tsc -p tsconfig.build.json`) in `node_modules/.cache/<label>-<unique>/node_modules/cloakroom`,
 * a private folder per test file so parallel runs never share a dist/. Inside the project's
 * node_modules/, so the built copy resolves express, cookie, pg… from the project's own install.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, writeFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { uniqueSuffix } from './services.ts';

export const ROOT = resolve(import.meta.dirname, '../..');

export interface BuiltPackage {
  /** The consumer's folder: scripts written here import the package by name. */
  sandbox: string;
  /** node_modules/cloakroom inside the sandbox. */
  dir: string;
  remove(): void;
}

/**
 * Builds the package; `expect` lists dist/ files whose absence fails the build (tsc emits even
 * when another module has a type error: reporting that is the typecheck's job).
 *
 * @example
 * const pkg = buildPackage('cloakroom-exports', ['index.js']);
 */
export function buildPackage(label: string, expect: string[]): BuiltPackage {
  const sandbox = join(ROOT, 'node_modules', '.cache', `${label}-${uniqueSuffix()}`);
  const dir = join(sandbox, 'node_modules', 'cloakroom');
  mkdirSync(dir, { recursive: true });
  // The consumer's own package scope. Without it, TypeScript resolves `cloakroom` from the
  // sandbox as a self-reference of the repository's package.json (its dist/, stale or absent),
  // not as the installed copy below.
  writeFileSync(join(sandbox, 'package.json'), JSON.stringify({ name: 'cloakroom-consumer', private: true }));
  cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(dir, 'dist')], {
    cwd: ROOT,
    encoding: 'utf8',
    // A full tsc build needs ~20 s of CPU: minutes on a busy 2-core machine. Bounded only against a hang.
    timeout: 900_000,
  });
  for (const file of expect) assert.ok(existsSync(join(dir, 'dist', file)), `build produced ${file}\n${tsc.stdout}${tsc.stderr}`);
  return { sandbox, dir, remove: () => rmSync(sandbox, { recursive: true, force: true }) };
}
