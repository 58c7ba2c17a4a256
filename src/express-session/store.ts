import { EventEmitter } from 'node:events';
import { Cookie } from './cookie.js';
import { Session, type SessionCallback, type SessionRequest } from './session.js';

/**
 * The node-style callback stores written for express-session call.
 *
 * @example
 * store.get(sid, ((err, sess) => console.log(err ?? sess)) satisfies StoreCallback);
 */
export type StoreCallback<T = unknown> = (err?: unknown, value?: T) => void;

/**
 * A session as a store keeps it: data properties plus the `cookie` attributes.
 *
 * @example
 * const stored: StoredSessionData = { cookie: { originalMaxAge: 60_000, expires: '2030-01-01T00:00:00.000Z' }, views: 3 };
 */
export interface StoredSessionData {
  cookie: Record<string, unknown>;
  [key: string]: unknown;
}

/**
 * The store API of express-session 1.x (connect-redis, connect-pg-simple, connect-mongo…):
 * `get`, `set`, `destroy` required; `touch`, `all`, `length`, `clear` optional.
 *
 * @example
 * const store: ExpressSessionStore = new RedisStore({ client }); // connect-redis
 */
export interface ExpressSessionStore {
  get(sid: string, callback: StoreCallback<StoredSessionData | null | undefined>): unknown;
  set(sid: string, session: object, callback: StoreCallback): unknown;
  destroy(sid: string, callback: StoreCallback): unknown;
  touch?(sid: string, session: object, callback: StoreCallback): unknown;
}

/**
 * express-session's `Store` base class, for stores that extend it (connect-pg-simple's
 * `require('connect-pg-simple')(session)` reads `session.Store`). An EventEmitter, with the
 * helpers `load` and `createSession`.
 *
 * @example
 * class MyStore extends session.Store {
 *   get(sid, cb) { … } set(sid, sess, cb) { … } destroy(sid, cb) { … }
 * }
 */
export class Store extends EventEmitter {
  // Stores pass their options up, as they did to express-session's Store; nothing is read from them.
  constructor(_options?: unknown) {
    super();
  }

  /** Replaces `req.session` with a fresh one under a new ID, deleting the old record. */
  regenerate(req: SessionRequest, callback: SessionCallback): void {
    if (!req.session) {
      callback(new Error('regenerate() needs a request that went through the session middleware'));
      return;
    }
    req.session.regenerate(callback);
  }

  /** Loads `sid` as a Session object (not attached to any live request). */
  load(sid: string, callback: StoreCallback<Session>): void {
    const get = (this as Partial<ExpressSessionStore>).get;
    if (typeof get !== 'function') {
      callback(new TypeError('This store has no get() method'));
      return;
    }
    get.call(this, sid, (err, sess) => {
      if (err) return callback(err);
      if (!sess) return callback();
      const req = { sessionID: sid, sessionStore: this } as unknown as SessionRequest;
      callback(null, this.createSession(req, sess));
    });
  }

  /** Turns stored data into `req.session` (a Session with a Cookie object). */
  createSession(req: SessionRequest, sess: StoredSessionData): Session {
    req.session = inflateSession(req, sess);
    return req.session;
  }
}

/**
 * A Session over stored data: the `cookie` becomes a Cookie, keeping its `originalMaxAge`.
 *
 * @example
 * req.session = inflateSession(req, storedData);
 */
export function inflateSession(req: SessionRequest, sess: StoredSessionData): Session {
  const stored = (typeof sess.cookie === 'object' && sess.cookie !== null ? sess.cookie : {}) as Record<string, unknown>;
  const cookie = new Cookie(stored);
  const originalMaxAge = stored.originalMaxAge;
  cookie.originalMaxAge = typeof originalMaxAge === 'number' ? originalMaxAge : null;
  const session = new Session(req, { ...sess, cookie: undefined });
  session.cookie = cookie;
  return session;
}
