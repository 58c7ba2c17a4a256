/** Bare node:http: no session work at all. The physical limit every row is compared with. */
import { createServer } from 'node:http';
import { ROUTES, homePage, type AppContext, type RunningApp } from './common.ts';

export async function start(_ctx: AppContext): Promise<RunningApp> {
  let visits = 0;
  const server = createServer((req, res) => {
    const path = req.url?.split('?')[0];
    res.setHeader('content-type', 'text/html; charset=utf-8');
    if (path === ROUTES.login || path === ROUTES.cookieless) res.end('ok');
    else if (path === ROUTES.read) res.end(homePage('Guest'));
    else if (path === ROUTES.write) res.end(`visits ${++visits}`);
    else {
      res.statusCode = 404;
      res.end('Not Found');
    }
  });
  return { server, close: async () => {} };
}
