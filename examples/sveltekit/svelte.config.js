import adapter from '@sveltejs/adapter-node';
import { cloakroomAliases } from './cloakroom-aliases.js';

/** @type {import('@sveltejs/kit').Config} */
export default {
  kit: {
    adapter: adapter(),
    // `cloakroom/…` is this repository's own source: the example runs on a fresh clone without a
    // package build, and kit writes the same aliases into .svelte-kit/tsconfig.json for editors.
    alias: cloakroomAliases(),
    // No `csrf` setting: SvelteKit's origin check is on by default and refuses form posts from
    // another origin with 403 before any action runs. That is this app's CSRF defence.
  },
};
