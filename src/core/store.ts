/**
 * The one store contract. Every guarantee maps to a native primitive of each backend
 * (INSERT vs UPDATE … WHERE, SET NX vs SET XX, open with `wx`), and one conformance suite
 * (`cloakroom/testing`) proves it on every store.
 *
 * Stores never see cookies or session IDs: the core hands them `key`, the SHA-256 of the ID.
 * Times are epoch milliseconds.
 */

/**
 * What a store keeps for one session.
 *
 * @example
 * await store.create(key, { data: { theme: '"dark"' }, expiresAt: now + 3600_000, createdAt: now, lastSeenAt: now, userId: null, userAgent: null });
 */
export interface SessionRecord {
  /** Each session key's value, already serialized by the core (JSON text). */
  data: Record<string, string>;
  /** When the record stops existing for `get` (epoch ms). Enforced by the store and again by the core. */
  expiresAt: number;
  createdAt: number;
  /** Last time a request saved or touched this session. */
  lastSeenAt: number;
  /** The user this session is bound to by `session.login(userId)`, for listing and revocation. */
  userId: string | null;
  /** The User-Agent of the request that created the record, for "your sessions" pages. */
  userAgent: string | null;
}

/**
 * The part of a session one request changed. Only these keys are written, atomically, so
 * parallel requests that write different keys all keep their writes.
 *
 * @example
 * await store.update(key, { set: { theme: '"light"' }, unset: ['cart'], replace: false, expiresAt, lastSeenAt: now }, now);
 */
export interface SessionChange {
  /** Keys to write (serialized values). */
  set: Record<string, string>;
  /** Keys to remove. */
  unset: string[];
  /** When true the stored data becomes exactly `set` (the handler called `clear()`). */
  replace: boolean;
  expiresAt: number;
  lastSeenAt: number;
  /** A new binding; `undefined` leaves the stored one alone. */
  userId?: string | null;
}

/**
 * One row of a user's session list.
 *
 * @example
 * const rows: UserSessionInfo[] = await store.listByUser('user-42', Date.now());
 */
export interface UserSessionInfo {
  key: string;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
  userAgent: string | null;
}

/**
 * How `clearExpired` paces its work.
 *
 * @example
 * await store.clearExpired(Date.now(), { batchSize: 500, onProgress: (n) => console.log(n) });
 */
export interface ClearExpiredOptions {
  /** Records deleted per round trip; stores bound the work of one statement with it. */
  batchSize?: number;
  /** Called after each batch with the running total. */
  onProgress?: (deleted: number) => void;
}

/**
 * Record counts, as `cloakroom stats` prints them.
 *
 * @example
 * const { live, expired } = await store.stats(Date.now());
 */
export interface StoreStats {
  live: number;
  expired: number;
}

/**
 * A value, or the promise of it: how a store's request-path methods may answer.
 *
 * @example
 * get(key: string, now: number): Awaitable<SessionRecord | null>
 */
export type Awaitable<T> = T | Promise<T>;

/**
 * How session IDs are made, carried in the cookie and keyed in the store. A store brings its
 * own only when another system fixes the format (Django's session key, kept raw in its tables
 * and sent unsigned); every other store uses the core's (192-bit IDs, HMAC-signed in the
 * cookie, stored as their SHA-256).
 *
 * @example
 * const ids: SessionIdScheme = { generate, cookieValue: (id) => id, read: (v) => (ok(v) ? { id: v, current: true } : null), storeKey: (id) => id };
 */
export interface SessionIdScheme {
  /** A fresh ID from the CSPRNG. */
  generate(): string;
  /** What the cookie carries for `id`. */
  cookieValue(id: string): string;
  /**
   * The ID in a cookie value, or null when the value is malformed or forged (checked before any
   * store sees it; never throws). `current`: the value is what `cookieValue` writes today.
   */
  read(value: string): { id: string; current: boolean } | null;
  /** The key the store is called with for `id`. */
  storeKey(id: string): string;
}

/**
 * Where a store made of other stores (a tiered store's cache in front of its database) reports
 * on those parts, which it may go on without. The manager turns the reports into the events it
 * reports for the store itself, with `tier` naming the part: each failed call is a
 * `store.failed`, and the same outage rule as the store's own gives one `store.outage-began`
 * when the part starts failing and one `store.outage-ended` when it answers again.
 *
 * @example
 * try {
 *   const value = await this.cache.get(key, now);
 *   this.#report?.answered('cache');
 * } catch (err) {
 *   this.#report?.failed('cache', err); // then read the database
 * }
 */
export interface StoreTierReport {
  /** A call to `tier` failed (the error as thrown); the store went on without it. */
  failed(tier: string, error: unknown): void;
  /** A call to `tier` answered. Cheap while nothing is failing: report every answer. */
  answered(tier: string): void;
  /** The store stopped using `tier` for the rest of this process's life, for `reason`. */
  bypassed(tier: string, reason: string): void;
}

/**
 * What every server-side store implements; `cloakroom/testing` checks a store against it.
 *
 * The request-path methods (`get`, `create`, `update`, `touch`, `destroy`) may return their
 * answer directly instead of a promise: that is how a store that lives in this process (memory,
 * SQLite) says it can answer synchronously, and the core then loads and commits without a
 * promise or a timer. An answer that is a promise is bounded by the manager's `storeTimeout`.
 *
 * @example
 * class MyStore implements SessionStore { get(key, now) { … } create(key, record) { … } … }
 * describeStoreConformance({ name: 'my-store', setup: async () => new MyStore() });
 */
export interface SessionStore {
  /** A short name for logs and errors, e.g. `sqlite:./data/sessions.db` (no passwords). */
  readonly name: string;
  /** Set only by stores whose IDs another system fixes (see {@link SessionIdScheme}); the manager then uses it. */
  readonly ids?: SessionIdScheme;
  /** The record, or null when there is none or it has expired. */
  get(key: string, now: number): Awaitable<SessionRecord | null>;
  /** Inserts; answers false (and changes nothing) when the key already exists. */
  create(key: string, record: SessionRecord): Awaitable<boolean>;
  /**
   * Applies `change` atomically; answers false (and changes nothing) when the record is gone
   * or expired, so a request racing a logout cannot bring the session back.
   */
  update(key: string, change: SessionChange, now: number): Awaitable<boolean>;
  /** Moves the expiry without rewriting data; false when the record is gone. */
  touch(key: string, expiresAt: number, lastSeenAt: number, now: number): Awaitable<boolean>;
  /** Removes the record; a missing record is not an error. */
  destroy(key: string): Awaitable<void>;
  /** Deletes expired records in batches; resolves the number deleted. */
  clearExpired(now: number, options?: ClearExpiredOptions): Promise<number>;
  /** The live sessions bound to `userId`, newest activity first. */
  listByUser(userId: string, now: number): Promise<UserSessionInfo[]>;
  /** Removes every session of `userId` except `exceptKey`; resolves the number removed. */
  destroyByUser(userId: string, exceptKey?: string): Promise<number>;
  /** Live and expired record counts (for `cloakroom stats`). */
  stats(now: number): Promise<StoreStats>;
  /** Releases connections and timers. */
  close(): Promise<void>;
  /**
   * Only for a store with parts it can go on without (`TieredStore`): each manager made with the
   * store calls this once, from its constructor, with where to report on those parts (see
   * {@link StoreTierReport}). A part that is already failing is reported to it at once.
   */
  reportTiersTo?(report: StoreTierReport): void;
}

/**
 * Applies a change to a plain data map: the reference semantics every store must match.
 *
 * @example
 * applyChange({ a: '1', b: '2' }, { set: { c: '3' }, unset: ['a'], replace: false, expiresAt, lastSeenAt }); // { b: '2', c: '3' }
 */
export function applyChange(data: Record<string, string>, change: SessionChange): Record<string, string> {
  const next: Record<string, string> = {};
  if (!change.replace) {
    const unset = change.unset.length > 0 ? new Set(change.unset) : null;
    for (const k of Object.keys(data)) {
      if (unset?.has(k) || Object.hasOwn(change.set, k)) continue;
      setOwn(next, k, data[k]!);
    }
  }
  for (const k of Object.keys(change.set)) setOwn(next, k, change.set[k]!);
  return next;
}

/**
 * @internal `target[key] = value` as an own data property, whatever the key: on a plain object, only
 * `__proto__` would otherwise reach a setter (and silently drop the value). Plain objects
 * built this way stay in V8's fast mode, where `Object.create(null)` maps are dictionaries:
 * several times slower to fill, copy, freeze and iterate on every request.
 */
export function setOwn<T>(target: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/**
 * A store that keeps the whole session in the cookie itself (sealed with authenticated
 * encryption). It cannot list or revoke sessions server-side, nor merge parallel writes:
 * the last response's cookie wins. The manager calls `seal` at commit and `unseal` at load.
 */
export interface StatelessStore {
  readonly name: string;
  readonly stateless: true;
  /** The cookie value for `record`; throws `ERR_SESSION_TOO_LARGE` past the cookie size limit. */
  seal(record: SessionRecord): string;
  /** The record in a cookie value, or null when it is forged, garbled, from a retired key, or expired. */
  unseal(value: string, now: number): SessionRecord | null;
  /** The longest cookie value `unseal` accepts (used to bound parsing). */
  readonly maxValueLength: number;
  /** Releases whatever the store holds (nothing, for the cookie store). */
  close(): Promise<void>;
}

/**
 * True when `store` keeps sessions in the cookie (`StatelessStore`) rather than on the server.
 *
 * @example
 * if (isStatelessStore(options.store)) console.log('sessions live in the cookie');
 */
export function isStatelessStore(store: SessionStore | StatelessStore): store is StatelessStore {
  return (store as StatelessStore).stateless === true;
}
