import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Session } from '../core/session.js';
import { attachSession } from './node.js';
import type { AppSessionData, AppSessionManager } from './types.js';
import { CSRF_HEADER, isStateChangingMethod } from '../core/csrf.js';
import { formCsrfToken, sessionErrorResponse } from './web.js';
import { commitWebResult, type H3v2Event } from './h3-web.js';

// Brings h3 into the program so the augmentation below applies (v1 and v2 both have H3EventContext).
import type {} from 'h3';

declare module 'h3' {
  interface H3EventContext {
    /** This request's session, set by cloakroom's `session()` middleware (typed by augmenting cloakroom's `SessionData`). */
    session: Session<AppSessionData>;
  }
}

/**
 * The part of an h3 event this middleware reads: h3 v2's (`event.req`, a web `Request`) or
 * h3 v1's, which Nuxt 4 and Nitro 2 still run on (`event.node.req` / `event.node.res`).
 * No h3 type is imported, so one build serves both majors.
 *
 * @example
 * const middleware: (event: H3EventLike) => unknown = session(sessions);
 */
export interface H3EventLike {
  context: Record<string, unknown>;
  req?: unknown;
  /** h3 v1's node objects (h3 v2 on Node has them too, but its middleware gets `next()`). */
  node?: unknown;
}

/**
 * h3 middleware: `event.context.session`, committed before the response is sent.
 *
 * - **h3 v2** (`app.use(session(sessions))`): the middleware awaits `next()` and commits with
 *   the status of what the handler returned (or threw) before h3 writes it.
 * - **h3 v1, Nuxt 4 / Nitro 2** (`export default defineEventHandler(session(sessions))` in
 *   `server/middleware/`): v1 middleware has no `next()`, so the commit is held in front of the
 *   node response's head (as `cloakroom/node` does), which also covers `sendRedirect`.
 *
 * A store failure answers 503; a handler's own error is left to h3 after a commit as a 500
 * (which saves nothing but still ends a flushed session).
 *
 * @example
 * const app = new H3().use(session(sessions));
 * app.get('/home/', (event) => `Welcome, ${event.context.session.get('username') ?? 'Guest'}!`);
 */
export function session(manager: AppSessionManager): (event: H3EventLike, next?: () => unknown) => Promise<unknown> {
  return async (event, next) => {
    if (typeof next !== 'function') return nodeSession(manager, event);
    const v2 = event as H3v2Event;
    let current: Session<AppSessionData>;
    try {
      current = await manager.load(v2.req.headers.get('cookie'), { userAgent: v2.req.headers.get('user-agent') ?? undefined });
    } catch (err) {
      return sessionErrorResponse(err);
    }
    event.context.session = current;
    let result: unknown;
    try {
      result = await next();
    } catch (err) {
      return commitWebResult(manager, current, v2, err, true);
    }
    return commitWebResult(manager, current, v2, result, false);
  };
}

/** h3 v1 (Nuxt 4's Nitro): hold the node response's head until the commit is done. */
async function nodeSession(manager: AppSessionManager, event: H3EventLike): Promise<undefined> {
  const node = event.node as { req: IncomingMessage; res?: ServerResponse } | undefined;
  if (!node?.res) {
    throw new TypeError('cloakroom/h3: call session() as h3 v2 middleware (app.use) or as an h3 v1 handler on Node (event.node.res).');
  }
  const current = await attachSession(manager, node.req, node.res);
  if (current !== null) event.context.session = current; // null: the store failed and the 503 is sent (h3 stops at a handled event)
  return undefined;
}

/**
 * h3 v2 middleware refusing a state-changing request whose CSRF token (header `X-CSRF-Token` or
 * form field `csrf_token`) is missing or foreign, with 403. The form is read from a clone (the
 * handler can still read the body) and never past 64 KiB (413 beyond). Mount it after
 * `session()`. On h3 v1 (Nuxt 4), read the form yourself and call `sessions.checkCsrf(
 * event.context.session, event.method, form.csrf_token)`.
 *
 * @example
 * app.post('/cart/', handler, { middleware: [csrfProtection(sessions)] });
 */
export function csrfProtection(manager: AppSessionManager): (event: H3EventLike, next?: () => unknown) => Promise<unknown> {
  return async (event, next) => {
    const { req } = event as H3v2Event;
    if (typeof next !== 'function' || !(req instanceof Request)) throw new TypeError('cloakroom/h3 csrfProtection() is h3 v2 middleware.');
    try {
      const token = isStateChangingMethod(req.method) ? (req.headers.get(CSRF_HEADER) ?? (await formCsrfToken(req))) : undefined;
      manager.checkCsrf(event.context.session as Session<AppSessionData>, req.method, token);
    } catch (err) {
      return sessionErrorResponse(err);
    }
    return next();
  };
}
