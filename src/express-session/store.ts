import { EventEmitter } from 'node:events';
import { inherits } from 'node:util';
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
 * express-session's `Store` base class: an EventEmitter with `regenerate`, `load` and
 * `createSession`. Both ways stores are written extend it: `class S extends session.Store`
 * and the ES5 way, `function S(o) { session.Store.call(this, o) }` with `util.inherits(S,
 * session.Store)` (session-file-store, connect-sqlite3, connect-memcached…), which a `class`
 * would refuse ("cannot be invoked without 'new'").
 *
 * @example
 * class MyStore extends session.Store {
 *   get(sid, cb) { … } set(sid, sess, cb) { … } destroy(sid, cb) { … }
 * }
 */
export interface Store extends EventEmitter {
  /** Deletes `req.sessionID`'s record, then gives `req` a fresh session (what `req.session.regenerate` does). */
  regenerate(req: SessionRequest, callback: SessionCallback): void;
  /** Loads `sid` as a Session object (not attached to any live request). */
  load(sid: string, callback: StoreCallback<Session>): void;
  /** Turns stored data into `req.session` (a Session with a Cookie object). */
  createSession(req: SessionRequest, sess: StoredSessionData): Session;
}

/**
 * The constructor type of `Store`: callable with `new`, extendable by a class, and callable
 * as a function on an existing `this` (ES5 inheritance).
 *
 * @example
 * function FileStore(this: Store, options: object) { Store.call(this, options); }
 */
export interface StoreConstructor {
  new (options?: unknown): Store;
  (this: unknown, options?: unknown): void;
  readonly prototype: Store;
}

function StoreFunction(this: EventEmitter): void {
  // Stores pass their options up; express-session's Store ignores them too.
  EventEmitter.call(this);
}
inherits(StoreFunction, EventEmitter);

/** See the `Store` interface. */
export const Store = StoreFunction as unknown as StoreConstructor;

/** Generates a session for `req` (the middleware sets it): what `regenerate` needs after the destroy. */
export const GENERATE = Symbol.for('cloakroom.express-session.generate');

interface Generating {
  [GENERATE]?: (req: SessionRequest) => void;
}

function defineMethod(name: keyof Store, fn: (...args: never[]) => unknown): void {
  Object.defineProperty(Store.prototype, name, { configurable: true, enumerable: false, writable: true, value: fn });
}

defineMethod('regenerate', function regenerate(this: Store & ExpressSessionStore, req: SessionRequest, callback: SessionCallback) {
  this.destroy(req.sessionID!, (err?: unknown) => {
    const generate = (req as Generating)[GENERATE];
    if (generate) generate(req);
    callback(err);
  });
});

defineMethod('load', function load(this: Store & ExpressSessionStore, sid: string, callback: StoreCallback<Session>) {
  this.get(sid, (err, sess) => {
    if (err) return callback(err);
    if (!sess) return callback();
    const req = { sessionID: sid, sessionStore: this } as unknown as SessionRequest;
    callback(null, this.createSession(req, sess));
  });
});

defineMethod('createSession', function createSession(this: Store, req: SessionRequest, sess: StoredSessionData) {
  req.session = inflateSession(req, sess);
  return req.session;
});

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
  const session = new Session(req, sess);
  session.cookie = cookie;
  return session;
}
