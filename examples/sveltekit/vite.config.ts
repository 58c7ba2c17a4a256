import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [sveltekit()],
  // The seed's shared modules (config, cart) live in ../seed, outside this package.
  server: { fs: { allow: ['../..'] } },
});
