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
 * Sessions in this process's memory, for development and tests. It holds serialized strings
 * (one JSON text per record), so data that could not round-trip through a real store fails
 * here too. Bounded: past `maxEntries` the least recently used session is evicted.
 *
 * @example
 * const store = new MemoryStore({ maxEntries: 50_000 });
 */
export class MemoryStore implements SessionStore {
  readonly name = 'memory:';
  readonly #records = new Map<string, string>(); // insertion order doubles as LRU order
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

  #read(key: string, now: number): SessionRecord | null {
    const text = this.#records.get(key);
    if (text === undefined) return null;
    const record = JSON.parse(text) as SessionRecord;
    if (record.expiresAt <= now) {
      this.#records.delete(key); // lazy expiry
      return null;
    }
    return record;
  }

  #write(key: string, record: SessionRecord): void {
    this.#records.delete(key);
    this.#records.set(key, JSON.stringify(record));
    while (this.#records.size > this.#maxEntries) {
      const oldest = this.#records.keys().next().value as string;
      this.#records.delete(oldest);
    }
  }

  async get(key: string, now: number): Promise<SessionRecord | null> {
    const record = this.#read(key, now);
    if (record) {
      // Refresh LRU position without reserializing.
      const text = this.#records.get(key)!;
      this.#records.delete(key);
      this.#records.set(key, text);
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
    for (const [key, text] of this.#records) {
      if ((JSON.parse(text) as SessionRecord).expiresAt <= now) {
        this.#records.delete(key);
        deleted++;
      }
    }
    options.onProgress?.(deleted);
    return deleted;
  }

  async listByUser(userId: string, now: number): Promise<UserSessionInfo[]> {
    const out: UserSessionInfo[] = [];
    for (const [key, text] of this.#records) {
      const r = JSON.parse(text) as SessionRecord;
      if (r.userId === userId && r.expiresAt > now) {
        out.push({ key, createdAt: r.createdAt, lastSeenAt: r.lastSeenAt, expiresAt: r.expiresAt, userAgent: r.userAgent });
      }
    }
    return out.sort((a, b) => b.lastSeenAt - a.lastSeenAt);
  }

  async destroyByUser(userId: string, exceptKey?: string): Promise<number> {
    let removed = 0;
    for (const [key, text] of this.#records) {
      if (key !== exceptKey && (JSON.parse(text) as SessionRecord).userId === userId) {
        this.#records.delete(key);
        removed++;
      }
    }
    return removed;
  }

  async stats(now: number): Promise<StoreStats> {
    let live = 0;
    let expired = 0;
    for (const text of this.#records.values()) {
      if ((JSON.parse(text) as SessionRecord).expiresAt > now) live++;
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
    for (const [key, text] of this.#records) out += `${key} ${text}\n`;
    return out;
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
  }
}
