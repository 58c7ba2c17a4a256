import { Store, type StoreCallback, type StoredSessionData } from './store.js';

/**
 * Options of the drop-in's `MemoryStore`.
 *
 * @example
 * new session.MemoryStore({ maxEntries: 50_000 });
 */
export interface MemoryStoreOptions {
  /** Most sessions held; past it the least recently used one is evicted. Default 10,000. */
  maxEntries?: number;
}

/** Records of browser-session cookies (no expiry) live a day, like connect-redis's default ttl. */
const BROWSER_SESSION_TTL_MS = 86_400_000;

interface Entry {
  json: string;
  expiresAt: number;
}

/**
 * express-session's `MemoryStore`: sessions as JSON text under their IDs, with its methods and
 * callback conventions (`get`, `set`, `touch`, `destroy`, `all`, `length`, `clear`), so code
 * that wraps, subclasses or counts them sees every call the middleware makes. Unlike
 * express-session's, it is bounded: past `maxEntries` the least recently used session goes,
 * and records of browser-session cookies expire after a day instead of living forever.
 * Callbacks run on the next microtask, after the method returned, as express-session's
 * (which waits for setImmediate) do.
 *
 * @example
 * app.use(session({ secret, resave: false, saveUninitialized: false, store: new session.MemoryStore() }));
 */
export class MemoryStore extends Store {
  /** Insertion order is recency order: a read re-inserts (the Map is the LRU list). */
  #sessions = new Map<string, Entry>();
  readonly #maxEntries: number;

  constructor(options: MemoryStoreOptions = {}) {
    super(options);
    const max = options.maxEntries ?? 10_000;
    if (!Number.isInteger(max) || max < 1) throw new TypeError('maxEntries must be a positive integer');
    this.#maxEntries = max;
  }

  /** The stored session, or undefined when there is none or it expired. */
  get(sid: string, callback: StoreCallback<StoredSessionData | undefined>): void {
    defer(callback, null, this.#read(sid));
  }

  /** Stores `session` (as JSON) under `sid`. */
  set(sid: string, session: object, callback?: StoreCallback): void {
    this.#write(sid, JSON.stringify(session), session);
    if (callback) defer(callback);
  }

  /** Replaces the stored `cookie` (the expiry) of a session that exists; data stays as stored. */
  touch(sid: string, session: object, callback?: StoreCallback): void {
    const current = this.#read(sid);
    if (current) {
      current.cookie = (session as { cookie: StoredSessionData['cookie'] }).cookie;
      this.#write(sid, JSON.stringify(current), session);
    }
    if (callback) defer(callback);
  }

  /** Deletes the session `sid` (no error when there is none). */
  destroy(sid: string, callback?: StoreCallback): void {
    this.#sessions.delete(sid);
    if (callback) defer(callback);
  }

  /** Every live session by ID. */
  all(callback: StoreCallback<Record<string, StoredSessionData>>): void {
    const out: Record<string, StoredSessionData> = Object.create(null);
    for (const sid of [...this.#sessions.keys()]) {
      const sess = this.#read(sid, false);
      if (sess) out[sid] = sess;
    }
    defer(callback, null, out);
  }

  /** How many live sessions there are. */
  length(callback: StoreCallback<number>): void {
    this.all((err, sessions) => (err ? callback(err) : callback(null, Object.keys(sessions!).length)));
  }

  /** Drops every session. */
  clear(callback?: StoreCallback): void {
    this.#sessions = new Map();
    if (callback) defer(callback);
  }

  #read(sid: string, bump = true): StoredSessionData | undefined {
    const entry = this.#sessions.get(sid);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.#sessions.delete(sid);
      return undefined;
    }
    if (bump) {
      this.#sessions.delete(sid);
      this.#sessions.set(sid, entry);
    }
    return JSON.parse(entry.json) as StoredSessionData;
  }

  #write(sid: string, json: string, session: object): void {
    const expires = (session as { cookie?: { expires?: unknown } }).cookie?.expires;
    const at = expires instanceof Date ? expires.getTime() : typeof expires === 'string' ? Date.parse(expires) : NaN;
    this.#sessions.delete(sid);
    this.#sessions.set(sid, { json, expiresAt: Number.isFinite(at) ? at : Date.now() + BROWSER_SESSION_TTL_MS });
    if (this.#sessions.size > this.#maxEntries) {
      const oldest = this.#sessions.keys().next().value as string;
      this.#sessions.delete(oldest);
    }
  }
}

/** Calls back after the caller's code ran, as every real store does (never synchronously). */
function defer(callback: StoreCallback<never>, err?: unknown, value?: unknown): void {
  queueMicrotask(() => callback(err, value as never));
}
