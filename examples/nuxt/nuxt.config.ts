import { cloakroomAliases } from './cloakroom-aliases.js';

export default defineNuxtConfig({
  compatibilityDate: '2025-07-15',
  devtools: { enabled: false },
  telemetry: false,
  app: { head: { title: 'cloakroom · Nuxt' } },
  // `cloakroom/…` is this repository's own source: the example runs on a fresh clone without a
  // package build. Nitro (the server) gets the same aliases as the Vue app.
  alias: cloakroomAliases(),
  nitro: { alias: cloakroomAliases() },
});
