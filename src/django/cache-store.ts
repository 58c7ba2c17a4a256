/**
 * Django's `cache` and `cached_db` session backends on Django's Redis cache
 * (`django.core.cache.backends.redis.RedisCache`). Cache keys are Django's default
 * `KEY_FUNCTION`, `"<KEY_PREFIX>:<VERSION>:<prefix><session key>"` with the backend's prefix
 * `django.contrib.sessions.cache` or `django.contrib.sessions.cached_db`; values are the
 * session dict pickled (Django's `RedisSerializer`), unsigned: anyone who can write to this
 * Redis can write sessions. TTLs are the session's expiry age, as Django sets them.
 *
 * `update` of the cache backend is Redis's optimistic transaction (WATCH / MULTI / EXEC,
 * retried on conflict), so cloakroom's writes still merge key by key; Django's own saves write
 * the whole session back.
 */
import type { Redis } from 'ioredis';
import { SessionError } from '../core/errors.js';
import { applyChange, type SessionChange, type SessionRecord, type SessionStore, type StoreStats, type UserSessionInfo } from '../core/store.js';
import { PickleError, pickle, unpickle } from './pickle.js';
import { fromDjangoDict, isPlainDict, toDjangoDict } from './session-data.js';
import { DJANGO_SESSION_IDS } from './session-key.js';
import { DjangoDbStore, noUserIndex, type DjangoDbStoreOptions } from './db-store.js';
import { recordFromDjango, reportSuspicious, type SuspiciousHandler } from './record.js';

/** Django's `cache` backend key prefix. @example `:1:${CACHE_SESSION_PREFIX}${sessionKey}` */
export const CACHE_SESSION_PREFIX = 'django.contrib.sessions.cache';
/** Django's `cached_db` backend key prefix. @example `:1:${CACHED_DB_SESSION_PREFIX}${sessionKey}` */
export const CACHED_DB_SESSION_PREFIX = 'django.contrib.sessions.cached_db';

/**
 * Django's cache settings the key depends on.
 *
 * @example
 * const cache: DjangoCacheOptions = { redis: new Redis(), keyPrefix: 'shop' };
 */
export interface DjangoCacheOptions {
  /** An ioredis client on the Redis that Django's `CACHES['default']` (or `SESSION_CACHE_ALIAS`) uses; closed by `close()`. */
  redis: Redis;
  /** The cache's `KEY_PREFIX`. Default ''. */
  keyPrefix?: string;
  /** The cache's `VERSION`. Default 1. */
  version?: number;
  /** Where unreadable cache entries are reported. Default: a `CloakroomSuspiciousSession` process warning. */
  onSuspicious?: SuspiciousHandler;
}

/** Reads and writes pickled session dicts under Django's cache keys. */
class DjangoSessionCache {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #onSuspicious: SuspiciousHandler;
  readonly #name: string;

  constructor(options: DjangoCacheOptions, backendPrefix: string, name: string) {
    this.#redis = options.redis;
    this.#prefix = `${options.keyPrefix ?? ''}:${options.version ?? 1}:${backendPrefix}`;
    this.#onSuspicious = options.onSuspicious ?? reportSuspicious;
    this.#name = name;
  }

  get redis(): Redis {
    return this.#redis;
  }

  key(sessionKey: string): string {
    return this.#prefix + sessionKey;
  }

  get pattern(): string {
    return `${this.#prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
  }

  /** The data and expiry of a cached session, or null (unreadable entries reported). */
  async read(sessionKey: string, now: number): Promise<{ data: Record<string, string>; expiresAt: number } | null> {
    const key = this.key(sessionKey);
    const [[, raw], [, ttl]] = (await this.#redis.multi().getBuffer(key).pttl(key).exec()) as [[unknown, Buffer | null], [unknown, number]];
    if (raw === null) return null;
    const data = this.decode(raw);
    if (data === null) return null;
    return { data, expiresAt: ttl > 0 ? now + ttl : now + 1_209_600_000 };
  }

  decode(raw: Buffer): Record<string, string> | null {
    try {
      const value = unpickle(raw);
      if (isPlainDict(value)) return fromDjangoDict(value);
    } catch (err) {
      if (!(err instanceof PickleError)) throw err;
    }
    this.#onSuspicious({ store: this.#name, reason: 'the cached session is not a pickled dict of plain values' });
    return null;
  }

  /** Django's `cache.set(key, session, expiry_age)` (`mode` NX for `add`, XX for an update). */
  async write(sessionKey: string, data: Record<string, string>, expiresAt: number, now: number, mode?: 'NX' | 'XX'): Promise<boolean> {
    const value = pickle(toDjangoDict(data));
    const key = this.key(sessionKey);
    if (expiresAt <= now) {
      // Django's cache turns a timeout that is not positive into a delete.
      await this.#redis.del(key);
      return mode !== 'XX';
    }
    const seconds = ttlSeconds(expiresAt, now);
    const answer = mode === 'NX' ? await this.#redis.set(key, value, 'EX', seconds, 'NX') : mode === 'XX' ? await this.#redis.set(key, value, 'EX', seconds, 'XX') : await this.#redis.set(key, value, 'EX', seconds);
    return answer === 'OK';
  }

  encode(data: Record<string, string>): Buffer {
    return pickle(toDjangoDict(data));
  }

  async delete(sessionKey: string): Promise<void> {
    await this.#redis.del(this.key(sessionKey));
  }

  async count(): Promise<number> {
    let cursor = '0';
    let n = 0;
    do {
      const [next, keys] = await this.#redis.scan(cursor, 'MATCH', this.pattern, 'COUNT', 1000);
      cursor = next;
      n += keys.length;
    } while (cursor !== '0');
    return n;
  }
}

/** Django passes whole seconds; a session's last second still counts. */
function ttlSeconds(expiresAt: number, now: number): number {
  return Math.max(1, Math.ceil((expiresAt - now) / 1000));
}

/**
 * Django's `cache` session backend (`SESSION_ENGINE = "django.contrib.sessions.backends.cache"`)
 * on Redis.
 *
 * @example
 * import { Redis } from 'ioredis';
 * const store = new DjangoCacheStore({ redis: new Redis('redis://127.0.0.1:6379/0'), secretKey });
 */
export class DjangoCacheStore implements SessionStore {
  readonly name: string;
  readonly ids = DJANGO_SESSION_IDS;
  readonly #cache: DjangoSessionCache;

  constructor(options: DjangoCacheOptions & { secretKey?: string }) {
    const o = options.redis.options;
    this.name = `django+redis://${o.host ?? '127.0.0.1'}:${o.port ?? 6379}/${o.db ?? 0}`;
    this.#cache = new DjangoSessionCache(options, CACHE_SESSION_PREFIX, this.name);
  }

  async get(key: string, now: number): Promise<SessionRecord | null> {
    const found = await this.#cache.read(key, now);
    return found === null ? null : recordFromDjango(found.data, found.expiresAt, now);
  }

  create(key: string, record: SessionRecord): Promise<boolean> {
    return this.#cache.write(key, record.data, record.expiresAt, record.lastSeenAt, 'NX');
  }

  /** WATCH / MULTI / EXEC: the merge applies to the value Redis held, or is retried. */
  async update(key: string, change: SessionChange, now: number): Promise<boolean> {
    const redis = this.#cache.redis;
    const cacheKey = this.#cache.key(key);
    for (let attempt = 0; attempt < 8; attempt++) {
      // A dedicated connection: WATCH belongs to the connection, and this client is shared.
      const conn = redis.duplicate();
      try {
        await conn.watch(cacheKey);
        const raw = await conn.getBuffer(cacheKey);
        if (raw === null) return false;
        const data = applyChange(this.#cache.decode(raw) ?? {}, change);
        const tx = conn.multi();
        // Django's cache turns a timeout that is not positive into a delete.
        if (change.expiresAt <= now) tx.del(cacheKey);
        else tx.set(cacheKey, this.#cache.encode(data), 'EX', ttlSeconds(change.expiresAt, now));
        const done = await tx.exec();
        if (done !== null) return true;
      } finally {
        conn.disconnect();
      }
    }
    throw new SessionError('ERR_STORE_UNAVAILABLE', `${this.name}: the session kept changing under 8 attempts to update it.`);
  }

  async touch(key: string, expiresAt: number, _lastSeenAt: number, now: number): Promise<boolean> {
    return (await this.#cache.redis.expire(this.#cache.key(key), ttlSeconds(expiresAt, now))) === 1;
  }

  destroy(key: string): Promise<void> {
    return this.#cache.delete(key);
  }

  /** Redis expires cache entries itself (Django's `clear_expired` does nothing here either). */
  async clearExpired(): Promise<number> {
    return 0;
  }

  async listByUser(): Promise<UserSessionInfo[]> {
    throw noUserIndex(this.name);
  }

  async destroyByUser(): Promise<number> {
    throw noUserIndex(this.name);
  }

  async stats(): Promise<StoreStats> {
    return { live: await this.#cache.count(), expired: 0 };
  }

  async close(): Promise<void> {
    this.#cache.redis.disconnect();
  }
}

/**
 * Options of `new DjangoCachedDbStore()`: the database table's and the cache's.
 *
 * @example
 * new DjangoCachedDbStore({ backend: await djangoPostgres(url), secretKey, redis: new Redis() });
 */
export type DjangoCachedDbStoreOptions = DjangoDbStoreOptions & DjangoCacheOptions;

/**
 * Django's `cached_db` backend: the `db` table is the truth, Redis a write-through cache read
 * first (Django: `cache.get`, else the row, then `cache.set`).
 *
 * @example
 * const store = new DjangoCachedDbStore({ backend: await djangoSqlite('./db.sqlite3'), redis: new Redis(), secretKey });
 */
export class DjangoCachedDbStore implements SessionStore {
  readonly name: string;
  readonly ids = DJANGO_SESSION_IDS;
  readonly #db: DjangoDbStore;
  readonly #cache: DjangoSessionCache;

  constructor(options: DjangoCachedDbStoreOptions) {
    this.#db = new DjangoDbStore(options);
    this.name = this.#db.name.replace(/^django\+/, 'django+cached-db+');
    this.#cache = new DjangoSessionCache(options, CACHED_DB_SESSION_PREFIX, this.name);
  }

  async get(key: string, now: number): Promise<SessionRecord | null> {
    // An entry that does not decode is skipped for the row, as Django's cache.get failing is.
    const cached = await this.#cache.read(key, now);
    if (cached !== null) return recordFromDjango(cached.data, cached.expiresAt, now);
    const record = await this.#db.get(key, now);
    if (record !== null) await this.#cache.write(key, record.data, record.expiresAt, now);
    return record;
  }

  async create(key: string, record: SessionRecord): Promise<boolean> {
    if (!(await this.#db.create(key, record))) return false;
    await this.#cache.write(key, record.data, record.expiresAt, record.lastSeenAt);
    return true;
  }

  async update(key: string, change: SessionChange, now: number): Promise<boolean> {
    // Under the row lock, then the cache gets what the row now holds (Django: save, then cache.set).
    const written = await this.#db.modify(key, change, now);
    if (written === null) {
      await this.#cache.delete(key);
      return false;
    }
    await this.#cache.write(key, written, change.expiresAt, now);
    return true;
  }

  async touch(key: string, expiresAt: number, lastSeenAt: number, now: number): Promise<boolean> {
    if (!(await this.#db.touch(key, expiresAt, lastSeenAt, now))) return false;
    await this.#cache.redis.expire(this.#cache.key(key), ttlSeconds(expiresAt, now));
    return true;
  }

  async destroy(key: string): Promise<void> {
    await this.#db.destroy(key);
    await this.#cache.delete(key);
  }

  clearExpired(now: number, options?: Parameters<SessionStore['clearExpired']>[1]): Promise<number> {
    return this.#db.clearExpired(now, options);
  }

  async listByUser(): Promise<UserSessionInfo[]> {
    throw noUserIndex(this.name);
  }

  async destroyByUser(): Promise<number> {
    throw noUserIndex(this.name);
  }

  stats(now: number): Promise<StoreStats> {
    return this.#db.stats(now);
  }

  async close(): Promise<void> {
    this.#cache.redis.disconnect();
    await this.#db.close();
  }
}
