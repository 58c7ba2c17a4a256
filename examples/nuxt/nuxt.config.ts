import { fileURLToPath } from 'node:url';
import { publicEntryPoints } from '../../typedoc.config.mjs';

/**
 * `cloakroom/<subpath>` → the repository's src/ (from package.json's `exports`): the example
 * builds on a fresh clone without a package build. Longest first, as an alias also matches as a prefix.
 */
const cloakroom = Object.fromEntries(
  publicEntryPoints()
    .map(({ subpath, source }) => [subpath === '.' ? 'cloakroom' : `cloakroom/${subpath.slice(2)}`, fileURLToPath(new URL(`../../${source}`, import.meta.url))])
    .sort(([a], [b]) => b.length - a.length),
);

export default defineNuxtConfig({
  compatibilityDate: '2025-07-15',
  devtools: { enabled: false },
  telemetry: false,
  app: { head: { title: 'cloakroom · Nuxt' } },
  alias: cloakroom,
  nitro: { alias: cloakroom }, // the server bundle too
});
