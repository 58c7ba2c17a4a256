import { isSessionError } from '../core/errors.js';
import { CSRF_HEADER, isStateChangingMethod } from '../core/csrf.js';
import type { SessionManager } from '../core/manager.js';
import type { Session, SessionDataShape } from '../core/session.js';
import { formCsrfToken, sessionErrorResponse, withSessionHeaders } from './web.js';

export { sessionErrorResponse, withSessionHeaders } from './web.js';

/**
 * A web-standard handler that also receives the request's session.
 *
 * @example
 * const handler: FetchSessionHandler<{ n: number }> = (request, session) => new Response(String(session.get('n') ?? 0));
 */
export type FetchSessionHandler<Data extends SessionDataShape> = (request: Request, session: Session<Data>) => Response | Promise<Response>;

/**
 * Wraps a web-standard handler (`Request` → `Response`: Deno, Bun, workers, `@hono/node-server`)
 * so it receives the request's session. The session is committed before the `Response` is
 * returned, so its headers are complete before anything is sent. A `SessionError` thrown by the
 * handler or the store becomes its bounded answer (403, 503 …); other errors are rethrown to the
 * platform after the commit of a 500 (which saves nothing).
 *
 * @example
 * export default { fetch: withSession(sessions, (request, session) => {
 *   session.set('visits', (session.get('visits') ?? 0) + 1);
 *   return Response.redirect(new URL('/home/', request.url), 303);
 * }) };
 */
export function withSession<Data extends SessionDataShape>(
  manager: SessionManager<Data>,
  handler: FetchSessionHandler<Data>,
): (request: Request) => Promise<Response> {
  return async (request) => {
    try {
      const session = await manager.load(request.headers.get('cookie'), { userAgent: request.headers.get('user-agent') ?? undefined });
      let response: Response;
      try {
        response = await handler(request, session);
      } catch (err) {
        if (!isSessionError(err)) {
          await manager.commitAfterThrow(session);
          throw err;
        }
        response = sessionErrorResponse(err);
      }
      return withSessionHeaders(response, await manager.commit(session, response));
    } catch (err) {
      if (isSessionError(err)) return sessionErrorResponse(err);
      throw err;
    }
  };
}

/**
 * Refuses a state-changing request whose CSRF token (header `X-CSRF-Token`, or field
 * `csrf_token` of a urlencoded or multipart form) is missing or foreign: throws `SessionError`
 * `ERR_CSRF`, which `withSession` answers with 403. Reads the form from a clone, so the body stays
 * unread, and never past 64 KiB (413 beyond).
 *
 * @example
 * withSession(sessions, async (request, session) => {
 *   await checkCsrf(sessions, request, session);
 *   const form = await request.formData();
 * });
 */
export async function checkCsrf<Data extends SessionDataShape>(manager: SessionManager<Data>, request: Request, session: Session<Data>): Promise<void> {
  if (!isStateChangingMethod(request.method)) return;
  const token = request.headers.get(CSRF_HEADER) ?? (await formCsrfToken(request));
  manager.checkCsrf(session, request.method, token);
}
