/**
 * `SESSION_STORE` URLs of the Django-backed stores (dispatched to from `createStore`):
 *
 *   django+sqlite:PATH · django+postgres://… · django+mysql://…   the `db` backend's table
 *   django+redis://host:port[/db]                                   the `cache` backend on Redis
 *   django+cached-db+REDIS_URL|DB_URL                               the `cached_db` backend
 *   django-signed-cookies:                                          the `signed_cookies` backend
 *
 * Keys come from `options.django`, else `DJANGO_SECRET_KEY` and `DJANGO_SECRET_KEY_FALLBACKS`
 * (comma-separated) in the environment.
 */
import { SessionError } from '../core/errors.js';
import { splitSecrets } from '../core/secrets.js';
import type { SessionStore, StatelessStore } from '../core/store.js';
import type { DjangoKeys } from './record.js';
import type { DjangoSqlBackend } from './db-store.js';
import { redactUrl, storeUnavailable } from '../stores/sql-shared.js';

/**
 * Django-specific options of `createStore` (`options.django`).
 *
 * @example
 * await createStore('django+redis://127.0.0.1:6379', { django: { secretKey, cacheKeyPrefix: 'app' } });
 */
export interface DjangoUrlOptions extends Partial<DjangoKeys> {
  /** The cache's `KEY_PREFIX` (Django's CACHES setting). Default ''. */
  cacheKeyPrefix?: string;
  /** The cache's `VERSION`. Default 1. */
  cacheVersion?: number;
  /** `SESSION_COOKIE_AGE`, which `signed_cookies` checks the cookie's timestamp against. Default two weeks. */
  cookieAge?: number;
}

/** The URL forms, for help texts. */
export const DJANGO_URL_FORMS = [
  'django+sqlite:PATH | django+postgres://… | django+mysql://…   Django\'s db backend (django_session)',
  'django+redis://host:port[/db]             Django\'s cache backend on Redis',
  'django+cached-db+REDIS_URL|DB_URL         Django\'s cached_db backend, e.g. django+cached-db+redis://127.0.0.1:6379|postgres://…',
  'django-signed-cookies:                    Django\'s signed_cookies backend',
] as const;

/**
 * The Django-backed store a `django+…` or `django-signed-cookies:` URL names, connected.
 *
 * @example
 * const store = await createDjangoStore('django+sqlite:./db.sqlite3', { django: { secretKey } });
 */
export async function createDjangoStore(
  url: string,
  options: { table?: string; django?: DjangoUrlOptions } = {},
): Promise<SessionStore | StatelessStore> {
  const keys = djangoKeys(url, options.django);
  const table = options.table ?? 'django_session';
  const lower = url.toLowerCase();
  if (/^django-signed-cookies:(\/\/)?$/.test(lower)) {
    const { DjangoSignedCookieStore } = await import('./signed-cookies.js');
    return new DjangoSignedCookieStore({ ...keys, ...(options.django?.cookieAge ? { cookieAge: options.django.cookieAge } : {}) });
  }
  const cachedDb = /^django\+cached-db\+(.+)$/i.exec(url);
  if (cachedDb) {
    const parts = cachedDb[1]!.split('|').map((p) => p.trim());
    if (parts.length !== 2 || !/^rediss?:\/\//i.test(parts[0]!)) throw bad(url, 'django+cached-db+ needs REDIS_URL|DATABASE_URL');
    const backend = await sqlBackend(parts[1]!, table, url);
    const { DjangoCachedDbStore } = await import('./cache-store.js');
    let redis: import('ioredis').Redis;
    try {
      redis = await connectRedis(parts[0]!);
    } catch (err) {
      await backend.close();
      throw err;
    }
    return new DjangoCachedDbStore({ ...keys, backend, redis, ...cacheOptions(options.django) });
  }
  const rest = /^django\+(.+)$/i.exec(url)?.[1];
  if (rest === undefined) throw bad(url, 'not a Django store URL');
  if (/^rediss?:\/\//i.test(rest)) {
    const { DjangoCacheStore } = await import('./cache-store.js');
    return new DjangoCacheStore({ ...keys, redis: await connectRedis(rest), ...cacheOptions(options.django) });
  }
  const { DjangoDbStore } = await import('./db-store.js');
  return new DjangoDbStore({ ...keys, backend: await sqlBackend(rest, table, url) });
}

/** A client on Django's cache Redis, answering a PING: an unreachable Redis is a startup error naming it. */
async function connectRedis(url: string): Promise<import('ioredis').Redis> {
  const { Redis } = await import('ioredis');
  // Bounded waits: a dead Redis turns into 503s, never requests queued for ever.
  const redis = new Redis(url, { maxRetriesPerRequest: 1, connectTimeout: 2000, commandTimeout: 2000, disconnectTimeout: 200 });
  redis.on('error', () => {}); // reported by the command that fails
  try {
    await redis.ping();
    return redis;
  } catch (err) {
    redis.disconnect();
    throw storeUnavailable(`django+${redactUrl(url)}`, err, 'is unreachable');
  }
}

function cacheOptions(django: DjangoUrlOptions | undefined): { keyPrefix?: string; version?: number } {
  return { ...(django?.cacheKeyPrefix ? { keyPrefix: django.cacheKeyPrefix } : {}), ...(django?.cacheVersion ? { version: django.cacheVersion } : {}) };
}

/** The `db` backend for a database URL (`sqlite:PATH`, `postgres://…`, `mysql://…`). */
async function sqlBackend(dbUrl: string, table: string, url: string): Promise<DjangoSqlBackend> {
  const scheme = /^([a-z]+):/i.exec(dbUrl)?.[1]?.toLowerCase();
  switch (scheme) {
    case 'sqlite': {
      const path = dbUrl.slice('sqlite:'.length).replace(/^\/\/(?=\.|\/)/, '');
      if (!path) throw bad(url, 'django+sqlite: needs the path of the Django database');
      return (await import('./sql/sqlite.js')).djangoSqlite(path, table);
    }
    case 'postgres':
    case 'postgresql':
      return (await import('./sql/postgres.js')).djangoPostgres(dbUrl, table);
    case 'mysql':
    case 'mariadb':
      return (await import('./sql/mysql.js')).djangoMysql(dbUrl.replace(/^mariadb:/i, 'mysql:'), table);
    default:
      throw bad(url, `unknown database "${scheme ?? dbUrl}" (sqlite:, postgres://, mysql://)`);
  }
}

function djangoKeys(url: string, given: DjangoUrlOptions | undefined): DjangoKeys {
  const secretKey = given?.secretKey ?? process.env.DJANGO_SECRET_KEY ?? '';
  if (!secretKey) throw new SessionError('ERR_SESSION_CONFIG', `Session store ${url.split(/[:+]/, 2).join('+')}…: DJANGO_SECRET_KEY must be set to the Django project's SECRET_KEY.`);
  const secretKeyFallbacks = given?.secretKeyFallbacks ?? splitSecrets(process.env.DJANGO_SECRET_KEY_FALLBACKS ?? '');
  return { secretKey, secretKeyFallbacks, ...(given?.now ? { now: given.now } : {}) };
}

function bad(url: string, why: string): SessionError {
  const shown = url.replace(/(\/\/[^/@:|,?#]*):[^|/]*@/g, '$1:***@');
  return new SessionError('ERR_SESSION_CONFIG', `Bad session store URL "${shown}": ${why}. Django forms:\n${DJANGO_URL_FORMS.map((f) => `  ${f}`).join('\n')}`);
}
