/**
 * `cloakroom` and its public subpaths mapped to their sources, from package.json `exports`
 * (`./dist/adapters/node.d.ts` → `src/adapters/node.ts`): a tsconfig `paths` table for code
 * written as a consumer writes it (README and docs examples), type-checked or run with tsx
 * against the working tree without a build.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './built-package.ts';

type Target = string | { types?: string; import?: { types: string } };

/**
 * @example
 * sourcePaths()['cloakroom/node']; // ['/…/src/adapters/node.ts']
 */
export function sourcePaths(): Record<string, string[]> {
  const { exports } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, Target> };
  const paths: Record<string, string[]> = {};
  for (const [subpath, target] of Object.entries(exports)) {
    if (typeof target === 'string') continue;
    const types = target.types ?? target.import!.types;
    const source = join(ROOT, types.replace(/^\.\/dist\//, 'src/').replace(/\.d\.ts$/, '.ts'));
    paths[subpath === '.' ? 'cloakroom' : `cloakroom/${subpath.slice(2)}`] = [source];
  }
  return paths;
}
