/** The peer: @fastify/session 11 with @fastify/cookie on Fastify 5, default (memory) store. */
import Fastify from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifySession from '@fastify/session';
import { CONNECT_METHODS, ROUTES, SECRET, countCalls, homePage, usernameFrom, type AppContext, type RunningApp } from './common.ts';

/** @fastify/session's `request.session`, cast locally (cloakroom's Fastify adapter types it too). */
type PeerRequest = { session: { username?: string; visits?: number } };
const peer = (req: unknown) => (req as PeerRequest).session;

export async function start(ctx: AppContext): Promise<RunningApp> {
  const app = Fastify({ logger: false });
  const store = countCalls(new fastifySession.MemoryStore(), CONNECT_METHODS, ctx.counts);
  await app.register(fastifyCookie);
  await app.register(fastifySession, { secret: SECRET, saveUninitialized: false, cookie: { secure: false }, store });
  app.get(ROUTES.login, async (req) => {
    peer(req).username = usernameFrom(req.url);
    peer(req).visits = 0;
    return 'ok';
  });
  app.get(ROUTES.read, async (req, reply) => reply.type('text/html; charset=utf-8').send(homePage(peer(req).username ?? 'Guest')));
  app.get(ROUTES.write, async (req) => {
    const visits = (peer(req).visits ?? 0) + 1;
    peer(req).visits = visits;
    return `visits ${visits}`;
  });
  app.get(ROUTES.cookieless, async () => 'ok');
  await app.ready();
  return { server: app.server, close: () => app.close() };
}
