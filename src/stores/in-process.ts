import type { ClearExpiredOptions, SessionChange, SessionRecord, SessionStore, StoreStats, SyncSessionOps, UserSessionInfo } from '../core/store.js';

/**
 * The async request-path operations of a store that answers synchronously (memory, SQLite):
 * each resolves what its synchronous twin returns, so the two can never disagree. A
 * synchronous failure becomes a rejection, as callers of the async contract expect.
 */
export abstract class InProcessStore implements SessionStore {
  abstract readonly name: string;
  /** The synchronous request-path operations; subclasses may wrap them (counting, tracing). */
  protected abstract syncOps: SyncSessionOps;

  /**
   * The synchronous operations the core uses instead of the async ones — unless a subclass
   * overrides one of the async ones (to log, meter or fail it): then the core must call the
   * override, so this is undefined and the store is used like any async one.
   */
  get sync(): SyncSessionOps | undefined {
    const base = InProcessStore.prototype;
    const overridden = this.get !== base.get || this.create !== base.create || this.update !== base.update || this.touch !== base.touch || this.destroy !== base.destroy;
    return overridden ? undefined : this.syncOps;
  }

  async get(key: string, now: number): Promise<SessionRecord | null> {
    return this.syncOps.get(key, now);
  }

  async create(key: string, record: SessionRecord): Promise<boolean> {
    return this.syncOps.create(key, record);
  }

  async update(key: string, change: SessionChange, now: number): Promise<boolean> {
    return this.syncOps.update(key, change, now);
  }

  async touch(key: string, expiresAt: number, lastSeenAt: number, now: number): Promise<boolean> {
    return this.syncOps.touch(key, expiresAt, lastSeenAt, now);
  }

  async destroy(key: string): Promise<void> {
    this.syncOps.destroy(key);
  }

  abstract clearExpired(now: number, options?: ClearExpiredOptions): Promise<number>;
  abstract listByUser(userId: string, now: number): Promise<UserSessionInfo[]>;
  abstract destroyByUser(userId: string, exceptKey?: string): Promise<number>;
  abstract stats(now: number): Promise<StoreStats>;
  abstract close(): Promise<void>;
}
