/**
 * `cloakroom/express-session`: a drop-in for express-session 1.x. Change the import, keep
 * your options, your stores and your users' cookies.
 *
 * @example
 * import session from 'cloakroom/express-session'; // was: from 'express-session'
 * app.use(session({ secret: ['new secret', 'old secret'], resave: false, saveUninitialized: false }));
 */
import { session as createMiddleware, type SessionOptions, type SessionMiddleware } from './middleware.js';
import { Cookie, type CookieOptions, type CookieData, type SameSiteOption } from './cookie.js';
import { MemoryStore, type MemoryStoreOptions } from './memory.js';
import { Session, type SessionCallback, type SessionRequest } from './session.js';
import { Store, type ExpressSessionStore, type StoreCallback, type StoreConstructor, type StoredSessionData } from './store.js';

/**
 * The middleware factory, with express-session's constructors as properties
 * (`session.Store`, `session.MemoryStore`, `session.Session`, `session.Cookie`).
 *
 * @example
 * const PgStore = require('connect-pg-simple')(session);
 * app.use(session({ store: new PgStore({ pool }), secret, resave: false, saveUninitialized: false }));
 */
function session(options?: SessionOptions): SessionMiddleware {
  return createMiddleware(options);
}
session.Store = Store;
session.MemoryStore = MemoryStore;
session.Session = Session;
session.Cookie = Cookie;

export default session;
export { session, Store, MemoryStore, Session, Cookie };
export type {
  SessionOptions,
  SessionMiddleware,
  CookieOptions,
  CookieData,
  SameSiteOption,
  SessionCallback,
  SessionRequest,
  ExpressSessionStore,
  StoreCallback,
  StoredSessionData,
  StoreConstructor,
  MemoryStoreOptions,
};
