import type { Awaitable, ClearExpiredOptions, SessionChange, SessionRecord, SessionStore, StoreStats, UserSessionInfo } from '../core/store.js';
import { applyChange, setOwn } from '../core/store.js';
import { SessionError } from '../core/errors.js';

/**
 * Options of `new MemoryStore()`.
 *
 * @example
 * new MemoryStore({ maxEntries: 50_000, sweepInterval: 30_000 });
 */
export interface MemoryStoreOptions {
  /** Most records kept; the least recently used is evicted beyond it. Default 10,000. */
  maxEntries?: number;
  /** Milliseconds between sweeps of expired records; 0 disables the sweep. Default 60,000. */
  sweepInterval?: number;
}

/**
 * Sessions in this process's memory, for development and tests. Every value it holds is the
 * serialized JSON text the core hands every store, so data that could not round-trip through a
 * real store fails here too. Stored data is frozen and replaced, never changed in place, so
 * `get` hands it out without a copy. Bounded: past
 * `maxEntries` the least recently used session is evicted. Answers synchronously
 * (its request-path methods return values, not promises), so the core needs no promise for it.
 *
 * @example
 * const store = new MemoryStore({ maxEntries: 50_000 });
 */
export class MemoryStore implements SessionStore {
  readonly name = 'memory:';
  readonly #records = new Map<string, SessionRecord>(); // insertion order doubles as LRU order
  readonly #maxEntries: number;
  readonly #timer: NodeJS.Timeout | undefined;

  constructor(options: MemoryStoreOptions = {}) {
    this.#maxEntries = options.maxEntries ?? 10_000;
    if (!Number.isInteger(this.#maxEntries) || this.#maxEntries < 1) {
      throw new SessionError('ERR_SESSION_CONFIG', 'MemoryStore maxEntries must be a positive integer.');
    }
    const sweep = options.sweepInterval ?? 60_000;
    if (sweep > 0) {
      this.#timer = setInterval(() => void this.clearExpired(Date.now()), sweep);
      // A sweep timer must never keep a process alive that has nothing else to do. (Web
      // runtimes, a Worker without nodejs_compat among them, give a number: nothing to unref.)
      (this.#timer as { unref?: () => void }).unref?.();
    }
  }

  /** Records held right now, expired ones not yet swept included. */
  get size(): number {
    return this.#records.size;
  }

  /** The live (frozen) record, or null; an expired one is dropped on the way. */
  #live(key: string, now: number): SessionRecord | null {
    const held = this.#records.get(key);
    if (held === undefined) return null;
    if (held.expiresAt <= now) {
      this.#records.delete(key); // lazy expiry
      return null;
    }
    return held;
  }

  #put(key: string, record: SessionRecord): void {
    this.#records.delete(key);
    this.#records.set(key, record);
    while (this.#records.size > this.#maxEntries) {
      const oldest = this.#records.keys().next().value as string;
      this.#records.delete(oldest);
    }
  }

  get(key: string, now: number): Awaitable<SessionRecord | null> {
    const held = this.#live(key, now);
    if (held === null) return null;
    // Refresh the LRU position.
    this.#records.delete(key);
    this.#records.set(key, held);
    return handedOut(held);
  }

  create(key: string, record: SessionRecord): Awaitable<boolean> {
    if (this.#live(key, Date.now()) !== null) return false;
    this.#put(key, stored(record, copyData(record.data), record.expiresAt, record.lastSeenAt, record.userId));
    return true;
  }

  // JavaScript runs one callback at a time, so read-modify-write here is atomic by construction:
  // the "short lock" other file/memory stores need is the event loop itself.
  update(key: string, change: SessionChange, now: number): Awaitable<boolean> {
    const held = this.#live(key, now);
    if (held === null) return false;
    const userId = change.userId === undefined ? held.userId : change.userId;
    this.#put(key, stored(held, applyChange(held.data, change), change.expiresAt, change.lastSeenAt, userId));
    return true;
  }

  touch(key: string, expiresAt: number, lastSeenAt: number, now: number): Awaitable<boolean> {
    const held = this.#live(key, now);
    if (held === null) return false;
    this.#put(key, stored(held, held.data, expiresAt, lastSeenAt, held.userId));
    return true;
  }

  destroy(key: string): Awaitable<void> {
    this.#records.delete(key);
  }

  async clearExpired(now: number, options: ClearExpiredOptions = {}): Promise<number> {
    let deleted = 0;
    for (const [key, record] of this.#records) {
      if (record.expiresAt <= now) {
        this.#records.delete(key);
        deleted++;
      }
    }
    options.onProgress?.(deleted);
    return deleted;
  }

  async listByUser(userId: string, now: number): Promise<UserSessionInfo[]> {
    const out: UserSessionInfo[] = [];
    for (const [key, r] of this.#records) {
      if (r.userId === userId && r.expiresAt > now) {
        out.push({ key, createdAt: r.createdAt, lastSeenAt: r.lastSeenAt, expiresAt: r.expiresAt, userAgent: r.userAgent });
      }
    }
    return out.sort((a, b) => b.lastSeenAt - a.lastSeenAt);
  }

  async destroyByUser(userId: string, exceptKey?: string): Promise<number> {
    let removed = 0;
    for (const [key, record] of this.#records) {
      if (key !== exceptKey && record.userId === userId) {
        this.#records.delete(key);
        removed++;
      }
    }
    return removed;
  }

  async stats(now: number): Promise<StoreStats> {
    let live = 0;
    let expired = 0;
    for (const record of this.#records.values()) {
      if (record.expiresAt > now) live++;
      else expired++;
    }
    return { live, expired };
  }

  /**
   * Everything the store holds, as text (key and serialized record per line): for debugging,
   * and for the conformance suite's check that no cookie ID is ever stored.
   *
   * @example
   * console.log(store.snapshot());
   */
  snapshot(): string {
    let out = '';
    for (const [key, record] of this.#records) out += `${key} ${JSON.stringify(record)}\n`;
    return out;
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
  }
}

/** `data` values are strings, so a shallow copy is a deep one. */
function copyData(data: Record<string, string>): Record<string, string> {
  const copy: Record<string, string> = {};
  for (const k of Object.keys(data)) setOwn(copy, k, data[k]!);
  return copy;
}

/**
 * A record as the store keeps it. Its data is frozen, so the object `get` hands out can share
 * it; the record itself is a new object per write, always of this one shape (V8 keeps the
 * store's property reads monomorphic that way; spreads and frozen copies made them megamorphic).
 */
function stored(base: SessionRecord, data: Record<string, string>, expiresAt: number, lastSeenAt: number, userId: string | null): SessionRecord {
  return { data: Object.freeze(data), expiresAt, createdAt: base.createdAt, lastSeenAt, userId, userAgent: base.userAgent };
}

/** What `get` hands out: its own record object (free to change) over the shared, frozen data. */
function handedOut(held: SessionRecord): SessionRecord {
  return { data: held.data, expiresAt: held.expiresAt, createdAt: held.createdAt, lastSeenAt: held.lastSeenAt, userId: held.userId, userAgent: held.userAgent };
}
