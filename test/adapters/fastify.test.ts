import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import formbody from '@fastify/formbody';
import { csrfProtection, session } from '../../src/adapters/fastify.ts';
import { adapterSuite } from './suite.ts';

adapterSuite('fastify', async (manager, routes) => {
  const app = Fastify();
  await app.register(formbody, { bodyLimit: 16 * 1024 });
  await app.register(session(manager));
  for (const route of routes) {
    app.route({
      method: route.method,
      url: route.path,
      ...(route.csrf ? { preHandler: csrfProtection(manager) } : {}),
      handler: async (request, reply) => {
        const out = route.handler(request.session, { method: request.method, url: request.url });
        if (out.redirect) return reply.redirect(out.redirect, 302);
        return reply.code(out.status ?? 200).type('text/plain; charset=utf-8').send(out.body ?? '');
      },
    });
  }
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, close: () => app.close() };
});
