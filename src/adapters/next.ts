/**
 * `cloakroom/next`: sessions in the Next.js App Router.
 *
 * - Server Components: `await getSession()` reads the session from the request's cookies. It is
 *   read-only, because a Server Component cannot set a cookie: a change throws at once, naming
 *   where writes belong, instead of being dropped.
 * - Server Actions ({@link NextSessions.action}) and Route Handlers ({@link NextSessions.route}):
 *   inside them the same `getSession()` returns a writable session, committed — store write, then
 *   `Set-Cookie` — before the response leaves, also when the action ends in `redirect()` (which
 *   Next implements by throwing).
 * - Errors: a Route Handler answers a `SessionError` with its own status (503 with `Retry-After`,
 *   403, 413 …). A Server Action cannot: Next 16 answers any error one throws with 500. There the
 *   error carries its status, code and public message in its `digest`, the one field Next hands to
 *   the browser's error boundary (see {@link NextSessions.action}).
 * - Proxy (`proxy.ts`, formerly `middleware.ts`): {@link hasValidSessionCookie} is a cheap guard
 *   (the signed cookie is present and genuine, no store call); {@link NextSessions.hasSession}
 *   also asks the store.
 *
 * Glue only: loading, the commit decisions and the headers are the core's.
 *
 * @module
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { cookies, headers } from 'next/headers.js';
import { cache } from 'react';
import type { Session, SessionDataShape } from '../core/session.js';
import { readCookie, DEFAULT_COOKIE_NAME } from '../core/cookie.js';
import { isSessionError, publicMessage } from '../core/errors.js';
import { Signer } from '../core/signing.js';
import { isValidSessionId } from '../core/session-id.js';
import type { AppSessionData, AppSessionManager } from './types.js';
import { withSession as withFetchSession } from './fetch.js';
import { nextCookieFrom } from './next-cookie.js';
import { readOnlyView } from './next-read-only.js';

/**
 * What {@link nextSessions} returns: the one `getSession()` for every kind of server code, and
 * the wrappers that make it writable.
 *
 * @example
 * export const { getSession, action, route } = nextSessions(new SessionManager({ store, secrets }));
 */
export interface NextSessions<Data extends SessionDataShape = AppSessionData> {
  /**
   * The request's session. Inside `action(…)` or `route(…)` it is the writable session that
   * wrapper commits; anywhere else (Server Components, layouts, `generateMetadata`) a read-only
   * view, loaded once per request: a change throws `SessionError` `ERR_SESSION_READ_ONLY`. A store
   * that fails here rejects with its `SessionError`, whose `digest` carries the public message to
   * the error page (the status is Next's 500: a Server Component cannot choose one).
   */
  getSession(): Promise<Session<Data>>;
  /**
   * Wraps a Server Action: the session it reads with `getSession()` is writable, and is
   * committed before the action's response leaves, through Next's `cookies()` — also when the
   * action ends in `redirect()` or `notFound()`. Any other error commits as a 500 (nothing
   * saved, but a `flush()` still ends the old session) and is rethrown.
   *
   * A `SessionError` — the store down (`ERR_STORE_UNAVAILABLE`), a logout that raced the action
   * (`ERR_SESSION_INTERRUPTED`), a refused CSRF token — cannot get its own status here: Next 16
   * answers every error a Server Action throws with 500, and lets an action set no header (so no
   * `Retry-After`). What the user sees:
   * - with JavaScript (the action is called by fetch): a 500, and the nearest `error.tsx` renders
   *   with `error.digest` = `CLOAKROOM_SESSION_ERROR;503;ERR_STORE_UNAVAILABLE;Service Unavailable: …`
   *   (status, code, `publicMessage(err)`); Next's default error page prints that digest. The
   *   error's `message` never reaches the browser in production;
   * - without JavaScript (a plain form post): 500 and Next's plain-text `Internal Server Error`,
   *   whatever the action throws.
   *
   * `forbidden()`/`unauthorized()` (with `experimental.authInterrupts`) do answer 403/401, but
   * only to fetch-called actions: from a plain form post Next 16 renders its 404 page, so the
   * wrapper does not use them.
   */
  action<Args extends unknown[], Result>(fn: (...args: Args) => Promise<Result>): (...args: Args) => Promise<Result>;
  /**
   * Wraps a Route Handler (`export const POST = route(async (request, context) => …)`): the
   * session is committed with the response's status, and its headers added to the `Response`.
   * A `SessionError` (503 store down, 403 CSRF …) becomes its bounded answer.
   */
  route<Context>(fn: (request: Request, context: Context) => Response | Promise<Response>): (request: Request, context: Context) => Promise<Response>;
  /** For `proxy.ts` on the Node.js runtime: true when the request's cookie names a live stored session (one store read). */
  hasSession(request: Request): Promise<boolean>;
  /** The manager (`listUserSessions`, `revokeUserSessions`, `checkCsrf` for Route Handler forms). */
  readonly manager: AppSessionManager;
}

/**
 * Sessions for a Next.js app on one cloakroom manager. Call it once, in a server-only module.
 *
 * @example
 * // app/session.ts
 * import 'server-only';
 * export const { getSession, action, route } = nextSessions(sessions);
 * // app/actions.ts
 * 'use server';
 * export const login = action(async (form: FormData) => {
 *   const session = await getSession();
 *   session.login(String(form.get('username')));
 *   redirect('/home/');
 * });
 */
export function nextSessions<Data extends SessionDataShape = AppSessionData>(manager: AppSessionManager): NextSessions<Data> {
  const writable = new AsyncLocalStorage<Session<Data>>();

  const loadFromNext = async (): Promise<Session<Data>> => {
    const incoming = await headers();
    return manager.load(incoming.get('cookie'), { userAgent: incoming.get('user-agent') ?? undefined });
  };
  // One load per server render: a layout and its page share it (React's request cache).
  const readOnly = cache(async () => readOnlyView(await loadFromNext().catch(rethrowForNext)));

  const commitThroughNext = async (session: Session<Data>, status: number): Promise<void> => {
    const result = await manager.commit(session, { status });
    if (result.setCookie !== undefined) (await cookies()).set(nextCookieFrom(result.setCookie));
  };

  const runAction = async <Args extends unknown[], Result>(fn: (...args: Args) => Promise<Result>, args: Args): Promise<Result> => {
    const session = await loadFromNext();
    let result;
    try {
      result = await writable.run(session, () => fn(...args));
    } catch (err) {
      const status = nextControlFlowStatus(err);
      if (status === undefined) {
        await manager.commitAfterThrow(session);
        throw err;
      }
      await commitThroughNext(session, status);
      throw err; // Next's redirect/notFound goes on to Next
    }
    await commitThroughNext(session, 200);
    return result;
  };

  return {
    manager,
    getSession: async () => writable.getStore() ?? readOnly(),
    action: (fn) => (...args) => runAction(fn, args).catch(rethrowForNext),
    route: (fn) => (request, context) => withFetchSession(manager, (req, session) => writable.run(session as Session<Data>, () => fn(req, context)))(request),
    hasSession: async (request) => {
      if (readCookie(request.headers.get('cookie'), manager.cookie.name) === undefined) return false;
      return !(await manager.load(request.headers.get('cookie'))).isNew;
    },
  };
}

/**
 * In production Next keeps only an error's `digest` for the browser (its message could leak
 * internals) and hands it to the error boundary: so a `SessionError` meant for the client (any
 * status but 500: store down, logout race, CSRF, too large) says there what happened, as
 * `CLOAKROOM_SESSION_ERROR;<status>;<code>;<public message>`. A 500 (a bug in the app) keeps
 * Next's own digest, which points to the server log.
 */
function rethrowForNext(err: unknown): never {
  if (isSessionError(err) && err.status !== 500) {
    Object.assign(err, { digest: `CLOAKROOM_SESSION_ERROR;${err.status};${err.code};${publicMessage(err)}` });
  }
  throw err;
}

/**
 * The status Next answers for its own control-flow errors: `redirect()` (303/307/308) and
 * `notFound()`/`forbidden()`/`unauthorized()` (404/403/401), read from the `digest` Next puts
 * on them (`NEXT_REDIRECT;type;url;status;`, `NEXT_HTTP_ERROR_FALLBACK;status`). Undefined for
 * any other error.
 */
function nextControlFlowStatus(err: unknown): number | undefined {
  const digest = (err as { digest?: unknown } | null)?.digest;
  if (typeof digest !== 'string') return undefined;
  const parts = digest.split(';');
  if (parts[0] === 'NEXT_REDIRECT') return Number(parts[3]) || 307;
  if (parts[0] === 'NEXT_HTTP_ERROR_FALLBACK') return Number(parts[1]) || 404;
  return undefined;
}

/**
 * Options of {@link hasValidSessionCookie}.
 *
 * @example
 * hasValidSessionCookie(request.headers.get('cookie'), { secrets: process.env.SESSION_SECRET! });
 */
export interface SessionCookieCheckOptions {
  /** The manager's secrets (a comma-separated string works too): any of them verifies. */
  secrets: string | readonly string[];
  /** The session cookie's name. Default `sessionid`. */
  cookieName?: string;
}

/**
 * The cheap guard for `proxy.ts`: true when the Cookie header carries a session cookie signed
 * by one of `secrets`, without a store call. It proves the cookie was issued by this app, not
 * that the session still exists (a logged-out cookie passes until it expires): pages must still
 * read `getSession()`. Needs `node:crypto`: Next 16 runs `proxy.ts` on the Node.js runtime.
 *
 * @example
 * export function proxy(request: NextRequest) {
 *   if (!hasValidSessionCookie(request.headers.get('cookie'), { secrets: process.env.SESSION_SECRET! })) {
 *     return NextResponse.redirect(new URL('/', request.url));
 *   }
 * }
 */
export function hasValidSessionCookie(cookieHeader: string | null | undefined, options: SessionCookieCheckOptions): boolean {
  const value = readCookie(cookieHeader, options.cookieName ?? DEFAULT_COOKIE_NAME);
  if (value === undefined) return false;
  const verified = signerFor(options.secrets).verify(value);
  return verified !== null && isValidSessionId(verified.payload);
}

/** Signers by secrets (a proxy checks every request with the same ones). */
const signers = new Map<string, Signer>();
function signerFor(secrets: string | readonly string[]): Signer {
  const key = typeof secrets === 'string' ? secrets : secrets.join('\n');
  let signer = signers.get(key);
  if (!signer) {
    if (signers.size > 16) signers.clear();
    signer = new Signer(secrets);
    signers.set(key, signer);
  }
  return signer;
}
