/**
 * Miniflare (workerd under Node) from runtimes/node_modules, loaded only by the Workers tests.
 */
import { createRequire } from 'node:module';

const require = createRequire(new URL('../../../runtimes/package.json', import.meta.url));

/** The part of Miniflare's API the tests use. */
export interface MiniflareLike {
  dispatchFetch(url: string, init?: RequestInit): Promise<Response>;
  /** The URL workerd listens on (with `listen: true`), once it is up. */
  ready: Promise<URL>;
  dispose(): Promise<void>;
}

/** Compatibility settings shared by the test Workers and the seed Worker's wrangler.toml. */
export const COMPATIBILITY = { compatibilityDate: '2026-04-01', compatibilityFlags: ['nodejs_compat'] };

/**
 * A Miniflare instance serving one bundled module Worker with `bindings` (Miniflare's own
 * option names: `d1Databases`, `durableObjects`, `bindings` …). `cf: false`: no call home.
 * With `listen`, workerd also serves it over real HTTP on a free loopback port (`ready`);
 * `nodejsCompat: false` runs it without the `nodejs_compat` flag.
 */
export function startMiniflare(script: string, bindings: Record<string, unknown> = {}, { listen = false, nodejsCompat = true } = {}): MiniflareLike {
  const { Miniflare } = require('miniflare') as { Miniflare: new (options: Record<string, unknown>) => MiniflareLike };
  const socket = listen ? { host: '127.0.0.1', port: 0 } : {};
  const compatibility = nodejsCompat ? COMPATIBILITY : { ...COMPATIBILITY, compatibilityFlags: [] };
  return new Miniflare({ modules: true, script, ...compatibility, cf: false, ...socket, ...bindings });
}
