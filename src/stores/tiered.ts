/**
 * A cache store in front of a database store, like Django's `cached_db` backend.
 *
 * - Reads hit the cache; on a miss they read the database and fill the cache.
 * - Writes go to the database first: it is the source of truth and its answer (create's
 *   "taken", update's "gone") is the answer. Then the cache entry is invalidated, not updated.
 *   Why invalidate: `update` applies a *partial* change. Applying it to both tiers means two
 *   merges of the same change onto two copies that may already differ (a fill that raced a
 *   write, an entry that outlived a failed invalidation); they can diverge for good. Dropping
 *   the entry lets the next read copy the database's one merged result.
 * - A cache that throws is an outage, not a failure: it is logged once per burst and the
 *   database answers. Keys whose invalidation failed are remembered (bounded) and read from
 *   the database until the invalidation succeeds, so a cache that comes back with old
 *   entries cannot resurrect a logged-out session in this process.
 *
 * Limits: a fill that races a write in *another* process can leave an old copy in a shared
 * cache until that session's next write or expiry (Django's `cached_db` has the same race);
 * within one process a generation counter prevents it.
 */
import { isLiveSessionRecord } from '../core/record.js';
import type { Awaitable, ClearExpiredOptions, SessionChange, SessionRecord, SessionStore, StoreStats, UserSessionInfo } from '../core/store.js';

/**
 * Options of `new TieredStore()`.
 *
 * @example
 * new TieredStore({ cache: new MemoryStore(), database: new SqliteStore(), logInterval: 300_000 });
 */
export interface TieredStoreOptions {
  /** The fast tier (e.g. Redis or memory). Its failures are logged and bypassed. */
  cache: SessionStore;
  /** The source of truth (e.g. PostgreSQL, SQLite). Its failures are the store's failures. */
  database: SessionStore;
  /** Where cache outages are reported. Default `console`. */
  logger?: Pick<Console, 'warn' | 'error'>;
  /** Quiet period (ms) after which a still-failing cache is reported again. Default 60,000. */
  logInterval?: number;
  /** Most keys remembered as "invalidation failed" before the cache is bypassed for all reads. Default 10,000. */
  maxPendingInvalidations?: number;
}

/**
 * Cache in front, database behind: reads from the cache, writes through to the database.
 *
 * @example
 * import { TieredStore } from 'cloakroom/stores/tiered';
 * const store = new TieredStore({
 *   cache: new RedisStore({ client: 'redis://127.0.0.1:6379' }),
 *   database: new PostgresStore({ connectionString: process.env.DATABASE_URL }),
 * });
 */
export class TieredStore implements SessionStore {
  readonly name: string;
  readonly cache: SessionStore;
  readonly database: SessionStore;
  readonly #logger: Pick<Console, 'warn' | 'error'>;
  readonly #logInterval: number;
  readonly #maxPending: number;
  /** Keys whose cache entry may be stale because dropping it failed. */
  readonly #pending = new Set<string>();
  /** Bumped on every write of a key, so a read that started before the write does not fill the cache. */
  readonly #generations = new Map<string, number>();
  /** Set when `#pending` overflowed: this process no longer trusts the cache for reads. */
  #untrusted = false;
  #clock = 0;
  #outageSince: number | null = null;
  #lastLog = 0;
  #suppressed = 0;

  constructor({ cache, database, logger = console, logInterval = 60_000, maxPendingInvalidations = 10_000 }: TieredStoreOptions) {
    this.cache = cache;
    this.database = database;
    this.name = `tiered:${cache.name}|${database.name}`;
    this.#logger = logger;
    this.#logInterval = logInterval;
    this.#maxPending = maxPendingInvalidations;
  }

  async get(key: string, now: number): Promise<SessionRecord | null> {
    if (!this.#untrusted && !this.#pending.has(key)) {
      const cached = await this.#tryCache(() => this.cache.get(key, now));
      // A cache entry that is not a live record (expired by our clock, corrupted) is a miss.
      if (cached.ok && isLiveSessionRecord(cached.value, now)) return cached.value;
    } else if (this.#pending.has(key)) {
      await this.#invalidate(key); // retry; the read itself goes to the database either way
    }
    const generation = this.#generations.get(key);
    const record = await this.database.get(key, now);
    if (record !== null && !this.#untrusted && !this.#pending.has(key) && this.#generations.get(key) === generation) {
      // `create` (not an upsert): a concurrent fill already there is as fresh as ours.
      await this.#tryCache(() => this.cache.create(key, record));
    }
    return record;
  }

  async create(key: string, record: SessionRecord): Promise<boolean> {
    const created = await this.database.create(key, record);
    // No fill here: the next read fills it, through the same generation check as every fill.
    return created;
  }

  update(key: string, change: SessionChange, now: number): Promise<boolean> {
    return this.#writeThrough(key, () => this.database.update(key, change, now));
  }

  touch(key: string, expiresAt: number, lastSeenAt: number, now: number): Promise<boolean> {
    return this.#writeThrough(key, () => this.database.touch(key, expiresAt, lastSeenAt, now));
  }

  destroy(key: string): Promise<void> {
    return this.#writeThrough(key, () => this.database.destroy(key));
  }

  async clearExpired(now: number, options?: ClearExpiredOptions): Promise<number> {
    const deleted = await this.database.clearExpired(now, options);
    await this.#tryCache(() => this.cache.clearExpired(now)); // expired entries are unreadable anyway; this frees space
    return deleted;
  }

  listByUser(userId: string, now: number): Promise<UserSessionInfo[]> {
    return this.database.listByUser(userId, now);
  }

  async destroyByUser(userId: string, exceptKey?: string): Promise<number> {
    // The database knows which keys are the user's (expired ones too, with now = 0); the cache's
    // copy of the binding may be stale, so each of those keys is dropped from it by name.
    const keys = (await this.database.listByUser(userId, 0)).map((s) => s.key).filter((k) => k !== exceptKey);
    for (const key of keys) this.#bump(key);
    const removed = await this.database.destroyByUser(userId, exceptKey);
    for (const key of keys) {
      this.#bump(key);
      await this.#invalidate(key);
    }
    await this.#tryCache(() => this.cache.destroyByUser(userId, exceptKey));
    return removed;
  }

  stats(now: number): Promise<StoreStats> {
    return this.database.stats(now);
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.cache.close(), this.database.close()]);
  }

  /** True while the cache is being bypassed after an outage or an invalidation overflow. */
  get degraded(): boolean {
    return this.#outageSince !== null || this.#untrusted || this.#pending.size > 0;
  }

  // ---- internals ---------------------------------------------------------------

  /**
   * The database write, then the invalidation (also when the database said "gone" or threw:
   * the cache must not keep what the database no longer has). The generation moves before and
   * after the write, so a read whose database answer may predate the write never fills the cache.
   */
  async #writeThrough<T>(key: string, write: () => Awaitable<T>): Promise<T> {
    this.#bump(key);
    try {
      return await write();
    } finally {
      this.#bump(key);
      await this.#invalidate(key);
    }
  }

  #bump(key: string): void {
    // One counter for all keys: values never repeat, even after an old entry is evicted.
    this.#generations.delete(key);
    this.#generations.set(key, ++this.#clock);
    // Bounded: generations only matter while a read is in flight, so old counters can go.
    if (this.#generations.size > 10_000) this.#generations.delete(this.#generations.keys().next().value as string);
  }

  async #invalidate(key: string): Promise<void> {
    const result = await this.#tryCache(() => this.cache.destroy(key));
    if (result.ok) {
      this.#pending.delete(key);
      return;
    }
    if (this.#pending.size >= this.#maxPending) {
      if (!this.#untrusted) {
        this.#logger.error(
          `[cloakroom] ${this.name}: more than ${this.#maxPending} cache entries could not be invalidated; ` +
            'reads now bypass the cache in this process. Flush the cache and restart to use it again.',
        );
      }
      this.#untrusted = true;
      return;
    }
    this.#pending.add(key);
  }

  /** Runs a cache call; a throw becomes `{ ok: false }` and is logged once per burst. */
  async #tryCache<T>(call: () => Awaitable<T>): Promise<{ ok: true; value: T } | { ok: false }> {
    try {
      const value = await call();
      if (this.#outageSince !== null) {
        this.#logger.warn(
          `[cloakroom] ${this.name}: cache ${this.cache.name} answers again after ${Date.now() - this.#outageSince} ms ` +
            `(${this.#suppressed} more failures were not logged).`,
        );
        this.#outageSince = null;
        this.#suppressed = 0;
        this.#retryPending();
      }
      return { ok: true, value };
    } catch (err) {
      const now = Date.now();
      if (this.#outageSince === null || now - this.#lastLog >= this.#logInterval) {
        this.#logger.warn(
          `[cloakroom] ${this.name}: cache ${this.cache.name} failed (${(err as Error)?.message ?? err}); serving from ${this.database.name}` +
            (this.#suppressed > 0 ? ` (${this.#suppressed} failures since the last report)` : '') +
            '.',
        );
        this.#outageSince ??= now;
        this.#lastLog = now;
        this.#suppressed = 0;
      } else {
        this.#suppressed++;
      }
      return { ok: false };
    }
  }

  /** After an outage, drop every entry that missed its invalidation (in the background). */
  #retryPending(): void {
    const keys = [...this.#pending];
    void (async () => {
      for (const key of keys) {
        if (this.#outageSince !== null) return; // down again: the next recovery retries
        try {
          await this.cache.destroy(key);
          this.#pending.delete(key);
        } catch {
          return;
        }
      }
    })();
  }
}
