/**
 * Bundles a Worker for the tests with the esbuild that wrangler ships (runtimes/node_modules),
 * as wrangler would (ESM, browser platform, `node:*` left to workerd's nodejs_compat), with
 * `node:test` aliased to the in-Worker shim.
 */
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const require = createRequire(new URL('../../../runtimes/package.json', import.meta.url));

/** The bundle of `entry` as one ES module's text. */
export async function bundleWorker(entry: string): Promise<string> {
  const esbuild = require('esbuild') as typeof import('esbuild');
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['workerd', 'worker', 'browser'],
    external: ['node:*', 'cloudflare:*'],
    alias: { 'node:test': fileURLToPath(new URL('./node-test-shim.ts', import.meta.url)) },
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}
