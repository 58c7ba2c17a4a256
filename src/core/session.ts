import { SessionError } from './errors.js';
import { csrfTokenMatches, generateCsrfSecret, maskCsrfSecret } from './csrf.js';

/** Keys starting with `$` belong to cloakroom (expiry, flash, CSRF): `keys()` hides them. */
const RESERVED_PREFIX = '$';
export const EXPIRY_KEY = '$expiry';
const FLASH_KEY = '$flash';
const CSRF_KEY = '$csrf';
/** Names that would reach Object.prototype if anything ever copied data into a plain object. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * The shape of data a session may hold; narrow it with your own type: `Session<{ user: string }>`.
 *
 * @example
 * const sessions = new SessionManager<{ user: string; cart: string[] }>({ store, secrets });
 */
export type SessionDataShape = object;

type Key<Data> = keyof Data & string;

/** Stored form of `setExpiry`: seconds, an absolute time, or 0 for "at browser close". */
type StoredExpiry = number | { at: number };

/** What the manager needs to know and the session needs to ask. Not part of the public API. */
export interface SessionContext {
  now(): number;
  /** Default lifetime in seconds (the cookie's Max-Age). */
  maxAge: number;
  expireAtBrowserClose: boolean;
}

/** Internal state shared with the manager (never exported from the package). */
export interface SessionState {
  /** The cookie's session ID, or null until one is minted at save time. */
  id: string | null;
  /** SHA-256 of `id`: what the store sees. */
  key: string | null;
  /** The verified cookie value the request brought, reused while its ID stays (no re-signing). */
  cookieValue: string | null;
  raw: Map<string, string>;
  decoded: Map<string, unknown>;
  /** Keys set since the last commit; null until the first (most requests write nothing). */
  dirty: Set<string> | null;
  /** Keys removed since the last commit; null until the first. */
  removed: Set<string> | null;
  /** The handler called clear() or flush(): the stored data is replaced, not merged. */
  replace: boolean;
  modified: boolean;
  accessed: boolean;
  isNew: boolean;
  /** Keys whose records must be deleted at commit (the old key after flush or cycleKey). */
  obsoleteKeys: string[];
  /**
   * Called once when the session first needs a store write (see `SessionManager.commitSync`):
   * adapters use it to hold back the response only for requests that need it.
   */
  onFirstChange: (() => void) | null;
  /** The request brought a session cookie (valid or not): an empty session then deletes it. */
  hadCookie: boolean;
  /** The store failed at load and the manager serves an anonymous stand-in (`storeOutage: 'anonymous'`). */
  degraded: boolean;
  expiresAt: number;
  createdAt: number;
  userId: string | null;
  userIdChanged: boolean;
  userAgent: string | null;
}

let stateOf: (session: Session<any>) => SessionState;

/**
 * One visitor's session: Django's dict-like API, typed by `Data`.
 *
 * Values are stored as JSON: `set` serializes at once, so a value that cannot round-trip
 * (a function, a cycle, a BigInt) fails where it is set, and `get` returns what the next
 * request will see. Mutating an object returned by `get` changes nothing stored until you
 * `set` it again or call `markModified(key)`.
 *
 * @example
 * const name = session.get('username', 'Guest');
 * session.set('theme', 'dark');
 * session.cycleKey(); // on login, against fixation
 * session.flush();    // on logout
 */
export class Session<Data extends SessionDataShape = Record<string, unknown>> {
  readonly #s: SessionState;
  readonly #ctx: SessionContext;

  static {
    stateOf = (session) => session.#s;
  }

  /** @internal Sessions are made by `SessionManager.load`, not by user code. */
  constructor(state: SessionState, ctx: SessionContext) {
    this.#s = state;
    this.#ctx = ctx;
  }

  // ---- dict-like API -------------------------------------------------------

  /** The value of `key`, or `fallback` (default `undefined`) when the session has none. */
  get<K extends Key<Data>>(key: K): Data[K] | undefined;
  get<K extends Key<Data>>(key: K, fallback: Data[K]): Data[K];
  get(key: string, fallback?: unknown): unknown {
    this.#s.accessed = true;
    return this.#read(key, fallback);
  }

  /** Stores `value` under `key`. Throws `ERR_SESSION_SERIALIZE` for values JSON cannot keep. */
  set<K extends Key<Data>>(key: K, value: Data[K]): void {
    checkUserKey(key);
    this.#write(key, value);
  }

  has(key: Key<Data>): boolean {
    this.#s.accessed = true;
    return this.#s.raw.has(key);
  }

  /** Removes `key`; true when it was there. */
  delete(key: Key<Data>): boolean {
    this.#s.accessed = true;
    return this.#remove(key);
  }

  /** Removes `key` and returns its value (or `fallback`). */
  pop<K extends Key<Data>>(key: K): Data[K] | undefined;
  pop<K extends Key<Data>>(key: K, fallback: Data[K]): Data[K];
  pop(key: string, fallback?: unknown): unknown {
    this.#s.accessed = true;
    const value = this.#read(key, fallback);
    this.#remove(key);
    return value;
  }

  /** The value of `key`; when absent, stores `value` first (Django's `setdefault`). */
  setDefault<K extends Key<Data>>(key: K, value: Data[K]): Data[K] {
    this.#s.accessed = true;
    if (this.#s.raw.has(key)) return this.#read(key, undefined) as Data[K];
    this.set(key, value);
    return this.#read(key, undefined) as Data[K];
  }

  /** Sets several keys at once. */
  update(values: Partial<Data>): void {
    for (const key of Object.keys(values)) {
      this.set(key as Key<Data>, (values as Record<string, unknown>)[key] as Data[Key<Data>]);
    }
  }

  /** The user's keys (cloakroom's own `$`-prefixed keys are hidden). */
  keys(): Key<Data>[] {
    this.#s.accessed = true;
    const out: string[] = [];
    for (const key of this.#s.raw.keys()) if (!key.startsWith(RESERVED_PREFIX)) out.push(key);
    return out as Key<Data>[];
  }

  entries(): [Key<Data>, Data[Key<Data>]][] {
    return this.keys().map((key) => [key, this.#read(key, undefined) as Data[Key<Data>]]);
  }

  /** Removes every key, cloakroom's own included (Django's `clear`). The ID is kept. */
  clear(): void {
    const s = this.#s;
    s.raw.clear();
    s.decoded.clear();
    s.dirty = null;
    s.removed = null;
    s.replace = true;
    changed(s);
    s.accessed = true;
  }

  /** True when the session holds nothing at all. */
  isEmpty(): boolean {
    return this.#s.raw.size === 0;
  }

  /**
   * Tells the session that a value returned by `get` was mutated in place; with no key,
   * every key is written again.
   */
  markModified(key?: Key<Data>): void {
    const s = this.#s;
    const keys = key === undefined ? [...s.raw.keys()] : [key];
    for (const k of keys) {
      if (!s.raw.has(k)) continue;
      const value = s.decoded.has(k) ? s.decoded.get(k) : JSON.parse(s.raw.get(k)!);
      this.#write(k, value);
    }
    changed(s);
  }

  // ---- lifecycle ---------------------------------------------------------------

  /**
   * Drops all data and the stored record and forgets the ID (Django's `flush`, i.e. logout).
   * The old record is deleted at commit; a new ID is minted only if something is saved again.
   */
  flush(): void {
    const s = this.#s;
    this.clear();
    if (s.key !== null) s.obsoleteKeys.push(s.key);
    s.id = null;
    s.key = null;
    s.isNew = true;
    if (s.userId !== null) s.userIdChanged = true;
    s.userId = null;
  }

  /**
   * Keeps the data under a new ID and deletes the old record (Django's `cycle_key`).
   * Call it whenever privileges change, above all on login, so a fixated ID is worthless.
   */
  cycleKey(): void {
    const s = this.#s;
    if (s.key !== null) s.obsoleteKeys.push(s.key);
    s.id = null;
    s.key = null;
    changed(s);
    s.accessed = true;
    // Under a new ID every key is new: the whole data set is written.
    const dirty = (s.dirty ??= new Set());
    for (const k of s.raw.keys()) dirty.add(k);
  }

  /**
   * Django's `login()` for the session: a new ID (`cycleKey`), a new CSRF secret, and the
   * session bound to `userId` so it can be listed and revoked with the user's other sessions.
   */
  login(userId: string): void {
    if (typeof userId !== 'string' || userId.length === 0 || userId.length > 256) {
      throw new SessionError('ERR_SESSION_KEY', 'login(userId) needs a non-empty string of at most 256 characters.');
    }
    this.cycleKey();
    const s = this.#s;
    s.userId = userId;
    s.userIdChanged = true;
    if (s.raw.has(CSRF_KEY)) this.#write(CSRF_KEY, generateCsrfSecret());
  }

  /** Django's `logout()`: the same as `flush()`. */
  logout(): void {
    this.flush();
  }

  /** The user bound by `login`, or null. */
  get userId(): string | null {
    return this.#s.userId;
  }

  // ---- expiry ------------------------------------------------------------------

  /**
   * Django's `set_expiry`: seconds of life, a `Date`, `0` for "when the browser closes",
   * or `null` to go back to the default age.
   */
  setExpiry(value: number | Date | null): void {
    if (value === null) {
      this.#remove(EXPIRY_KEY);
      return;
    }
    if (value instanceof Date) {
      const at = value.getTime();
      if (!Number.isFinite(at)) throw new SessionError('ERR_SESSION_KEY', 'setExpiry() got an invalid Date.');
      this.#write(EXPIRY_KEY, { at } satisfies StoredExpiry);
      return;
    }
    if (!Number.isFinite(value) || value < 0) {
      throw new SessionError('ERR_SESSION_KEY', 'setExpiry() takes seconds >= 0, a Date, or null.');
    }
    this.#write(EXPIRY_KEY, Math.floor(value) satisfies StoredExpiry);
  }

  /** Seconds until this session expires, counted from now (Django's `get_expiry_age`). */
  get expiryAge(): number {
    const expiry = this.#expiry();
    if (typeof expiry === 'object') return Math.max(0, Math.floor((expiry.at - this.#ctx.now()) / 1000));
    if (typeof expiry === 'number' && expiry > 0) return expiry;
    return this.#ctx.maxAge;
  }

  /** When this session expires if nothing else happens (Django's `get_expiry_date`). */
  get expiryDate(): Date {
    const expiry = this.#expiry();
    if (typeof expiry === 'object') return new Date(expiry.at);
    return new Date(this.#ctx.now() + this.expiryAge * 1000);
  }

  /** True when the cookie is a browser-session cookie (no Max-Age). */
  get expiresAtBrowserClose(): boolean {
    const expiry = this.#expiry();
    if (expiry === undefined) return this.#ctx.expireAtBrowserClose;
    return expiry === 0;
  }

  // ---- flash -------------------------------------------------------------------

  /** Stores a value that the next `readFlash(key)` returns once, then forgets. */
  flash(key: string, value: unknown): void {
    const all = { ...((this.#read(FLASH_KEY, undefined) as Record<string, unknown> | undefined) ?? {}) };
    all[key] = value;
    this.#write(FLASH_KEY, all);
  }

  /** The flashed value for `key`, removed as it is read. */
  readFlash<T = unknown>(key: string): T | undefined {
    this.#s.accessed = true;
    const all = this.#read(FLASH_KEY, undefined) as Record<string, unknown> | undefined;
    if (!all || !Object.hasOwn(all, key)) return undefined;
    const { [key]: value, ...rest } = all;
    if (Object.keys(rest).length === 0) this.#remove(FLASH_KEY);
    else this.#write(FLASH_KEY, rest);
    return value as T;
  }

  // ---- CSRF --------------------------------------------------------------------

  /**
   * A CSRF token for a form or header, masked afresh on every call. The per-session secret
   * behind it is created on first use (which saves the session).
   */
  csrfToken(): string {
    let secret = this.#read(CSRF_KEY, undefined) as string | undefined;
    if (typeof secret !== 'string') {
      secret = generateCsrfSecret();
      this.#write(CSRF_KEY, secret);
    }
    return maskCsrfSecret(secret);
  }

  /** True when `token` was issued by `csrfToken()` of this very session. */
  verifyCsrfToken(token: unknown): boolean {
    const secret = this.#read(CSRF_KEY, undefined);
    return typeof secret === 'string' && csrfTokenMatches(secret, token);
  }

  // ---- state -------------------------------------------------------------------

  /** True when this request changed something that will be saved. */
  get modified(): boolean {
    return this.#s.modified;
  }

  /** True when the handler read or wrote the session (responses then get `Vary: Cookie`). */
  get accessed(): boolean {
    return this.#s.accessed;
  }

  /** True when no stored record stands behind this session yet. */
  get isNew(): boolean {
    return this.#s.isNew;
  }

  /**
   * True when the store could not be reached and this is an empty stand-in (only with the
   * manager's `storeOutage: 'anonymous'`). Reads work; a write fails the request with 503.
   */
  get isDegraded(): boolean {
    return this.#s.degraded;
  }

  /** The session ID carried by the cookie, or null before the first save. Never log it. */
  get id(): string | null {
    return this.#s.id;
  }

  // ---- internals ---------------------------------------------------------------

  #expiry(): StoredExpiry | undefined {
    return this.#read(EXPIRY_KEY, undefined) as StoredExpiry | undefined;
  }

  #read(key: string, fallback: unknown): unknown {
    const s = this.#s;
    if (s.decoded.has(key)) return s.decoded.get(key);
    const raw = s.raw.get(key);
    if (raw === undefined) return fallback;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      // A corrupted value reads as absent, as Django treats corrupted session data.
      return fallback;
    }
    s.decoded.set(key, value);
    return value;
  }

  #write(key: string, value: unknown): void {
    let raw: string | undefined;
    try {
      raw = JSON.stringify(value);
    } catch (cause) {
      throw new SessionError('ERR_SESSION_SERIALIZE', `Session value for "${key}" cannot be stored as JSON.`, { cause });
    }
    if (raw === undefined) {
      throw new SessionError('ERR_SESSION_SERIALIZE', `Session value for "${key}" cannot be stored as JSON (got ${typeof value}).`);
    }
    const s = this.#s;
    s.raw.set(key, raw);
    s.decoded.delete(key); // re-read through JSON so get() returns what the next request sees
    (s.dirty ??= new Set()).add(key);
    s.removed?.delete(key);
    changed(s);
    s.accessed = true;
  }

  #remove(key: string): boolean {
    const s = this.#s;
    if (!s.raw.has(key)) return false;
    s.raw.delete(key);
    s.decoded.delete(key);
    s.dirty?.delete(key);
    (s.removed ??= new Set()).add(key);
    changed(s);
    return true;
  }
}

/** Marks the session modified, telling the adapter the first time. */
function changed(s: SessionState): void {
  s.modified = true;
  const hook = s.onFirstChange;
  if (hook !== null) {
    s.onFirstChange = null;
    hook();
  }
}

function checkUserKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0 || key.startsWith(RESERVED_PREFIX) || FORBIDDEN_KEYS.has(key)) {
    throw new SessionError(
      'ERR_SESSION_KEY',
      `"${String(key)}" cannot be a session key (empty, reserved "$" prefix, or a prototype name).`,
    );
  }
}

/** @internal The manager's view of a session. */
export function internalState(session: Session<any>): SessionState {
  return stateOf(session);
}

/**
 * @internal Runs `hook` once, the first time `session` changes in a way that needs a store
 * write (replacing any earlier hook); see `SessionManager.commitNeedsStore`.
 */
export function onFirstChange(session: Session<any>, hook: (() => void) | null): void {
  stateOf(session).onFirstChange = hook;
}

/** @internal A blank state for a session with no stored record. */
export function blankState(now: number, hadCookie: boolean, userAgent: string | null, raw = new Map<string, string>()): SessionState {
  return {
    id: null,
    key: null,
    cookieValue: null,
    raw,
    decoded: new Map(),
    dirty: null,
    removed: null,
    replace: false,
    modified: false,
    accessed: false,
    isNew: true,
    obsoleteKeys: [],
    hadCookie,
    onFirstChange: null,
    degraded: false,
    expiresAt: 0,
    createdAt: now,
    userId: null,
    userIdChanged: false,
    userAgent,
  };
}
