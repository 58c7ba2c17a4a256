/** Bare Fastify 5: the baseline for @fastify/session. */
import Fastify from 'fastify';
import { ROUTES, homePage, type AppContext, type RunningApp } from './common.ts';

export async function start(_ctx: AppContext): Promise<RunningApp> {
  const app = Fastify({ logger: false });
  let visits = 0;
  app.get(ROUTES.login, async () => 'ok');
  app.get(ROUTES.read, async (_req, reply) => reply.type('text/html; charset=utf-8').send(homePage('Guest')));
  app.get(ROUTES.write, async () => `visits ${++visits}`);
  app.get(ROUTES.cookieless, async () => 'ok');
  await app.ready();
  return { server: app.server, close: () => app.close() };
}
