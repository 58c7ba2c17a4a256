/**
 * `SESSION_STORE` URLs to stores. Each driver is imported only when its URL is used, so an app
 * on SQLite never loads `pg`, `mysql2` or `ioredis` (they are optional peer dependencies).
 */
import { fileURLToPath } from 'node:url';
import { SessionError } from '../core/errors.js';
import type { SessionStore, StatelessStore } from '../core/store.js';
import type { DjangoUrlOptions } from '../django/from-url.js';

/**
 * Options of `createStore()`.
 *
 * @example
 * await createStore('postgres://app@127.0.0.1/app', { table: 'sessions', connect: true });
 */
export interface CreateStoreOptions {
  /** Secrets for `cookie:` (newest first, or comma-separated). Default: env `SESSION_SECRET`. */
  secrets?: string | readonly string[];
  /** Table name for `sqlite:`, `postgres://` and `mysql://`. Default `cloakroom_sessions`. */
  table?: string;
  /**
   * Connect (and create the table) before resolving, so an unreachable store is a startup
   * error naming the URL rather than 503s later. Default true.
   */
  connect?: boolean;
  /** For the `django+…` URLs: Django's keys (default env `DJANGO_SECRET_KEY`, `DJANGO_SECRET_KEY_FALLBACKS`) and cache settings. */
  django?: DjangoUrlOptions;
}

/**
 * The URL forms `createStore` accepts, one per line, for help texts and errors.
 *
 * @example
 * console.error(`Store URLs:\n${STORE_URL_FORMS.join('\n')}`);
 */
export const STORE_URL_FORMS = [
  'memory:                                   this process only (development, tests)',
  'sqlite:PATH                               e.g. sqlite:./data/sessions.db (the default)',
  'file:DIR                                  one JSON file per session, e.g. file:./data/sessions',
  'cookie:                                   sealed in the cookie itself; secrets from SESSION_SECRET',
  'redis://[user:pass@]host:port[/db][?prefix=p]   (rediss:// for TLS)',
  'redis+cluster://host:port,host:port[?prefix=p]',
  'postgres://user:pass@host:port/db         (postgresql:// too)',
  'mysql://user:pass@host:port/db            (mariadb:// too)',
  'tiered:CACHE_URL|DATABASE_URL             e.g. tiered:redis://127.0.0.1:6379|postgres://…/app',
  'django+sqlite:PATH, django+postgres://…, django+mysql://…   a Django project\'s django_session table (DJANGO_SECRET_KEY)',
  'django+redis://host:port[/db], django+cached-db+REDIS_URL|DB_URL, django-signed-cookies:   Django\'s other backends',
] as const;

/**
 * The store a URL names, connected and ready (see `STORE_URL_FORMS`). A URL that is not one of
 * those forms, or a missing secret for `cookie:`, is `ERR_SESSION_CONFIG`; a store that cannot be
 * reached is `ERR_STORE_UNAVAILABLE`. Both name the URL, never its password.
 *
 * @example
 * import { createStore } from 'cloakroom/stores/from-url';
 * const store = await createStore(process.env.SESSION_STORE ?? 'sqlite:./data/sessions.db');
 */
export async function createStore(url: string, options: CreateStoreOptions = {}): Promise<SessionStore | StatelessStore> {
  if (typeof url !== 'string' || url.trim() === '') throw badUrl(String(url), 'it is empty');
  const text = url.trim();
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(text)?.[1]?.toLowerCase();
  // Django's own backends: one module, loaded only when such a URL is used.
  if (scheme?.startsWith('django+')) return (await import('../django/from-url.js')).createDjangoStore(text, options);
  switch (scheme) {
    case 'memory': {
      if (!/^memory:(\/\/)?$/i.test(text)) throw badUrl(text, 'memory: takes no path');
      const { MemoryStore } = await import('./memory.js');
      return new MemoryStore();
    }
    case 'cookie': {
      if (!/^cookie:(\/\/)?$/i.test(text)) throw badUrl(text, 'cookie: takes no path (secrets come from SESSION_SECRET)');
      const { CookieStore } = await import('./cookie.js');
      // The store checks them (none, or a short one, is ERR_SESSION_CONFIG naming SESSION_SECRET).
      return new CookieStore({ secrets: options.secrets ?? process.env.SESSION_SECRET ?? '' });
    }
    case 'tiered':
      return createTiered(text, options);
    case 'django-signed-cookies':
      return (await import('../django/from-url.js')).createDjangoStore(text, options);
    default:
      return createStateful(text, scheme, options);
  }
}

const STATEFUL_SCHEMES = new Set(['memory', 'sqlite', 'file', 'redis', 'rediss', 'redis+cluster', 'rediss+cluster', 'postgres', 'postgresql', 'mysql', 'mariadb']);

/** A server-side store for `url` (every form but `cookie:`). */
async function createStateful(url: string, scheme: string | undefined, options: CreateStoreOptions, connect = options.connect ?? true): Promise<SessionStore> {
  switch (scheme) {
    case 'memory': {
      const store = await createStore(url, options);
      return store as SessionStore;
    }
    case 'sqlite': {
      const path = url.slice('sqlite:'.length).replace(/^\/\/(?=\.|\/)/, ''); // sqlite://./x and sqlite:///abs read as paths too
      // Bun refuses better-sqlite3's native addon and Deno has node:sqlite: each uses its own.
      const runtime = sqliteRuntime();
      if (runtime) {
        const { openBunSqliteStore, openNodeSqliteStore } = await import('./sqlite-open.js');
        return (runtime === 'bun' ? openBunSqliteStore : openNodeSqliteStore)({ ...(path ? { path } : {}), ...(options.table ? { table: options.table } : {}) });
      }
      const { SqliteStore } = await loadDriver(url, 'better-sqlite3', () => import('./sqlite.js'));
      return opened(url, () => new SqliteStore({ ...(path ? { path } : {}), ...(options.table ? { table: options.table } : {}) }));
    }
    case 'file': {
      const rest = url.slice('file:'.length);
      const directory = rest.startsWith('//') ? fileURLToPath(url) : rest;
      if (!directory) throw badUrl(url, 'file: needs a folder, e.g. file:./data/sessions');
      const { FileStore } = await import('./file.js');
      const store = new FileStore({ directory });
      if (connect) await store.ready();
      return store;
    }
    case 'redis':
    case 'rediss':
    case 'redis+cluster':
    case 'rediss+cluster': {
      const redis = await loadDriver(url, 'ioredis', () => import('./redis.js'));
      try {
        redis.parseRedisUrl(url);
      } catch (err) {
        throw badUrl(url, (err as Error).message.replace(/^.*?: /, '').replace(/\.$/, ''));
      }
      if (connect) return redis.createRedisStoreFromUrl(url);
      return new redis.RedisStore({ client: url });
    }
    case 'postgres':
    case 'postgresql': {
      const { PostgresStore } = await loadDriver(url, 'pg', () => import('./postgres.js'));
      const store = await opened(url, () => new PostgresStore({ connectionString: url, ...(options.table ? { table: options.table } : {}) }));
      if (connect) await readyOrClose(store);
      return store;
    }
    case 'mysql':
    case 'mariadb': {
      const { MysqlStore } = await loadDriver(url, 'mysql2', () => import('./mysql.js'));
      // mysql2 speaks to both; it only knows the mysql:// spelling.
      const connectionString = url.replace(/^mariadb:/i, 'mysql:');
      const store = await opened(url, () => new MysqlStore({ connectionString, ...(options.table ? { table: options.table } : {}) }));
      if (connect) await readyOrClose(store);
      return store;
    }
    default:
      throw badUrl(url, scheme ? `unknown scheme "${scheme}:"` : 'no scheme');
  }
}

/** The runtime whose own SQLite driver `sqlite:` uses, or undefined on Node (better-sqlite3). */
function sqliteRuntime(): 'bun' | 'deno' | undefined {
  if ('Bun' in globalThis) return 'bun';
  if ('Deno' in globalThis) return 'deno';
  return undefined;
}

/** `tiered:CACHE_URL|DATABASE_URL`: split at the one `|` (a `|` inside a URL is written %7C). */
async function createTiered(url: string, options: CreateStoreOptions): Promise<SessionStore> {
  const parts = url.slice('tiered:'.length).split('|');
  if (parts.length !== 2 || !parts[0] || !parts[1]) throw badUrl(url, 'tiered: needs exactly two URLs, CACHE_URL|DATABASE_URL');
  const [cacheUrl, databaseUrl] = parts.map((p) => p.trim()) as [string, string];
  const schemeOf = (u: string) => /^([a-z][a-z0-9+.-]*):/i.exec(u)?.[1]?.toLowerCase();
  // Check both before connecting either, so a typo in one is not hidden behind a slow other.
  for (const u of [cacheUrl, databaseUrl]) {
    const scheme = schemeOf(u);
    if (scheme === 'cookie') throw badUrl(url, 'cookie: keeps sessions in the browser and cannot be a tier');
    if (scheme === 'tiered') throw badUrl(url, 'a tiered store cannot contain another tiered store');
    if (scheme === undefined || !STATEFUL_SCHEMES.has(scheme)) throw badUrl(url, `"${redactStoreUrl(u)}" is not a store URL`);
  }
  const database = await createStateful(databaseUrl, schemeOf(databaseUrl), options);
  let cache: SessionStore;
  try {
    // A cache that is down at startup is an outage like any other: the database serves.
    cache = await createStateful(cacheUrl, schemeOf(cacheUrl), options, false);
  } catch (err) {
    await database.close();
    throw err;
  }
  const { TieredStore } = await import('./tiered.js');
  const store = new TieredStore({ cache, database });
  // A cache that does not answer now is reported by the manager made with the store, as an
  // outage of its cache tier (one line, like any outage), not here.
  if (options.connect ?? true) await store.ready();
  return store;
}

/** Imports a store module, turning a missing optional driver into a clear setup error. */
async function loadDriver<T>(url: string, driver: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (err) {
    const code = (err as { code?: string })?.code;
    if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && String((err as Error).message).includes(driver)) {
      throw new SessionError('ERR_SESSION_CONFIG', `Store URL "${redactStoreUrl(url)}" needs the package "${driver}": npm install ${driver}`, { cause: err });
    }
    throw err;
  }
}

/** Runs a store constructor; a failure to open (bad path, bad table name) names the URL. */
async function opened<T>(url: string, make: () => T): Promise<T> {
  try {
    return make();
  } catch (err) {
    if (err instanceof SessionError && err.code !== 'ERR_STORE_UNAVAILABLE') throw err;
    throw new SessionError('ERR_STORE_UNAVAILABLE', `Session store ${redactStoreUrl(url)} could not be opened: ${(err as Error)?.message ?? err}`, { cause: err });
  }
}

async function readyOrClose(store: SessionStore & { ready(): Promise<void> }): Promise<void> {
  try {
    await store.ready();
  } catch (err) {
    await store.close().catch(() => undefined);
    throw err;
  }
}

/**
 * The URL with every password replaced by `***` (also inside `tiered:` pairs), for messages.
 *
 * @example redactStoreUrl('postgres://app:s3cret@db/app'); // 'postgres://app:***@db/app'
 */
export function redactStoreUrl(url: string): string {
  return url.replace(/(\/\/[^/@:|,?#]*):[^|/]*@/g, '$1:***@');
}

function badUrl(url: string, why: string): SessionError {
  return new SessionError(
    'ERR_SESSION_CONFIG',
    `Bad session store URL "${redactStoreUrl(url)}": ${why}. Accepted forms:\n${STORE_URL_FORMS.map((f) => `  ${f}`).join('\n')}`,
  );
}
