// `cloakroom` and `cloakroom/<subpath>` → the repository's src/, read from the root package.json's
// `exports` (as typedoc.config.mjs does), so a new subpath needs no change here.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** @returns {Record<string, string>} */
export function cloakroomAliases() {
  const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8'));
  const aliases = {};
  for (const [subpath, target] of Object.entries(pkg.exports)) {
    if (typeof target === 'string') continue;
    const types = target.types ?? target.import.types;
    aliases[subpath === '.' ? 'cloakroom' : `cloakroom/${subpath.slice(2)}`] = root + types.replace(/^\.\/dist\//, 'src/').replace(/\.d\.ts$/, '.ts');
  }
  // Subpaths first: an alias also matches as a prefix, so `cloakroom` alone must come last.
  return Object.fromEntries(Object.entries(aliases).sort(([a], [b]) => b.length - a.length));
}
