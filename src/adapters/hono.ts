import type { MiddlewareHandler } from 'hono';
import { CSRF_HEADER, isStateChangingMethod } from '../core/csrf.js';
import type { Session } from '../core/session.js';
import type { AppSessionData, AppSessionManager } from './types.js';
import { formCsrfToken, sessionErrorResponse, withSessionHeaders } from './web.js';

/**
 * Hono environment with the session variable, for `new Hono<SessionEnv>()` or `createMiddleware<SessionEnv>`.
 *
 * @example
 * const app = new Hono<SessionEnv>();
 */
export type SessionEnv = { Variables: { session: Session<AppSessionData> } };

declare module 'hono' {
  interface ContextVariableMap {
    /** This request's session: `c.get('session')` (typed by augmenting cloakroom's `SessionData`). */
    session: Session<AppSessionData>;
  }
}

/**
 * Hono 4 middleware: `c.get('session')`. Hono hands the `Response` to the server only after the
 * middleware chain, so the commit after `await next()` lands before any header is sent
 * (express-session #360). A store failure answers 503.
 *
 * @example
 * app.use(session(sessions));
 * app.get('/home/', (c) => c.text(`Welcome, ${c.get('session').get('username') ?? 'Guest'}!`));
 */
export function session(manager: AppSessionManager): MiddlewareHandler<SessionEnv> {
  return async (c, next) => {
    try {
      const current = await manager.load(c.req.header('cookie'), { userAgent: c.req.header('user-agent') });
      c.set('session', current);
      await next();
      const response = withSessionHeaders(c.res, await manager.commit(current, c.res));
      if (response !== c.res) replaceResponse(c, response);
    } catch (err) {
      replaceResponse(c, sessionErrorResponse(err));
    }
  };
}

/** Hono merges the old response's headers into an assigned one unless the old one is cleared first. */
function replaceResponse(c: { res: Response | undefined }, response: Response): void {
  c.res = undefined;
  c.res = response;
}

/**
 * Refuses a state-changing request whose CSRF token (header `X-CSRF-Token` or form field
 * `csrf_token`) is missing or foreign, with 403. The form is read from a clone (the handler can
 * still call `c.req.parseBody()`) and never past 64 KiB: a larger one is refused with 413.
 *
 * @example
 * app.post('/', csrfProtection(sessions), async (c) => c.redirect('/home/'));
 */
export function csrfProtection(manager: AppSessionManager): MiddlewareHandler<SessionEnv> {
  return async (c, next) => {
    try {
      const token = isStateChangingMethod(c.req.method) ? (c.req.header(CSRF_HEADER) ?? (await formCsrfToken(c.req.raw))) : undefined;
      manager.checkCsrf(c.get('session'), c.req.method, token);
    } catch (err) {
      return sessionErrorResponse(err);
    }
    await next();
  };
}
