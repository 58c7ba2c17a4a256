import { MemoryStore as CoreMemoryStore, type MemoryStoreOptions } from '../stores/memory.js';
import { storeKeyFor } from '../core/session-id.js';
import type { SessionStore } from '../core/store.js';
import { Store, type StoreCallback, type StoredSessionData } from './store.js';
import { CLOAKROOM_STORE, parseStoredData as parseData } from './backend.js';

const ONE_DAY_MS = 86_400_000;

/**
 * express-session's `MemoryStore`, rebuilt on cloakroom's bounded memory store: the
 * middleware writes through cloakroom's store contract (only changed keys, IDs hashed), and
 * the callback methods (`get`, `set`, `destroy`, `touch`, `length`, `clear`) keep
 * working for code that calls them. There is no `all()`: IDs are kept only as hashes. Unlike express-session's, it evicts the least recently
 * used session past `maxEntries` instead of growing without bound.
 *
 * @example
 * app.use(session({ secret, resave: false, saveUninitialized: false, store: new session.MemoryStore() }));
 */
export class MemoryStore extends Store {
  #inner: CoreMemoryStore;
  readonly #options: MemoryStoreOptions;

  constructor(options: MemoryStoreOptions = {}) {
    super();
    this.#options = options;
    this.#inner = new CoreMemoryStore(options);
  }

  /** The cloakroom store the middleware writes through. */
  get [CLOAKROOM_STORE](): SessionStore {
    return this.#inner;
  }

  get(sid: string, callback: StoreCallback<StoredSessionData | null>): void {
    settle(Promise.resolve(this.#inner.get(storeKeyFor(sid), Date.now())).then((record) => (record ? parseData(record.data) : null)), callback);
  }

  set(sid: string, session: object, callback?: StoreCallback): void {
    const key = storeKeyFor(sid);
    const now = Date.now();
    const data: Record<string, string> = Object.create(null);
    for (const [k, v] of Object.entries(JSON.parse(JSON.stringify(session)) as Record<string, unknown>)) data[k] = JSON.stringify(v);
    const expires = (session as { cookie?: { expires?: Date | null } }).cookie?.expires;
    const expiresAt = expires instanceof Date ? expires.getTime() : now + ONE_DAY_MS;
    const record = { data, expiresAt, createdAt: now, lastSeenAt: now, userId: null, userAgent: null };
    const upsert = async () => {
      if (await this.#inner.create(key, record)) return;
      await this.#inner.update(key, { set: data, unset: [], replace: true, expiresAt, lastSeenAt: now }, now);
    };
    settle(upsert(), callback);
  }

  destroy(sid: string, callback?: StoreCallback): void {
    settle(this.#inner.destroy(storeKeyFor(sid)), callback);
  }

  touch(sid: string, session: object, callback?: StoreCallback): void {
    const expires = (session as { cookie?: { expires?: Date | null } }).cookie?.expires;
    const now = Date.now();
    const expiresAt = expires instanceof Date ? expires.getTime() : now + ONE_DAY_MS;
    settle(this.#inner.touch(storeKeyFor(sid), expiresAt, now, now), callback);
  }

  /** Live sessions held. */
  length(callback: StoreCallback<number>): void {
    settle(this.#inner.stats(Date.now()).then((s) => s.live), callback);
  }

  /** Drops every session. */
  clear(callback?: StoreCallback): void {
    const old = this.#inner;
    this.#inner = new CoreMemoryStore(this.#options);
    settle(old.close(), callback);
  }
}

function settle<T>(answer: T | Promise<T>, callback: StoreCallback<T> | undefined): void {
  Promise.resolve(answer).then(
    (value) => callback && process.nextTick(callback, null, value),
    (err: unknown) => callback && process.nextTick(callback, err),
  );
}
