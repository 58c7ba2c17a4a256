import { fileURLToPath } from 'node:url';
import { reactRouter } from '@react-router/dev/vite';
import { defineConfig } from 'vite';

const src = (path: string) => fileURLToPath(new URL(`../../src/${path}`, import.meta.url));

export default defineConfig({
  plugins: [reactRouter()],
  resolve: {
    // The example runs on this repository's source, so a fresh clone needs no `npm run build`
    // first: `cloakroom/...` resolves here as the published package's exports would.
    alias: [
      { find: /^cloakroom\/react-router$/, replacement: src('adapters/react-router.ts') },
      { find: /^cloakroom\/stores\/from-url$/, replacement: src('stores/from-url.ts') },
      { find: /^cloakroom$/, replacement: src('index.ts') },
    ],
  },
});
