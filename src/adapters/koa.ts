import type { Context, Middleware } from 'koa';
import { CSRF_HEADER } from '../core/csrf.js';
import { applySessionHeaders } from '../core/manager.js';
import type { Session } from '../core/session.js';
import { sentCsrfToken } from './csrf-token.js';
import type { AppSessionData, AppSessionManager } from './types.js';
import { errorAnswer } from './error-answer.js';
import { loadContext, nodeHeaderTarget } from './node-response.js';

declare module 'koa' {
  interface DefaultContext {
    /** This request's session (typed by augmenting cloakroom's `SessionData`). */
    session: Session<AppSessionData>;
  }
}

/** Replaces whatever the downstream middleware set with an error's bounded answer. */
function answerError(ctx: Context, err: unknown): void {
  const { status, headers, body } = errorAnswer(err);
  for (const name of ctx.res.getHeaderNames()) ctx.res.removeHeader(name);
  ctx.status = status;
  ctx.set(headers);
  ctx.body = body;
}

/**
 * Koa 3 middleware: `ctx.session`. Koa writes the response only after the whole middleware
 * chain has run, so the commit after `await next()` lands before any header is sent
 * (express-session #360). Mount it first. A store failure answers 503.
 *
 * @example
 * app.use(session(sessions));
 * app.use((ctx) => { ctx.body = `Welcome, ${ctx.session.get('username') ?? 'Guest'}!`; });
 */
export function session(manager: AppSessionManager): Middleware {
  return async (ctx, next) => {
    try {
      ctx.session = await manager.load(ctx.headers.cookie, loadContext(ctx.req));
    } catch (err) {
      return answerError(ctx, err);
    }
    try {
      await next();
    } catch (err) {
      await manager.commitAfterThrow(ctx.session); // Koa's error handler answers this one
      throw err;
    }
    try {
      applySessionHeaders(await manager.commit(ctx.session, { status: ctx.status }), nodeHeaderTarget(ctx.res));
    } catch (err) {
      answerError(ctx, err);
    }
  };
}

/**
 * Refuses a state-changing request whose CSRF token (header `X-CSRF-Token` or form field
 * `csrf_token` of `ctx.request.body`, as set by a body parser) is missing or foreign, with 403.
 *
 * @example
 * router.post('/', bodyParser(), csrfProtection(sessions), (ctx) => ctx.redirect('/home/'));
 */
export function csrfProtection(manager: AppSessionManager): Middleware {
  return async (ctx, next) => {
    try {
      manager.checkCsrf(ctx.session, ctx.method, sentCsrfToken(ctx.get(CSRF_HEADER), (ctx.request as { body?: unknown }).body));
    } catch (err) {
      return answerError(ctx, err);
    }
    await next();
  };
}
