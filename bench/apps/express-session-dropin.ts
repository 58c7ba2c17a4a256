/**
 * cloakroom's express-session drop-in on Express 5: express-session's bench app (same routes,
 * same options, same store objects) with only the import changed, as a user would switch.
 */
import express from 'express';
import { createServer } from 'node:http';
import { CONNECT_METHODS, ROUTES, SECRET, countCalls, homePage, repoModuleUrl, usernameFrom, type AppContext, type RunningApp } from './common.ts';
import { REDIS_URL } from './cloakroom-stores.ts';

/** The drop-in's entry, from the bench's compiled snapshot when there is one. */
export const DROP_IN = 'src/express-session/index.ts';

type DropIn = typeof import('../../src/express-session/index.ts');
type PeerRequest = { session: { username?: string; visits?: number } };
const peer = (req: unknown) => (req as PeerRequest).session;

export function starter(kind: 'memory' | 'redis') {
  return async function start(ctx: AppContext): Promise<RunningApp> {
    const { default: session } = (await import(repoModuleUrl(DROP_IN, import.meta.url))) as DropIn;
    let store: object;
    let close = async () => {};
    if (kind === 'memory') {
      store = new session.MemoryStore();
    } else {
      const { createClient } = await import('redis');
      const { RedisStore } = await import('connect-redis');
      const client = createClient({ url: REDIS_URL });
      await client.connect();
      const prefix = `${ctx.prefix}:`;
      store = new RedisStore({ client: client as never, prefix });
      close = async () => {
        for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) {
          if (keys.length > 0) await client.del(keys);
        }
        await client.quit();
      };
    }
    countCalls(store, CONNECT_METHODS, ctx.counts);
    const app = express();
    // Exactly the peer's options (bench/apps/express-session.ts).
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
