/**
 * `cloakroom/react-router`: React Router 7 (framework and data mode) sessions backed by a
 * cloakroom manager, in the two shapes React Router apps use.
 *
 * - {@link createCloakroomSessionStorage}: a `SessionStorage` that fits wherever an app calls
 *   `createCookieSessionStorage`/`createSessionStorage` today (`getSession(cookieHeader)`,
 *   `commitSession`, `destroySession`; `session.get/set/has/unset/flash`). Underneath, only the
 *   keys a request changed are written, so parallel actions keep each other's writes, and a
 *   commit that races a logout is refused instead of bringing the session back.
 * - {@link createSessionMiddleware}: for React Router's middleware (`future.v8_middleware`):
 *   loaders and actions read `context.get(sessionContext)`, and the commit happens after the
 *   route's response is ready, before it leaves — no `commitSession` by hand.
 *
 * Glue only: loading, the commit decisions and the headers are the core's.
 *
 * @module
 */
import { createContext, type MiddlewareFunction, type RouterContext, type Session as RouterSession, type SessionStorage } from 'react-router';
import { SessionError, isSessionError } from '../core/errors.js';
import type { Session, SessionDataShape } from '../core/session.js';
import type { AppSessionData, AppSessionManager } from './types.js';
import { checkCsrf } from './fetch.js';
import { sessionErrorResponse, withSessionHeaders } from './web.js';

/** React Router's spelling of a flashed key, kept so `session.data` looks as it does there. */
const flashKey = (name: string): string => `__flash_${name}__`;

/**
 * A React Router `Session` whose data lives in a cloakroom {@link Session}: `storage.manager`
 * and `cloakroom` give the rest of cloakroom (`login`, `cycleKey`, `csrfToken`, per-user lists).
 *
 * @example
 * const session = await storage.getSession(request.headers.get('Cookie'));
 * session.cloakroom.login(user.id); // new ID against fixation, listed with the user's sessions
 */
export interface CloakroomRouterSession<Data = AppSessionData, FlashData = Data> extends RouterSession<Data, FlashData> {
  /** The cloakroom session underneath. */
  readonly cloakroom: Session<Data & SessionDataShape>;
}

/**
 * `SessionStorage` of React Router, backed by a cloakroom manager.
 *
 * @example
 * const { getSession, commitSession, destroySession } = createCloakroomSessionStorage<{ userId: string }>(sessions);
 */
export interface CloakroomSessionStorage<Data = AppSessionData, FlashData = Data> extends SessionStorage<Data, FlashData> {
  getSession(cookieHeader?: string | null): Promise<CloakroomRouterSession<Data, FlashData>>;
  /** `getSession` from a `Request`: its Cookie header, and its User-Agent for the user's session list. */
  sessionFor(request: Request): Promise<CloakroomRouterSession<Data, FlashData>>;
  /** The manager it was made with (`listUserSessions`, `revokeUserSessions`, `checkCsrf`). */
  readonly manager: AppSessionManager;
}

/** The cloakroom session behind each view this module handed out. */
const inner = new WeakMap<object, Session<Record<string, unknown>>>();

/**
 * A React Router `SessionStorage` on a cloakroom `SessionManager`.
 *
 * `commitSession` resolves to the `Set-Cookie` value to send: the empty string when nothing needs
 * sending (an unchanged session whose cookie is still current — cloakroom writes nothing then).
 * It rejects with `SessionError` `ERR_SESSION_INTERRUPTED` (400) when the session was ended
 * elsewhere while the request ran (a logout in another tab): its changes are not saved, so the
 * logout stands. `ERR_STORE_UNAVAILABLE` (503) when the store fails.
 *
 * @example
 * export async function action({ request }: Route.ActionArgs) {
 *   const session = await getSession(request.headers.get('Cookie'));
 *   session.set('theme', 'dark');
 *   return redirect('/', { headers: { 'Set-Cookie': await commitSession(session) } });
 * }
 */
export function createCloakroomSessionStorage<Data = AppSessionData, FlashData = Data>(manager: AppSessionManager): CloakroomSessionStorage<Data, FlashData> {
  const wrap = (session: Session<Record<string, unknown>>) => routerSession<Data, FlashData>(session);
  const commit = async (view: RouterSession<Data, FlashData>): Promise<string> => {
    const result = await manager.commit(innerOf(view), { status: 200 });
    return result.setCookie ?? '';
  };
  return {
    manager,
    getSession: async (cookieHeader) => wrap(await manager.load(cookieHeader)),
    sessionFor: async (request) => wrap(await manager.load(request.headers.get('cookie'), { userAgent: request.headers.get('user-agent') ?? undefined })),
    commitSession: commit,
    destroySession: async (view) => {
      innerOf(view).flush();
      return commit(view);
    },
  };
}

function innerOf(view: object): Session<Record<string, unknown>> {
  const session = inner.get(view);
  if (!session) throw new SessionError('ERR_SESSION_CONFIG', 'commitSession/destroySession got a session that this cloakroom storage did not make (call its getSession).');
  return session;
}

/** The React Router view of a cloakroom session: flash values as React Router keeps them, read once. */
function routerSession<Data, FlashData>(session: Session<Record<string, unknown>>): CloakroomRouterSession<Data, FlashData> {
  const view = {
    get id() {
      return session.id ?? '';
    },
    get data() {
      return Object.fromEntries(session.entries());
    },
    get cloakroom() {
      return session;
    },
    has: (name: string) => session.has(name) || session.has(flashKey(name)),
    get: (name: string) => {
      if (session.has(name)) return session.get(name);
      // A flashed value is gone once read, as in React Router (the removal is saved at commit).
      return session.has(flashKey(name)) ? session.pop(flashKey(name)) : undefined;
    },
    set: (name: string, value: unknown) => session.set(name, value),
    flash: (name: string, value: unknown) => session.set(flashKey(name), value),
    unset: (name: string) => {
      session.delete(name);
    },
  };
  inner.set(view, session);
  return view as unknown as CloakroomRouterSession<Data, FlashData>;
}

/**
 * Options of {@link createSessionMiddleware}.
 *
 * @example
 * createSessionMiddleware(sessions, { csrf: true });
 */
export interface SessionMiddlewareOptions {
  /**
   * Refuse state-changing requests (POST, PUT, PATCH, DELETE) without this session's CSRF token
   * (form field `csrf_token` or header `X-CSRF-Token`) with 403, before any action runs.
   * Put `session.csrfToken()` in a hidden input of every form. Default false.
   */
  csrf?: boolean;
}

/**
 * The middleware form: the root route exports `middleware`, loaders and actions use
 * `context.get(sessionContext)` (the cloakroom `Session`), and the session is committed with the
 * route's response status before the response leaves. A store failure or a refused CSRF token
 * answers with its bounded status (503, 403), a commit that races a logout with 400.
 *
 * @example
 * // app/session.server.ts
 * export const { sessionMiddleware, sessionContext } = createSessionMiddleware(sessions, { csrf: true });
 * // app/root.tsx
 * export const middleware = [sessionMiddleware];
 * // a route
 * export function loader({ context }: Route.LoaderArgs) {
 *   return { name: context.get(sessionContext).get('username', 'Guest') };
 * }
 */
export function createSessionMiddleware<Data extends SessionDataShape = AppSessionData>(
  manager: AppSessionManager,
  options: SessionMiddlewareOptions = {},
): { sessionMiddleware: MiddlewareFunction<Response>; sessionContext: RouterContext<Session<Data>> } {
  const { csrf = false } = options;
  const sessionContext = createContext<Session<Data>>();
  const sessionMiddleware: MiddlewareFunction<Response> = async ({ request, context }, next) => {
    let session: Session<Data>;
    try {
      session = await manager.load(request.headers.get('cookie'), { userAgent: request.headers.get('user-agent') ?? undefined });
      if (csrf) await checkCsrf(manager, request, session as Session<Record<string, unknown>>);
    } catch (err) {
      if (isSessionError(err)) return sessionErrorResponse(err);
      throw err;
    }
    context.set(sessionContext, session);
    let response: Response;
    try {
      response = await next();
    } catch (err) {
      await manager.commitAfterThrow(session);
      throw err;
    }
    try {
      return withSessionHeaders(response, await manager.commit(session, response));
    } catch (err) {
      if (isSessionError(err)) return sessionErrorResponse(err);
      throw err;
    }
  };
  return { sessionMiddleware, sessionContext };
}
