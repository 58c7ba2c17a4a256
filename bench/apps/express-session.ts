/** The peer: express-session 1.x on Express 5, with its MemoryStore or connect-redis@9. */
import express from 'express';
import session, { MemoryStore, type Store } from 'express-session';
import { createServer } from 'node:http';
import { CONNECT_METHODS, ROUTES, SECRET, countCalls, homePage, usernameFrom, type AppContext, type RunningApp } from './common.ts';
import { REDIS_URL } from './cloakroom-stores.ts';

/**
 * express-session's view of `req.session`. Cast locally: cloakroom's own Express adapter types
 * `req.session` globally as a cloakroom Session, and both live in one TypeScript program.
 */
type PeerRequest = { session: { username?: string; visits?: number } };
const peer = (req: unknown) => (req as PeerRequest).session;

/** What an express-session-shaped module gives the app: its middleware factory and its MemoryStore. */
export interface ExpressSessionModule {
  session: (options: { secret: string; store: Store; resave: boolean; saveUninitialized: boolean }) => express.RequestHandler;
  MemoryStore: new () => Store;
}

/** express-session itself, with its MemoryStore or connect-redis. */
export function starter(kind: 'memory' | 'redis') {
  return expressSessionStarter(kind, async () => ({ session, MemoryStore }));
}

/**
 * The peer's app on `kind`'s store, with the middleware that `load` gives: express-session, or
 * a module that means to replace it (bench/apps/express-session-dropin.ts).
 */
export function expressSessionStarter(kind: 'memory' | 'redis', load: () => Promise<ExpressSessionModule>) {
  return async function start(ctx: AppContext): Promise<RunningApp> {
    const { session, MemoryStore } = await load();
    let store: Store;
    let close = async () => {};
    if (kind === 'memory') {
      store = new MemoryStore();
    } else {
      const { createClient } = await import('redis');
      const { RedisStore } = await import('connect-redis');
      const client = createClient({ url: REDIS_URL });
      await client.connect();
      const prefix = `${ctx.prefix}:`;
      store = new RedisStore({ client, prefix });
      close = async () => {
        for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) {
          if (keys.length > 0) await client.del(keys);
        }
        await client.quit();
      };
    }
    countCalls(store, CONNECT_METHODS, ctx.counts);
    const app = express();
    // The settings express-session's README recommends, as a careful user would set them.
    app.use(session({ secret: SECRET, store, resave: false, saveUninitialized: false }));
    app.get(ROUTES.login, (req, res) => {
      peer(req).username = usernameFrom(req.url);
      peer(req).visits = 0;
      res.send('ok');
    });
    app.get(ROUTES.read, (req, res) => void res.send(homePage(peer(req).username ?? 'Guest')));
    app.get(ROUTES.write, (req, res) => {
      const visits = (peer(req).visits ?? 0) + 1;
      peer(req).visits = visits;
      res.send(`visits ${visits}`);
    });
    app.get(ROUTES.cookieless, (_req, res) => void res.send('ok'));
    return { server: createServer(app), close };
  };
}
