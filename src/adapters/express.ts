import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { CSRF_HEADER } from '../core/csrf.js';
import type { Session } from '../core/session.js';
import { sentCsrfToken } from './csrf-token.js';
import type { AppSessionData, AppSessionManager } from './types.js';
import { commitSessionBeforeHeaders, loadThen, sendSessionError } from './node-response.js';
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
 * Express 5 middleware: loads `req.session` and commits it before the response's headers go
 * out (Express's `res` is a node:http response), so a `res.redirect()` after `session.set()`
 * is only sent once the store has the value (express-session #360). A store failure answers 503.
 *
 * @example
 * app.use(session(sessions));
 * app.post('/login', (req, res) => { req.session.cycleKey(); req.session.set('username', 'ada'); res.redirect('/home/'); });
 */
export function session(manager: AppSessionManager): RequestHandler {
  // Not an async function: Express 5 wraps every returned promise, which costs more than the
  // whole session work on a request without a cookie.
  return (req: Request, res: Response, next: NextFunction) => {
    void loadThen(manager, req, res, (_req, _res, session: Session<AppSessionData>) => {
      exposeSession(req, session);
      commitSessionBeforeHeaders(res, manager, session, prototypeMethods(res) ?? instanceMethods(res));
      next();
    });
  };
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

/** Sessions of requests whose `session` is read through the accessor below. */
const attached = new WeakMap<object, Session<AppSessionData>>();
/** Per direct prototype of a request (Express's per-app `app.request`): whether `req.session` reaches the accessor. */
const throughAccessor = new WeakMap<object, boolean>();

/**
 * Makes `req.session` the session. Express re-parents every request, which makes each new own
 * property on it cost microseconds (see `prototypeMethods`), so Express's shared request
 * prototype gets, once, a `session` accessor reading a WeakMap. Assigning `req.session`
 * yourself still works: it becomes an ordinary own property of that request (and `delete`
 * removes it again), exactly as without the accessor.
 */
function exposeSession(req: Request, session: Session<AppSessionData>): void {
  const direct = Object.getPrototypeOf(req) as object;
  let viaAccessor = throughAccessor.get(direct);
  if (viaAccessor === undefined) {
    viaAccessor = accessorAbove(req);
    throughAccessor.set(direct, viaAccessor);
  }
  if (viaAccessor && !Object.hasOwn(req, 'session')) attached.set(req, session);
  else req.session = session;
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

function readSession(this: object): Session<AppSessionData> | undefined {
  return attached.get(this);
}

/** `req.session = value` on a request: an ordinary own property, as without the accessor. */
function ownSession(this: object, value: unknown): void {
  Object.defineProperty(this, 'session', { value, writable: true, configurable: true, enumerable: true });
}
