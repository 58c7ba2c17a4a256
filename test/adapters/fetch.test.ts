import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { checkCsrf, withSession } from '../../src/adapters/fetch.ts';
import { adapterSuite } from './suite.ts';

adapterSuite('fetch', async (manager, routes) => {
  const handler = withSession(manager, async (request, session) => {
    const url = new URL(request.url);
    const route = routes.find((r) => r.method === request.method && r.path === url.pathname);
    if (!route) return new Response('Not Found', { status: 404 });
    if (route.csrf) await checkCsrf(manager, request, session);
    const out = route.handler(session, { method: request.method, url: url.pathname + url.search });
    // Response.redirect() has immutable headers: the adapter must still add its own.
    if (out.redirect) return Response.redirect(new URL(out.redirect, url), 302);
    return new Response(out.body ?? '', { status: out.status ?? 200, headers: { 'content-type': 'text/plain; charset=utf-8' } });
  });
  const server = serve({ fetch: handler, port: 0, hostname: '127.0.0.1' }) as Server;
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => (server.close(() => resolve()), server.closeAllConnections())),
  };
});
