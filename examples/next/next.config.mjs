import { fileURLToPath } from 'node:url';

const repository = fileURLToPath(new URL('../..', import.meta.url));

/** @type {import('next').NextConfig} */
export default {
  // The seed's paths end in a slash (/home/, /logout/): keep them, and send /home to /home/.
  trailingSlash: true,
  // The example compiles cloakroom from this repository's src/ (tsconfig.json `paths`), whose
  // ESM imports name the emitted `.js` files (`'../core/errors.js'` is errors.ts): webpack maps
  // that with `extensionAlias`; Turbopack has no such mapping, so `next build --webpack`.
  experimental: { externalDir: true },
  outputFileTracingRoot: repository,
  webpack(config) {
    config.resolve.extensionAlias = { '.js': ['.ts', '.tsx', '.js'] };
    return config;
  },
  // The store drivers stay plain Node.js modules, loaded from node_modules at run time.
  serverExternalPackages: ['better-sqlite3', 'pg', 'mysql2', 'ioredis'],
};
