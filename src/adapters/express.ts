import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { CSRF_HEADER } from '../core/csrf.js';
import { sentCsrfToken } from './csrf-token.js';
import type { AppSessionData, AppSessionManager } from './types.js';
import { commitSessionBeforeHeaders, loadContext, loadThen, sendSessionError } from './node-response.js';
import { SessionManager } from '../core/manager.js';
import type { Session } from '../core/session.js';
import { instanceMethods, prototypeMethods, sharedPrototype } from './response-methods.js';
import { IncomingMessage } from 'node:http';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** This request's session (typed by augmenting cloakroom's `SessionData`). */
      session: Session<AppSessionData>;
    }
  }
}

/**
 * Options of the Express `session()` middleware.
 *
 * @example
 * app.use(session(sessions, { patchPrototypes: true }));
 */
export interface ExpressSessionOptions {
  /**
   * Opt-in speed for Express apps that own their process. Express re-parents every request and
   * response, which makes each property added to them expensive (bench/RESULTS.md, "Where
   * Express's cost goes"). With this option, Express's shared request and response prototypes —
   * common to every Express app in the process — get, once, a `session` accessor and four
   * head-method dispatchers that look the request up in a WeakMap, and a request without a
   * session cookie gets its session only when `req.session` is first read. Other Express apps
   * in the process (an admin app, tests, an APM agent's wrappers) then run through those
   * dispatchers too; they behave as before, but they are touched. Default false: the session and
   * the held response live on each request's own objects.
   */
  patchPrototypes?: boolean;
}

/**
 * Express 5 middleware: loads `req.session` and commits it before the response's headers go
 * out (Express's `res` is a node:http response), so a `res.redirect()` after `session.set()`
 * is only sent once the store has the value (express-session #360). A store failure answers 503.
 *
 * @example
 * app.use(session(sessions));
 * app.post('/login', (req, res) => { req.session.cycleKey(); req.session.set('username', 'ada'); res.redirect('/home/'); });
 */
export function session(manager: AppSessionManager, options: ExpressSessionOptions = {}): RequestHandler {
  const patch = options.patchPrototypes === true;
  // Not an async function: Express 5 wraps every returned promise, which costs more than the
  // whole session work on a request without a cookie.
  return (req: Request, res: Response, next: NextFunction) => {
    const headers = req.headers;
    if (patch && withoutSessionCookie(headers.cookie, manager) && exposeLater(req, res, manager)) {
      next();
      return;
    }
    void loadThen(
      manager,
      req,
      res,
      (_req, _res, session: Session<AppSessionData>) => {
        if (patch) exposeSession(req, session);
        else req.session = session;
        holdResponse(res, manager, session, patch);
        next();
      },
      headers,
    );
  };
}

function holdResponse(res: Response, manager: AppSessionManager, session: Session<AppSessionData>, patch: boolean): void {
  commitSessionBeforeHeaders(res, manager, session, (patch && prototypeMethods(res)) || instanceMethods(res));
}

/**
 * True when the request certainly carries no session cookie (a substring test: a false "maybe"
 * only takes the ordinary path). Such a request's session is blank and needs no store call.
 */
function withoutSessionCookie(cookie: string | undefined, manager: AppSessionManager): boolean {
  return cookie === undefined || !cookie.includes(manager.cookie.name);
}

/**
 * Refuses a state-changing request whose CSRF token is missing or foreign with 403. The token
 * is read from header `X-CSRF-Token` or form field `csrf_token` (mount a body parser such as
 * `express.urlencoded()` before it). Mount after `session()`.
 *
 * @example
 * app.use(express.urlencoded({ extended: false, limit: '16kb' }), session(sessions), csrfProtection(sessions));
 */
export function csrfProtection(manager: AppSessionManager): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    try {
      manager.checkCsrf(req.session, req.method, sentCsrfToken(req.get(CSRF_HEADER), req.body));
    } catch (err) {
      sendSessionError(res, err);
      return;
    }
    next();
  };
}

/**
 * Sessions of requests whose `session` is read through the accessor below; or, for a request
 * without a session cookie whose session nobody has read yet, the manager that will make it.
 */
const attached = new WeakMap<object, Session<AppSessionData> | AppSessionManager>();
/** Per direct prototype of a request (Express's per-app `app.request`): whether `req.session` reaches the accessor. */
const throughAccessor = new WeakMap<object, boolean>();

/**
 * With `patchPrototypes`: makes `req.session` the session. Express re-parents every request,
 * which makes each new own property on it expensive (see `prototypeMethods`), so Express's
 * shared request prototype gets, once, a `session` accessor reading a WeakMap. Assigning `req.session`
 * yourself still works: it becomes an ordinary own property of that request (and `delete`
 * removes it again), exactly as without the accessor.
 */
function exposeSession(req: Request, session: Session<AppSessionData>): void {
  if (readsThroughAccessor(req)) attached.set(req, session);
  else req.session = session;
}

/**
 * For a request without a session cookie: makes `req.session` create its (blank) session on
 * first read, and only then hold the response for it. Most such requests (assets, health
 * checks, anonymous pages) never read it, and on Express even a blank session's few objects
 * cost microseconds: everything reachable from a re-parented request is copied by the young
 * generation's collector (see bench/RESULTS.md, "Where Express's cost goes"). False when the
 * request is not shaped for it (no accessor, or `req.res` is not this response).
 */
function exposeLater(req: Request, res: Response, manager: AppSessionManager): boolean {
  if (!readsThroughAccessor(req) || req.res !== res) return false;
  attached.set(req, manager);
  return true;
}

function readsThroughAccessor(req: Request): boolean {
  const direct = Object.getPrototypeOf(req) as object;
  let viaAccessor = throughAccessor.get(direct);
  if (viaAccessor === undefined) {
    viaAccessor = accessorAbove(req);
    throughAccessor.set(direct, viaAccessor);
  }
  return viaAccessor && !Object.hasOwn(req, 'session');
}

/** The first read of a session left for later: made now, and the response held for it. */
function sessionMadeLater(req: Request, manager: AppSessionManager): Session<AppSessionData> {
  // Without a session cookie the load never waits for a store.
  const session = manager.loadNow(req.headers.cookie, loadContext(req)) as Session<AppSessionData>;
  attached.set(req, session);
  const { res } = req;
  if (res && !res.headersSent) holdResponse(res, manager, session, true);
  else session.close(); // too late for this response: a change is reported, not lost quietly
  return session;
}

/** Installs the accessor on `req`'s shared prototype; false when the request is not shaped for it. */
function accessorAbove(req: Request): boolean {
  const shared = sharedPrototype(req, IncomingMessage.prototype);
  if (shared === undefined) return false;
  // Something between the request and the shared prototype that defines `session` would hide it.
  for (let p = Object.getPrototypeOf(req) as object; p !== shared; p = Object.getPrototypeOf(p) as object) {
    if (Object.hasOwn(p, 'session')) return false;
  }
  // Another app (or sub-app) may have installed it already; anything else named `session` there is left alone.
  if (!Object.hasOwn(shared, 'session')) Object.defineProperty(shared, 'session', { configurable: true, get: readSession, set: ownSession });
  return Object.getOwnPropertyDescriptor(shared, 'session')?.get === readSession;
}

function readSession(this: Request): Session<AppSessionData> | undefined {
  const found = attached.get(this);
  return found instanceof SessionManager ? sessionMadeLater(this, found) : found;
}

/** `req.session = value` on a request: an ordinary own property, as without the accessor. */
function ownSession(this: object, value: unknown): void {
  Object.defineProperty(this, 'session', { value, writable: true, configurable: true, enumerable: true });
}
