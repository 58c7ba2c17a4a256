/**
 * Bare node:http: no session work at all. The physical limit every row is compared with.
 * With `sessionFloor`, the work no server-side session library can skip and nothing more:
 * it reads the Cookie header (node:http builds `req.headers` only when asked) and answers
 * `Vary: Cookie` on the pages that depend on it.
 */
import { createServer } from 'node:http';
import { ROUTES, homePage, referenceRoute, type AppContext, type RunningApp } from './common.ts';

export function starter(sessionFloor: boolean) {
  return async function start(_ctx: AppContext): Promise<RunningApp> {
    let visits = 0;
    const server = createServer((req, res) => {
      const path = referenceRoute(req, res);
      if (path === undefined) return;
      if (sessionFloor && req.headers.cookie !== undefined) res.setHeader('vary', 'Cookie');
      res.end(path === ROUTES.read ? homePage('Guest') : `visits ${++visits}`);
    });
    return { server, close: async () => {} };
  };
}
