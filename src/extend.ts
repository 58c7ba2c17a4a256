/**
 * `cloakroom/extend`: what you need to write an adapter for another framework, or a store for
 * another backend. Everything else under `src/` is private and may change in any release.
 *
 * **An adapter** does four things, in this order: load the session from the Cookie header
 * (`manager.load`), hand it to the application, commit it with the response's status
 * (`manager.commit`) *before* the response's headers leave, and write the commit's headers
 * with {@link applySessionHeaders} through a {@link HeaderTarget}. When a request cannot go on
 * (the store is down, a CSRF token is missing), {@link errorAnswer} gives the bounded status,
 * headers and body every bundled adapter sends.
 *
 * A minimal adapter for web-standard handlers (`cloakroom/fetch` is the complete one):
 *
 * ```ts
 * import type { Session, SessionManager } from 'cloakroom';
 * import { applySessionHeaders, errorAnswer, type HeaderTarget } from 'cloakroom/extend';
 *
 * type Handler = (request: Request, session: Session) => Promise<Response>;
 *
 * export function sessions(manager: SessionManager, handler: Handler) {
 *   return async (request: Request): Promise<Response> => {
 *     try {
 *       const session = await manager.load(request.headers.get('cookie'));
 *       const response = await handler(request, session);
 *       const headers = new Headers(response.headers);
 *       const target: HeaderTarget = {
 *         get: (name) => headers.get(name) ?? undefined,
 *         set: (name, value) => headers.set(name, value),
 *         append: (name, value) => headers.append(name, value),
 *       };
 *       applySessionHeaders(await manager.commit(session, response), target);
 *       return new Response(response.body, { status: response.status, headers });
 *     } catch (err) {
 *       const { status, headers, body } = errorAnswer(err); // 503 when the store is down, 500 otherwise
 *       return new Response(body, { status, headers });
 *     }
 *   };
 * }
 * ```
 *
 * (A complete adapter also commits with status 500 when the handler throws, so that a `flush()`
 * still ends the old session while nothing else is saved.)
 *
 * **A store** implements {@link SessionStore} (or {@link StatelessStore} for one that keeps the
 * session in the cookie) and is proven by running `describeStoreConformance` from
 * `cloakroom/testing` against it. {@link applyChange} is the reference semantics of
 * `SessionStore.update`: an in-memory or document store can apply a change with it directly.
 *
 * @module
 */
export {
  applyChange,
  isStatelessStore,
  type SessionStore,
  type SessionRecord,
  type SessionChange,
  type UserSessionInfo,
  type ClearExpiredOptions,
  type StoreStats,
  type StatelessStore,
  type SessionIdScheme,
  type StoreTierReport,
} from './core/store.js';
export { applySessionHeaders, privateCacheControl, type HeaderTarget, type CommitResult } from './core/manager.js';
export { errorAnswer, type ErrorAnswer } from './adapters/error-answer.js';
export { readCookie } from './core/cookie.js';
export type { AppSessionManager } from './adapters/types.js';
