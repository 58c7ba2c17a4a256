/** cloakroom on node:http (`withSession`), with the store named by the configuration. */
import { createServer } from 'node:http';
import { SessionManager } from '../../src/core/manager.ts';
import { withSession } from '../../src/adapters/node.ts';
import { ROUTES, SECRET, homePage, usernameFrom, type AppContext, type RunningApp } from './common.ts';
import { openCloakroomStore, type StoreKind } from './cloakroom-stores.ts';

/** `kind` and `target` default to BENCH_STORE_KIND / BENCH_STORE_TARGET (the scale study's server). */
export function starter(kind?: StoreKind) {
  return async function start(ctx: AppContext): Promise<RunningApp> {
    const chosen = kind ?? (process.env.BENCH_STORE_KIND as StoreKind | undefined);
    if (!chosen) throw new Error('BENCH_STORE_KIND is not set');
    const store = await openCloakroomStore(chosen, ctx, kind ? undefined : process.env.BENCH_STORE_TARGET);
    const sessions = new SessionManager<{ username: string; visits: number }>({ store: store.store as never, secrets: SECRET });
    const server = createServer(
      withSession(sessions, (req, res, session) => {
        const path = req.url?.split('?')[0];
        res.setHeader('content-type', 'text/html; charset=utf-8');
        if (path === ROUTES.login) {
          session.set('username', usernameFrom(req.url));
          session.set('visits', 0);
          res.end('ok');
        } else if (path === ROUTES.read) {
          res.end(homePage(session.get('username', 'Guest')));
        } else if (path === ROUTES.write) {
          const visits = session.get('visits', 0) + 1;
          session.set('visits', visits);
          res.end(`visits ${visits}`);
        } else if (path === ROUTES.cookieless) {
          res.end('ok');
        } else {
          res.statusCode = 404;
          res.end('Not Found');
        }
      }),
    );
    return { server, close: () => store.close() };
  };
}
