/** cloakroom on Express 5 (`cloakroom/express`'s `session(manager)` middleware, optionally with `patchPrototypes`). */
import express from 'express';
import { createServer } from 'node:http';
import type { RequestHandler } from 'express';
import { SessionManager } from '../../src/core/manager.ts';
import type { Session } from '../../src/core/session.ts';
import { ROUTES, SECRET, homePage, repoModuleUrl, usernameFrom, type AppContext, type RunningApp } from './common.ts';
import { openCloakroomStore, type StoreKind } from './cloakroom-stores.ts';

type Data = { username: string; visits: number };
type SessionRequest = { session: Session<Data>; url: string };

/** Source of the adapter (checked before a run; imported by path so a missing one is "not built"). */
export const EXPRESS_ADAPTER = 'src/adapters/express.ts';

export function starter(kind: StoreKind, patchPrototypes = false) {
  return async function start(ctx: AppContext): Promise<RunningApp> {
    const adapter = (await import(repoModuleUrl(EXPRESS_ADAPTER, import.meta.url))) as {
      session(manager: SessionManager<any>, options?: { patchPrototypes?: boolean }): RequestHandler;
    };
    const store = await openCloakroomStore(kind, ctx);
    const sessions = new SessionManager<Data>({ store: store.store as never, secrets: SECRET });
    const app = express();
    app.use(adapter.session(sessions, { patchPrototypes }));
    app.get(ROUTES.login, (req, res) => {
      const { session } = req as unknown as SessionRequest;
      session.set('username', usernameFrom(req.url));
      session.set('visits', 0);
      res.send('ok');
    });
    app.get(ROUTES.read, (req, res) => void res.send(homePage((req as unknown as SessionRequest).session.get('username', 'Guest'))));
    app.get(ROUTES.write, (req, res) => {
      const { session } = req as unknown as SessionRequest;
      const visits = session.get('visits', 0) + 1;
      session.set('visits', visits);
      res.send(`visits ${visits}`);
    });
    app.get(ROUTES.cookieless, (_req, res) => void res.send('ok'));
    return { server: createServer(app), close: () => store.close() };
  };
}
