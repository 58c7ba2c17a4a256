/**
 * docs/api/ is generated from the TSDoc comments of the public modules (`npm run docs`, TypeDoc
 * with typedoc.config.mjs). This test regenerates it into a private folder and fails when
 * - an exported name (or a method of an exported class or interface) has no doc comment, or a
 *   `{@link}` does not resolve: TypeDoc's validation, with warnings treated as errors; or
 * - the checked-in docs/api/ differs from what the current sources generate (run `npm run docs`).
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT } from '../helpers/built-package.ts';
import { uniqueSuffix } from '../helpers/services.ts';

const OUT = join(ROOT, 'node_modules', '.cache', `cloakroom-api-${uniqueSuffix()}`);

function files(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else out.set(relative(dir, path), readFileSync(path, 'utf8'));
    }
  };
  walk(dir);
  return out;
}

describe('the generated API reference (docs/api/)', () => {
  after(() => rmSync(OUT, { recursive: true, force: true }));

  it('is complete (every export documented) and up to date with the sources', () => {
    const typedoc = spawnSync(process.execPath, [join(ROOT, 'node_modules/typedoc/bin/typedoc'), '--out', OUT, '--logLevel', 'Warn'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 900_000,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    });
    assert.equal(typedoc.status, 0, `TypeDoc failed (an undocumented export, or a broken {@link}):\n${typedoc.stdout}${typedoc.stderr}`);
    const fresh = files(OUT);
    const committed = files(join(ROOT, 'docs/api'));
    const stale = [...new Set([...fresh.keys(), ...committed.keys()])].filter((f) => fresh.get(f) !== committed.get(f)).sort();
    assert.deepEqual(stale, [], 'docs/api/ is stale: run `npm run docs` and commit the result');
  });
});
