import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { CSRF_HEADER } from '../core/csrf.js';
import { applySessionHeaders, type HeaderTarget } from '../core/manager.js';
import type { Session as CloakroomSession } from '../core/session.js';
import { sentCsrfToken } from './csrf-token.js';
import type { AppSessionData, AppSessionManager } from './types.js';
import { errorAnswer } from './error-answer.js';

// Aliased: inside this block a bare `Session` would resolve to fastify's own (as augmented by @fastify/session).
declare module 'fastify' {
  interface FastifyRequest {
    /** This request's session (typed by augmenting cloakroom's `SessionData`). */
    session: CloakroomSession<AppSessionData>;
  }
}

const replyHeaders = (reply: FastifyReply): HeaderTarget => ({
  get: (name) => reply.getHeader(name)?.toString(),
  set: (name, value) => void reply.header(name, value),
  append: (name, value) => void reply.header(name, value), // Fastify appends to Set-Cookie
});

/** Replaces the reply with an error's bounded answer; returns the new payload. */
function answerError(reply: FastifyReply, err: unknown): string {
  const { status, headers, body } = errorAnswer(err);
  for (const name of Object.keys(reply.getHeaders())) reply.removeHeader(name);
  reply.code(status).headers(headers);
  return body;
}

/**
 * Fastify 5 plugin: decorates `request.session` and commits it in `onSend`, the last hook before
 * the headers are written, so a redirect leaves only once the store has the data
 * (express-session #360). Not encapsulated (`skip-override`, what fastify-plugin sets), so the
 * session reaches every route. A store failure answers 503.
 *
 * @example
 * await app.register(session(sessions));
 * app.get('/home/', async (request) => `Welcome, ${request.session.get('username') ?? 'Guest'}!`);
 */
export function session(manager: AppSessionManager): FastifyPluginAsync {
  const plugin: FastifyPluginAsync = async (fastify) => {
    fastify.decorateRequest('session', null as unknown as CloakroomSession<AppSessionData>);
    fastify.addHook('onRequest', async (request, reply) => {
      try {
        request.session = await manager.load(request.headers.cookie, { userAgent: request.headers['user-agent'] });
      } catch (err) {
        return reply.send(answerError(reply, err));
      }
    });
    fastify.addHook('onSend', async (request, reply, payload) => {
      if (!request.session) return payload; // the load failed and its error answer is going out
      try {
        applySessionHeaders(await manager.commit(request.session, { status: reply.statusCode }), replyHeaders(reply));
        return payload;
      } catch (err) {
        return answerError(reply, err);
      }
    });
  };
  return Object.assign(plugin, { [Symbol.for('skip-override')]: true, [Symbol.for('fastify.display-name')]: 'cloakroom' });
}

/**
 * A `preHandler` that refuses a state-changing request whose CSRF token (header `X-CSRF-Token`
 * or form field `csrf_token`, parsed by `@fastify/formbody`) is missing or foreign, with 403.
 *
 * @example
 * app.post('/', { preHandler: csrfProtection(sessions) }, async (request, reply) => reply.redirect('/home/'));
 */
export function csrfProtection(manager: AppSessionManager) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    try {
      manager.checkCsrf(request.session, request.method, sentCsrfToken(request.headers[CSRF_HEADER], request.body));
    } catch (err) {
      return reply.send(answerError(reply, err));
    }
  };
}
