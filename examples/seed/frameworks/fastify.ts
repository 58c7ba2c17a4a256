/**
 * The demo on Fastify 5: cloakroom's plugin, `@fastify/formbody` for urlencoded forms with the
 * demo's `bodyLimit`, and one catch-all route handing every request to the pages.
 */
import type { Server } from 'node:http';
import Fastify, { type FastifyError, type FastifyReply } from 'fastify';
import formbody from '@fastify/formbody';
import { session } from '../../../src/adapters/fastify.ts';
import { formErrorResponse, type DemoResponse } from '../app.ts';
import { FORM_LIMIT, toForm } from '../body.ts';
import type { DemoApp } from '../demo.ts';
import { adapterManager, demoSession, pathOf } from './shared.ts';

/**
 * @example
 * (await mount(app)).listen(3000);
 */
export async function mount(app: DemoApp): Promise<Server> {
  const web = Fastify({ bodyLimit: FORM_LIMIT });
  await web.register(session(adapterManager(app.manager)));
  await web.register(formbody, { bodyLimit: FORM_LIMIT });
  web.route({
    method: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    url: '*',
    exposeHeadRoute: false,
    handler: async (request, reply) => {
      const form = request.method === 'POST' ? toForm(request.body) : new URLSearchParams();
      const response = await app.handle({ method: request.method, path: pathOf(request.url), form }, demoSession(request.session));
      return send(reply, response);
    },
  });
  // Fastify refuses bodies itself: 413 over bodyLimit, 415 for unknown media types, 400 unparsable.
  web.setErrorHandler((err: FastifyError, request, reply) => {
    const status = err.statusCode;
    if (status !== 400 && status !== 413 && status !== 415) return reply.send(err);
    const response = formErrorResponse(demoSession(request.session), status);
    return send(reply, response);
  });
  await web.ready();
  return web.server;
}

function send(reply: FastifyReply, response: DemoResponse): FastifyReply {
  return reply.code(response.status).headers(response.headers).send(response.body);
}
