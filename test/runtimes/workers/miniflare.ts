/**
 * Miniflare (workerd under Node) from runtimes/node_modules, loaded only by the Workers tests.
 */
import { createRequire } from 'node:module';

const require = createRequire(new URL('../../../runtimes/package.json', import.meta.url));

/** The part of Miniflare's API the tests use. */
export interface MiniflareLike {
  dispatchFetch(url: string, init?: RequestInit): Promise<Response>;
  dispose(): Promise<void>;
}

/** Compatibility settings shared by the test Workers and the seed Worker's wrangler.toml. */
export const COMPATIBILITY = { compatibilityDate: '2026-04-01', compatibilityFlags: ['nodejs_compat'] };

/**
 * A Miniflare instance serving one bundled module Worker with `bindings` (Miniflare's own
 * option names: `d1Databases`, `durableObjects`, `bindings` …). `cf: false`: no call home.
 */
export function startMiniflare(script: string, bindings: Record<string, unknown> = {}): MiniflareLike {
  const { Miniflare } = require('miniflare') as { Miniflare: new (options: Record<string, unknown>) => MiniflareLike };
  return new Miniflare({ modules: true, script, ...COMPATIBILITY, cf: false, ...bindings });
}
