/**
 * Bare node:http: no session work at all. The physical limit every row is compared with.
 * Two reference variants, each doing one thing no session library is responsible for:
 * - 'floor': the work no server-side session library can skip and nothing more: it reads the
 *   Cookie header (node:http builds `req.headers` only when asked) and answers `Vary: Cookie`
 *   on the pages that depend on it.
 * - 'reparent': what Express does to every request before any middleware runs
 *   (`Object.setPrototypeOf(req, app.request)` and the same for `res`, in express/lib/application.js),
 *   and nothing else: it shows how much of Express's own cost is that one step.
 */
import { IncomingMessage, ServerResponse, createServer } from 'node:http';
import { ROUTES, homePage, referenceRoute, type AppContext, type RunningApp } from './common.ts';

export type NodeVariant = 'bare' | 'floor' | 'reparent';

export function starter(variant: NodeVariant) {
  return async function start(_ctx: AppContext): Promise<RunningApp> {
    let visits = 0;
    // Per server, like Express's per-app `app.request` / `app.response`.
    const requestPrototype = Object.create(IncomingMessage.prototype) as object;
    const responsePrototype = Object.create(ServerResponse.prototype) as object;
    const server = createServer((req, res) => {
      if (variant === 'reparent') {
        Object.setPrototypeOf(req, requestPrototype);
        Object.setPrototypeOf(res, responsePrototype);
      }
      const path = referenceRoute(req, res);
      if (path === undefined) return;
      if (variant === 'floor' && req.headers.cookie !== undefined) res.setHeader('vary', 'Cookie');
      res.end(path === ROUTES.read ? homePage('Guest') : `visits ${++visits}`);
    });
    return { server, close: async () => {} };
  };
}
