import type { IncomingMessage } from 'node:http';
import type { Cookie } from './cookie.js';
import type { ExpressSessionStore, Store } from './store.js';

/**
 * The callback of `save`, `reload`, `destroy` and `regenerate`.
 *
 * @example
 * req.session.save((err) => (err ? next(err) : res.redirect('/')));
 */
export type SessionCallback = (err?: unknown) => void;

/**
 * What the middleware lends each request's session so its methods reach the right store.
 *
 * @example
 * req[CONTROLLER]?.save(req.session, callback); // what `req.session.save(callback)` does
 */
export interface SessionController {
  regenerate(callback: SessionCallback): void;
  destroy(session: Session, callback: SessionCallback): void;
  reload(session: Session, callback: SessionCallback): void;
  save(session: Session, callback: SessionCallback): void;
}

/**
 * Where a request keeps its controller: a symbol, so it never shows up in the session data.
 *
 * @example
 * const controller = (req as SessionRequest)[CONTROLLER];
 */
export const CONTROLLER = Symbol('cloakroom.express-session.controller');

/**
 * The request properties the drop-in reads and sets (Express's `req` has them all).
 *
 * @example
 * const views = (req as SessionRequest).session?.views;
 */
export interface SessionRequest extends IncomingMessage {
  session?: Session | null | undefined;
  sessionID?: string | undefined;
  sessionStore?: unknown;
  /** Set by Express from `trust proxy`; read when `proxy` is left unset. */
  secure?: boolean;
  [CONTROLLER]?: SessionController;
}

const noop: SessionCallback = () => {};

/**
 * `req.session`: data as plain properties (`req.session.views = 1`) beside express-session's
 * methods. The methods and `id`/`req` are not enumerable, so they are never stored.
 *
 * @example
 * req.session.regenerate((err) => {
 *   if (err) return next(err);
 *   req.session.user = user.id;
 *   req.session.save(() => res.redirect('/'));
 * });
 */
export class Session {
  /** Session data lives in plain properties; reading one you never set gives `undefined`. */
  [key: string]: unknown;
  declare readonly id: string;
  declare readonly req: SessionRequest;
  declare cookie: Cookie;

  constructor(req: SessionRequest, data?: Record<string, unknown> | null) {
    Object.defineProperty(this, 'req', { value: req });
    Object.defineProperty(this, 'id', { value: req.sessionID });
    if (typeof data === 'object' && data !== null) {
      // Names the session already has (its methods, `id`, `__proto__`…) are never taken from data.
      for (const prop of Object.keys(data)) if (!(prop in this)) this[prop] = data[prop];
    }
  }

  /** Resets the cookie's life to its original max age (called for you at the end of each request). */
  touch(): this {
    return this.resetMaxAge();
  }

  resetMaxAge(): this {
    this.cookie.maxAge = this.cookie.originalMaxAge ?? null;
    return this;
  }

  /** Writes the session now (it is written for you at the end of the request when it changed). */
  save(callback?: SessionCallback): this {
    const controller = this.req[CONTROLLER];
    if (controller) controller.save(this, callback ?? noop);
    else storeOf(this).set(this.id, this, callback ?? noop);
    return this;
  }

  /** Replaces this object with the stored data of the same ID; errors when the record is gone. */
  reload(callback: SessionCallback): this {
    const controller = this.req[CONTROLLER];
    if (controller) {
      controller.reload(this, callback ?? noop);
      return this;
    }
    const store = storeOf(this);
    const req = this.req;
    store.get(this.id, (err, sess) => {
      if (err) return callback(err);
      if (!sess) return callback(new Error('failed to load session'));
      store.createSession(req, sess);
      callback();
    });
    return this;
  }

  /** Deletes the stored record and unsets `req.session`. */
  destroy(callback?: SessionCallback): this {
    const controller = this.req[CONTROLLER];
    if (controller) {
      controller.destroy(this, callback ?? noop);
      return this;
    }
    delete this.req.session;
    storeOf(this).destroy(this.id, callback ?? noop);
    return this;
  }

  /** Deletes the stored record and puts a fresh, empty session with a new ID on `req.session` (call on login). */
  regenerate(callback: SessionCallback): this {
    const controller = this.req[CONTROLLER];
    if (controller) controller.regenerate(callback ?? noop);
    else storeOf(this).regenerate(this.req, callback ?? noop);
    return this;
  }
}

/**
 * The store of a Session made outside a live request (`store.load(sid, cb)`): its methods call
 * the store directly, as express-session's do.
 */
function storeOf(session: Session): Store & ExpressSessionStore {
  const store = session.req?.sessionStore as (Store & ExpressSessionStore) | undefined;
  if (!store || typeof store.get !== 'function') {
    throw new TypeError('This Session has no store: it was not created by the cloakroom/express-session middleware or a store.');
  }
  return store;
}
