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
 * - A cache that throws is bypassed, and the database answers. The store reports each cache
 *   call to the managers it serves (`reportTiersTo`), which report the cache's outages as they
 *   report the store's own (`store.outage-began` / `store.outage-ended` with `tier: 'cache'`),
 *   so there is one outage rule and one place an operator looks. Keys whose invalidation failed
 *   are remembered (bounded) and read from the database until the invalidation succeeds, so a
 *   cache that comes back with old entries cannot resurrect a logged-out session in this
 *   process.
 *
 * Limits: a fill that races a write in *another* process can leave an old copy in a shared
 * cache until that session's next write or expiry (Django's `cached_db` has the same race);
 * within one process a generation counter prevents it.
 */
import { isLiveSessionRecord } from '../core/record.js';
import type { Awaitable, ClearExpiredOptions, SessionChange, SessionRecord, SessionStore, StoreStats, StoreTierReport, UserSessionInfo } from '../core/store.js';

/**
 * Options of `new TieredStore()`.
 *
 * @example
 * new TieredStore({ cache: new MemoryStore(), database: new SqliteStore(), maxPendingInvalidations: 50_000 });
 */
export interface TieredStoreOptions {
  /**
   * The fast tier (e.g. Redis or memory). Its failures are bypassed, and reported through the
   * events of the manager using the store, as outages of its `cache` tier.
   */
  cache: SessionStore;
  /** The source of truth (e.g. PostgreSQL, SQLite). Its failures are the store's failures. */
  database: SessionStore;
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
  readonly #maxPending: number;
  /** Each manager using this store (usually one): where cache calls are reported. */
  readonly #reports = new Set<StoreTierReport>();
  /** Keys whose cache entry may be stale because dropping it failed. */
  readonly #pending = new Set<string>();
  /** Bumped on every write of a key, so a read that started before the write does not fill the cache. */
  readonly #generations = new Map<string, number>();
  /** Set when `#pending` overflowed: this process no longer trusts the cache for reads. */
  #untrusted = false;
  #clock = 0;
  /**
   * What the cache threw first since it last answered, or null when its last call answered. Not
   * an outage machine (the managers keep that): it is what a manager made later is told at once,
   * and what decides when entries that missed their invalidation are retried.
   */
  #cacheFailure: { error: unknown } | null = null;

  constructor({ cache, database, maxPendingInvalidations = 10_000 }: TieredStoreOptions) {
    this.cache = cache;
    this.database = database;
    this.name = `tiered:${cache.name}|${database.name}`;
    this.#maxPending = maxPendingInvalidations;
  }

  /**
   * Called by each `SessionManager` made with this store: its cache calls are reported there
   * (tier `cache`). A cache already failing (found by `ready()` at startup) is reported at once.
   */
  reportTiersTo(report: StoreTierReport): void {
    this.#reports.add(report);
    if (this.#cacheFailure !== null) report.failed('cache', this.#cacheFailure.error);
    if (this.#untrusted) report.bypassed('cache', this.#untrustedReason());
  }

  /**
   * Resolves once the database is ready. The cache is probed too, when it can be (a networked
   * store's `ready()`), but a cache that does not answer is no error: it is reported as a cache
   * failure, now and to any manager made later, and the database serves meanwhile.
   */
  async ready(): Promise<void> {
    await (this.database as Partial<Readiness>).ready?.();
    const probe = (this.cache as Partial<Readiness>).ready;
    if (probe) await this.#tryCache(() => probe.call(this.cache));
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

  /** True while the cache is failing, or bypassed for some keys (or all) after failed invalidations. */
  get degraded(): boolean {
    return this.#cacheFailure !== null || this.#untrusted || this.#pending.size > 0;
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
        this.#untrusted = true;
        for (const report of this.#reports) report.bypassed('cache', this.#untrustedReason());
      }
      return;
    }
    this.#pending.add(key);
  }

  #untrustedReason(): string {
    return `more than ${this.#maxPending} cache entries could not be invalidated, so reads go to the database; flush the cache and restart to use it again`;
  }

  /** Runs a cache call and reports it; a throw becomes `{ ok: false }` (the database serves). */
  async #tryCache<T>(call: () => Awaitable<T>): Promise<{ ok: true; value: T } | { ok: false }> {
    let value: T;
    try {
      value = await call();
    } catch (error) {
      this.#cacheFailure ??= { error };
      for (const report of this.#reports) report.failed('cache', error);
      return { ok: false };
    }
    for (const report of this.#reports) report.answered('cache');
    if (this.#cacheFailure !== null) {
      this.#cacheFailure = null;
      this.#retryPending();
    }
    return { ok: true, value };
  }

  /** Once the cache answers again, drop every entry that missed its invalidation (in the background). */
  #retryPending(): void {
    const keys = [...this.#pending];
    void (async () => {
      for (const key of keys) {
        if (this.#cacheFailure !== null) return; // failing again: the next answer retries
        if (!(await this.#tryCache(() => this.cache.destroy(key))).ok) return;
        this.#pending.delete(key);
      }
    })();
  }
}

/** The `ready()` of the networked stores: resolves once connected. */
interface Readiness {
  ready(): Promise<void>;
}
