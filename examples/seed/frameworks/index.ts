/**
 * One mount per framework, each loaded only when chosen, so `FRAMEWORK=node` never imports
 * Express or Fastify.
 */
import type { Server } from 'node:http';
import type { FrameworkName } from '../config.ts';
import type { DemoApp } from '../demo.ts';

/** Builds a (not yet listening) node:http server serving `app` through one framework. */
export type Mount = (app: DemoApp) => Server | Promise<Server>;

const MOUNTS: Record<FrameworkName, () => Promise<{ mount: Mount }>> = {
  node: () => import('./node.ts'),
  express: () => import('./express.ts'),
  fastify: () => import('./fastify.ts'),
  hono: () => import('./hono.ts'),
  koa: () => import('./koa.ts'),
  fetch: () => import('./fetch.ts'),
};

/**
 * The server for `app` on `framework`.
 *
 * @example
 * const server = await mountFramework('express', app);
 * server.listen(3000);
 */
export async function mountFramework(framework: FrameworkName, app: DemoApp): Promise<Server> {
  const { mount } = await MOUNTS[framework]();
  return mount(app);
}
