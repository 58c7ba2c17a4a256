import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Hono, type Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { serve } from '@hono/node-server';
import { csrfProtection, session, type SessionEnv } from '../../src/adapters/hono.ts';
import { adapterSuite, type TestRoute } from './suite.ts';

adapterSuite('hono', async (manager, routes) => {
  const app = new Hono<SessionEnv>();
  app.use(session(manager));
  app.onError((_err, c) => c.text('Internal Server Error', 500)); // the suite's handler bugs need no stack traces
  const run = (route: TestRoute) => (c: Context<SessionEnv>) => {
    const url = new URL(c.req.url);
    const out = route.handler(c.get('session'), { method: c.req.method, url: url.pathname + url.search });
    if (out.redirect) return c.redirect(out.redirect, 302);
    return c.text(out.body ?? '', (out.status ?? 200) as ContentfulStatusCode);
  };
  for (const route of routes) {
    if (route.csrf) app.on(route.method, route.path, csrfProtection(manager), run(route));
    else app.on(route.method, route.path, run(route));
  }
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as Server;
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => (server.close(() => resolve()), server.closeAllConnections())),
  };
});
