import adapter from '@sveltejs/adapter-node';
import { fileURLToPath } from 'node:url';
import { publicEntryPoints } from '../../typedoc.config.mjs';

/**
 * `cloakroom/<subpath>` → the repository's src/ (from package.json's `exports`): the example
 * builds on a fresh clone without a package build. Longest first: an alias also matches as a
 * prefix, so `cloakroom` alone must come last. Kit also writes these into its tsconfig for editors.
 */
const cloakroom = Object.fromEntries(
  publicEntryPoints()
    .map(({ subpath, source }) => [subpath === '.' ? 'cloakroom' : `cloakroom/${subpath.slice(2)}`, fileURLToPath(new URL(`../../${source}`, import.meta.url))])
    .sort(([a], [b]) => b.length - a.length),
);

/** @type {import('@sveltejs/kit').Config} */
export default {
  kit: {
    adapter: adapter(),
    alias: cloakroom,
    // No `csrf` setting: SvelteKit's origin check is on by default and refuses form posts from
    // another origin with 403 before any action runs. That is this app's CSRF defence.
  },
};
