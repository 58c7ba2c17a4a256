import type { ClearExpiredOptions, SessionChange, SessionRecord, SessionStore, StoreStats, UserSessionInfo } from '../core/store.js';
import { applyChange } from '../core/store.js';
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
 * serialized JSON text the core hands every store, and it hands out copies, never its own
 * objects: data that could not round-trip through a real store fails here too. Bounded: past
 * `maxEntries` the least recently used session is evicted.
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
      // A sweep timer must never keep a process alive that has nothing else to do.
      this.#timer.unref();
    }
  }

  /** Records held right now, expired ones not yet swept included. */
  get size(): number {
    return this.#records.size;
  }

  /** A copy of the live record (callers may change it freely), or null. */
  #read(key: string, now: number): SessionRecord | null {
    const held = this.#records.get(key);
    if (held === undefined) return null;
    if (held.expiresAt <= now) {
      this.#records.delete(key); // lazy expiry
      return null;
    }
    return copyRecord(held);
  }

  #write(key: string, record: SessionRecord): void {
    this.#records.delete(key);
    this.#records.set(key, copyRecord(record));
    while (this.#records.size > this.#maxEntries) {
      const oldest = this.#records.keys().next().value as string;
      this.#records.delete(oldest);
    }
  }

  async get(key: string, now: number): Promise<SessionRecord | null> {
    const record = this.#read(key, now);
    if (record) {
      // Refresh the LRU position.
      const held = this.#records.get(key)!;
      this.#records.delete(key);
      this.#records.set(key, held);
    }
    return record;
  }

  async create(key: string, record: SessionRecord): Promise<boolean> {
    if (this.#read(key, Date.now()) !== null) return false;
    this.#write(key, record);
    return true;
  }

  // JavaScript runs one callback at a time, so read-modify-write here is atomic by construction:
  // the "short lock" other file/memory stores need is the event loop itself.
  async update(key: string, change: SessionChange, now: number): Promise<boolean> {
    const record = this.#read(key, now);
    if (record === null) return false;
    record.data = applyChange(record.data, change);
    record.expiresAt = change.expiresAt;
    record.lastSeenAt = change.lastSeenAt;
    if (change.userId !== undefined) record.userId = change.userId;
    this.#write(key, record);
    return true;
  }

  async touch(key: string, expiresAt: number, lastSeenAt: number, now: number): Promise<boolean> {
    const record = this.#read(key, now);
    if (record === null) return false;
    record.expiresAt = expiresAt;
    record.lastSeenAt = lastSeenAt;
    this.#write(key, record);
    return true;
  }

  async destroy(key: string): Promise<void> {
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

/** Records are flat apart from `data`, whose values are strings: a shallow copy of both is a deep copy. */
function copyRecord(record: SessionRecord): SessionRecord {
  const data: Record<string, string> = Object.create(null);
  for (const k in record.data) data[k] = record.data[k]!;
  return { ...record, data };
}
