import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { fetchRoutes } from './fetch-routes.ts';
import { adapterSuite } from './suite.ts';

adapterSuite('fetch', async (manager, routes) => {
  const server = serve({ fetch: fetchRoutes(manager, routes), port: 0, hostname: '127.0.0.1' }) as Server;
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => (server.close(() => resolve()), server.closeAllConnections())),
  };
});
