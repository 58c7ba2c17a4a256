/**
 * Bundles a Worker for the tests with the esbuild that wrangler ships (runtimes/node_modules),
 * as wrangler would (ESM, browser platform), with `node:test` aliased to the in-Worker shim.
 * With `nodejs_compat` (the default) `node:*` is left to workerd; without it nothing may import
 * `node:*` at all (the build fails if anything does), and `node:assert/strict` is aliased to a
 * shim as well, for the test suites themselves.
 */
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const require = createRequire(new URL('../../../runtimes/package.json', import.meta.url));
const shim = (name: string) => fileURLToPath(new URL(`./${name}`, import.meta.url));

/** The bundle of `entry` as one ES module's text. */
export async function bundleWorker(entry: string, { nodejsCompat = true } = {}): Promise<string> {
  const esbuild = require('esbuild') as typeof import('esbuild');
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['workerd', 'worker', 'browser'],
    external: nodejsCompat ? ['node:*', 'cloudflare:*'] : ['cloudflare:*'],
    alias: nodejsCompat ? { 'node:test': shim('node-test-shim.ts') } : { 'node:test': shim('node-test-shim.ts'), 'node:assert/strict': shim('node-assert-shim.ts') },
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles![0]!.text;
}
