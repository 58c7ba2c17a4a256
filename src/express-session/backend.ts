import { withDeadline } from '../core/deadline.js';
import { SessionError } from '../core/errors.js';
import { isLiveSessionRecord } from '../core/record.js';
import { storeKeyFor } from '../core/session-id.js';
import { isStatelessStore, type Awaitable, type SessionChange, type SessionRecord, type SessionStore, type StatelessStore } from '../core/store.js';
import type { ExpressSessionStore, StoreCallback, StoredSessionData } from './store.js';

/**
 * A session as JSON text per top-level property (`cookie` included): what the store holds,
 * and what a request has now. Diffing two of these gives the keys a request changed.
 */
export type Snapshot = Map<string, string>;

/** A value now (a store that called back before returning), or later. */
export type Maybe<T> = T | Promise<T>;

/** Browser-session cookies have no expiry; their records live a day, as connect-redis's do. */
const BROWSER_SESSION_TTL_MS = 86_400_000;

/**
 * The drop-in's one view of a store, whichever kind it is: an express-session store
 * (callbacks, whole-object writes, raw IDs) or a cloakroom store (promises, changed keys only,
 * hashed IDs). The request-facing code calls only this.
 */
export interface SessionBackend {
  readonly supportsTouch: boolean;
  /** True when `save` needs the snapshots (cloakroom stores write only what changed). */
  readonly wantsSnapshots: boolean;
  /** The stored session for `sid`, or null when there is none. Throws or rejects with a 503 SessionError. */
  get(sid: string): Maybe<StoredSessionData | null>;
  /**
   * Writes `session`. For a cloakroom store, `now` is its JSON per property and `stored` what
   * this request knows the store holds for `sid` (null: nothing yet): only the difference is written.
   */
  save(sid: string, session: object, now: Snapshot | null, stored: Snapshot | null): Maybe<unknown>;
  touch(sid: string, session: object): Maybe<unknown>;
  destroy(sid: string): Maybe<unknown>;
}

/** Chooses the backend for the `store` option; throws a TypeError for anything else. */
export function backendFor(store: unknown, timeoutMs: number): SessionBackend {
  const own = cloakroomStoreOf(store);
  if (own) return new CloakroomBackend(own, timeoutMs);
  if (isExpressSessionStore(store)) return new ExpressStoreBackend(store, timeoutMs);
  throw new TypeError('store must be an express-session store (get/set/destroy) or a cloakroom SessionStore');
}

function cloakroomStoreOf(store: unknown): SessionStore | null {
  if (typeof store !== 'object' || store === null) return null;
  const candidate = store as Partial<SessionStore> & Partial<StatelessStore>;
  if (isStatelessStore(candidate as StatelessStore)) {
    throw new TypeError(
      'A stateless (cookie) store cannot back express-session semantics, which need a server-side record per ID; use cloakroom/express or a server-side store.',
    );
  }
  if (typeof candidate.create === 'function' && typeof candidate.update === 'function' && typeof candidate.clearExpired === 'function') {
    return store as SessionStore;
  }
  return null;
}

function isExpressSessionStore(store: unknown): store is ExpressSessionStore {
  const s = store as Partial<ExpressSessionStore> | null;
  return typeof s === 'object' && s !== null && typeof s.get === 'function' && typeof s.set === 'function' && typeof s.destroy === 'function';
}

/** The snapshot of a session: each own enumerable property's JSON (undefined and functions skipped, as JSON does). */
export function snapshotOf(session: object): Snapshot {
  const out: Snapshot = new Map();
  for (const key of Object.keys(session)) {
    const json = JSON.stringify((session as Record<string, unknown>)[key]);
    if (json !== undefined) out.set(key, json);
  }
  return out;
}

/** Stored JSON texts back to values; a corrupted value reads as absent, as in the core. */
export function parseStoredData(data: Record<string, string>): StoredSessionData {
  const out: Record<string, unknown> = Object.create(null);
  for (const key of Object.keys(data)) {
    try {
      out[key] = JSON.parse(data[key]!);
    } catch {
      // skip it: the session loads without the corrupted key, never as a 500
    }
  }
  if (typeof out.cookie !== 'object' || out.cookie === null) out.cookie = {};
  return out as StoredSessionData;
}

function storeFailure(storeName: string): (err: unknown) => SessionError {
  return (err) =>
    err instanceof SessionError
      ? err
      : new SessionError('ERR_STORE_UNAVAILABLE', `Session store ${storeName} failed: ${(err as Error)?.message ?? String(err)}`, { cause: err });
}

/** Runs one promise-returning store call under a deadline; store failures become 503s (`ERR_STORE_UNAVAILABLE`). */
function bounded<T>(storeName: string, timeoutMs: number, call: () => Promise<T> | T): Promise<T> {
  const failure = storeFailure(storeName);
  let started: Promise<T>;
  try {
    // Promise.resolve: a store may answer with a plain value (it returns a native promise as is).
    started = Promise.resolve(call());
  } catch (err) {
    return Promise.reject(failure(err));
  }
  const timedOut = () => new SessionError('ERR_STORE_UNAVAILABLE', `Session store ${storeName} did not answer within ${timeoutMs} ms.`);
  return withDeadline(started, timeoutMs, timedOut, failure);
}

/**
 * Calls one node-style callback method of a store. A store that calls back before returning
 * (a synchronous one) gets its answer used at once: no promise, no timer. Otherwise the answer
 * comes as a promise under the deadline. A store that returns a rejected promise instead of
 * calling back counts as failed; a second callback is ignored.
 */
function callStore<T>(storeName: string, timeoutMs: number, invoke: (callback: StoreCallback<T>) => unknown): Maybe<T> {
  const failure = storeFailure(storeName);
  let state = 'calling' as 'calling' | 'waiting' | 'done';
  let syncError: unknown;
  let syncValue: T | undefined;
  let settle: StoreCallback<T> | undefined;
  const callback: StoreCallback<T> = (err, value) => {
    if (state === 'done') return;
    if (state === 'calling') {
      state = 'done';
      syncError = err;
      syncValue = value;
      return;
    }
    state = 'done';
    settle!(err, value);
  };
  let returned: unknown;
  try {
    returned = invoke(callback);
  } catch (err) {
    state = 'done';
    throw failure(err);
  }
  if ((state as string) === 'done') {
    if (syncError) throw failure(syncError);
    return syncValue as T;
  }
  state = 'waiting';
  const answer = new Promise<T>((resolve, reject) => {
    settle = (err, value) => (err ? reject(err) : resolve(value as T));
  });
  if (returned && typeof (returned as Promise<unknown>).then === 'function') {
    (returned as Promise<unknown>).then(undefined, (err: unknown) => callback(err ?? new Error('the store rejected')));
  }
  const timedOut = () => {
    state = 'done';
    return new SessionError('ERR_STORE_UNAVAILABLE', `Session store ${storeName} did not answer within ${timeoutMs} ms.`);
  };
  return withDeadline(answer, timeoutMs, timedOut, failure);
}

/** `then` for a value that may not be a promise: runs `next` at once when it is not. */
export function andThen<T, U>(value: Maybe<T>, next: (value: T) => Maybe<U>): Maybe<U> {
  return value instanceof Promise ? value.then(next) : next(value);
}

/**
 * An express-session store, driven exactly as express-session drives it: its own public
 * `get`/`set`/`touch`/`destroy`, with the raw ID, the Session object and a node-style
 * callback, so a store that is wrapped, subclassed or counted sees every call.
 */
class ExpressStoreBackend implements SessionBackend {
  readonly supportsTouch: boolean;
  readonly wantsSnapshots = false;
  readonly #store: ExpressSessionStore;
  readonly #timeout: number;
  readonly #name: string;

  constructor(store: ExpressSessionStore, timeoutMs: number) {
    this.#store = store;
    this.#timeout = timeoutMs;
    this.supportsTouch = typeof store.touch === 'function';
    this.#name = store.constructor?.name || 'store';
  }

  get(sid: string): Maybe<StoredSessionData | null> {
    const store = this.#store;
    const value = callStore<StoredSessionData | null | undefined>(this.#name, this.#timeout, (cb) =>
      store.get(sid, (err, sess) => {
        // express-session treats ENOENT (file stores) as "no session", not as a failure.
        if (err && (err as { code?: unknown }).code === 'ENOENT') cb(null, null);
        else cb(err, sess);
      }),
    );
    return andThen(value, (sess) => (sess && typeof sess === 'object' ? sess : null));
  }

  save(sid: string, session: object): Maybe<unknown> {
    const store = this.#store;
    return callStore<unknown>(this.#name, this.#timeout, (cb) => store.set(sid, session, cb));
  }

  touch(sid: string, session: object): Maybe<unknown> {
    const store = this.#store;
    return callStore<unknown>(this.#name, this.#timeout, (cb) => store.touch!(sid, session, cb));
  }

  destroy(sid: string): Maybe<unknown> {
    const store = this.#store;
    return callStore<unknown>(this.#name, this.#timeout, (cb) => store.destroy(sid, cb));
  }
}

/**
 * A cloakroom store: the store sees `storeKeyFor(id)`, never the ID, and a save sends only the
 * properties that differ from what the request loaded, so parallel requests that set
 * different properties all keep their writes (express-session #606, #917).
 */
class CloakroomBackend implements SessionBackend {
  readonly supportsTouch = true;
  readonly wantsSnapshots = true;
  readonly #store: SessionStore;
  readonly #timeout: number;

  constructor(store: SessionStore, timeoutMs: number) {
    this.#store = store;
    this.#timeout = timeoutMs;
  }

  #call<T>(fn: (store: SessionStore) => Awaitable<T>): Promise<T> {
    const store = this.#store;
    return bounded(store.name, this.#timeout, async () => fn(store));
  }

  async get(sid: string): Promise<StoredSessionData | null> {
    const now = Date.now();
    const record = await this.#call((s) => s.get(storeKeyFor(sid), now));
    // The core enforces expiry itself, whatever a store returns.
    if (!isLiveSessionRecord(record, now)) return null;
    return parseStoredData(record.data);
  }

  async save(sid: string, session: object, snapshot: Snapshot | null, stored: Snapshot | null): Promise<void> {
    const current = snapshot ?? snapshotOf(session);
    const key = storeKeyFor(sid);
    const now = Date.now();
    const expiresAt = expiryOf(session, now);
    if (stored === null) {
      const data: Record<string, string> = Object.create(null);
      for (const [k, v] of current) data[k] = v;
      const record: SessionRecord = { data, expiresAt, createdAt: now, lastSeenAt: now, userId: null, userAgent: null };
      if (await this.#call((s) => s.create(key, record))) return;
      // The ID is taken (a custom genid, or a save racing this one): express-session's save is an upsert.
      const replaced = await this.#call((s) => s.update(key, { set: data, unset: [], replace: true, expiresAt, lastSeenAt: now }, now));
      if (replaced) return;
      throw new SessionError('ERR_SESSION_INTERRUPTED', 'The session record vanished while it was being saved.');
    }
    const change: SessionChange = { set: Object.create(null), unset: [], replace: false, expiresAt, lastSeenAt: now };
    for (const [k, v] of current) if (stored.get(k) !== v) change.set[k] = v;
    for (const k of stored.keys()) if (!current.has(k)) change.unset.push(k);
    if (!(await this.#call((s) => s.update(key, change, now)))) {
      // A logout or revocation deleted the record mid-request: writing it back would undo it.
      throw new SessionError(
        'ERR_SESSION_INTERRUPTED',
        'The session was deleted while this request was running (a logout elsewhere); its changes were not saved.',
      );
    }
  }

  async touch(sid: string, session: object): Promise<void> {
    const now = Date.now();
    await this.#call((s) => s.touch(storeKeyFor(sid), expiryOf(session, now), now, now));
  }

  async destroy(sid: string): Promise<void> {
    await this.#call((s) => s.destroy(storeKeyFor(sid)));
  }
}

function expiryOf(session: object, now: number): number {
  const expires = (session as { cookie?: { expires?: unknown } }).cookie?.expires;
  return expires instanceof Date && Number.isFinite(expires.getTime()) ? expires.getTime() : now + BROWSER_SESSION_TTL_MS;
}
