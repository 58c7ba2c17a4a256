/**
 * `cloakroom/django`: share sessions with a running Django app, both ways. The stores read and
 * write Django's own session backends (`db` on SQLite, PostgreSQL and MySQL/MariaDB; `cache` and
 * `cached_db` on Redis; `signed_cookies`) in Django's exact format, under Django's `sessionid`
 * cookie and raw session keys; the login helpers speak `django.contrib.auth`'s session keys.
 * Guide: docs/running-next-to-django.md.
 *
 * @example
 * ```ts fragment
 * import { SessionManager } from 'cloakroom';
 * import { createStore } from 'cloakroom/stores/from-url';
 * import { djangoManagerOptions } from 'cloakroom/django';
 *
 * const store = await createStore('django+postgres://app@db/app'); // DJANGO_SECRET_KEY from the environment
 * const sessions = new SessionManager({ store, secrets: process.env.DJANGO_SECRET_KEY!, ...djangoManagerOptions() });
 * ```
 *
 * @module
 */
export { DjangoDbStore, type DjangoDbStoreOptions, type DjangoSqlBackend, type DjangoSessionRow } from './db-store.js';
export { djangoSqlite } from './sql/sqlite.js';
export { djangoPostgres } from './sql/postgres.js';
export { djangoMysql } from './sql/mysql.js';
export { DjangoCacheStore, DjangoCachedDbStore, CACHE_SESSION_PREFIX, CACHED_DB_SESSION_PREFIX, type DjangoCacheOptions, type DjangoCachedDbStoreOptions } from './cache-store.js';
export { DjangoSignedCookieStore, SIGNED_COOKIES_SALT, type DjangoSignedCookieStoreOptions } from './signed-cookies.js';
export { DjangoSigner, type DjangoSignerOptions, type DjangoLoaded } from './signing.js';
export { SessionDataCodec, DB_SESSION_SALT } from './session-data.js';
export { DJANGO_SESSION_IDS } from './session-key.js';
export type { DjangoKeys, SuspiciousHandler, SuspiciousSessionEvent } from './record.js';
export {
  djangoLogin,
  djangoLogout,
  djangoUser,
  sessionAuthHash,
  AUTH_USER_ID,
  AUTH_USER_BACKEND,
  AUTH_USER_HASH,
  MODEL_BACKEND,
  type DjangoLoginOptions,
  type DjangoUserOptions,
} from './auth.js';
export { djangoManagerOptions, type DjangoSessionSettings } from './settings.js';
export { createDjangoStore, DJANGO_URL_FORMS, type DjangoUrlOptions } from './from-url.js';
