import { SessionError } from './errors.js';
import { csrfTokenMatches, generateCsrfSecret, maskCsrfSecret } from './csrf.js';
import { absoluteDeadline, decodeExpiry, encodeExpiry, endsAtBrowserClose, expiryAge, expiryTime, EXPIRY_KEY, type ExpiryPolicy, type ExpirySetting } from './expiry.js';
import type { CommitFacts } from './commit-plan.js';
import { setOwn, type SessionChange, type SessionRecord } from './store.js';

/** Keys starting with `$` belong to cloakroom (expiry, flash, CSRF): `keys()` hides them. */
const RESERVED_PREFIX = '$';
const FLASH_KEY = '$flash';
const CSRF_KEY = '$csrf';
/** When the user last proved who they are (`login` or `reauthenticated`), epoch ms. */
const AUTH_KEY = '$auth';
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

/** @internal What a session asks its manager: the clock, the expiry options and the CSRF cookie. */
export interface SessionContext extends ExpiryPolicy {
  now(): number;
  /** The verified secret of the signed CSRF cookie in a Cookie header, or null. */
  csrfCookieSecret(cookieHeader: string): string | null;
}

/**
 * @internal The verified cookie a loaded session came with: its ID, the store key (the ID's
 * hash) and the cookie value, reused while the ID stays (no re-signing).
 */
export interface VerifiedCookie {
  readonly id: string;
  readonly key: string;
  readonly value: string;
  /** Signed by the newest secret (else re-signed when the cookie is next sent). */
  readonly current: boolean;
}

/**
 * One visitor's session: Django's dict-like API, typed by `Data`.
 *
 * Values are stored as JSON: `set` serializes at once, so a value that cannot round-trip
 * (a function, a cycle, a BigInt) fails where it is set, and `get` returns what the next
 * request will see. Mutating an object returned by `get` changes nothing stored until you
 * `set` it again or call `markModified(key)`.
 *
 * The session owns its state. The manager reads it through `commitFacts()` and tells it what a
 * commit did through the few `@internal` methods at the end (`stored`, `saved`, `forgotten`,
 * `close`); nothing else changes it from outside.
 *
 * @example
 * const name = session.get('username', 'Guest');
 * session.set('theme', 'dark');
 * session.cycleKey(); // on login, against fixation
 * session.flush();    // on logout
 */
export class Session<Data extends SessionDataShape = Record<string, unknown>> {
  readonly #ctx: SessionContext;
  /** The cookie's session ID, or null until one is minted at save time. */
  #id: string | null = null;
  /** SHA-256 of the ID: what the store sees. */
  #key: string | null = null;
  /** The signed cookie value for `#id`, once known. */
  #cookieValue: string | null = null;
  /** `#cookieValue` is signed by the newest secret. */
  #cookieCurrent = false;
  /** Serialized values, by key: what the store holds. */
  readonly #raw: Map<string, string>;
  /** Values parsed from `#raw` on first read. */
  readonly #decoded = new Map<string, unknown>();
  /** Keys set since the last commit; null until the first (most requests write nothing). */
  #dirty: Set<string> | null = null;
  /** Keys removed since the last commit; null until the first. */
  #removed: Set<string> | null = null;
  /** `clear()` or `flush()` ran: the stored data is replaced, not merged. */
  #replace = false;
  /** `setExpiry` or `clear()` ran: what the cookie says about expiry may have changed. */
  #expiryChanged = false;
  #modified = false;
  #accessed = false;
  #isNew = true;
  /** Keys whose records must be deleted at commit (the old key after flush or cycleKey). */
  #obsoleteKeys: string[] | null = null;
  /** The request brought a session cookie (valid or not): an empty session then deletes it. */
  readonly #hadCookie: boolean;
  readonly #degraded: boolean;
  #expiresAt = 0;
  #createdAt: number;
  #lastSeenAt: number;
  /** The request's Cookie header: its CSRF cookie is read only if a form needs it. */
  readonly #cookieHeader: string | null;
  /** The anonymous CSRF secret (from the CSRF cookie, or fresh), once looked up. */
  #csrfCookieSecret: string | null | undefined;
  /** A fresh anonymous CSRF secret the response must set as the CSRF cookie. */
  #csrfCookieToSet: string | null = null;
  #userId: string | null = null;
  #userIdChanged = false;
  readonly #userAgent: string | null;
  /** The adapter's last commit is done: a change now cannot reach the response. */
  #closed = false;

  /**
   * @internal Sessions are made by `SessionManager.load`, not by user code. `record` is the
   * stored record (already checked usable), `cookie` the verified cookie it was found by
   * (none for a sealed, stateless record).
   */
  constructor(
    ctx: SessionContext,
    opening: {
      now: number;
      hadCookie: boolean;
      userAgent: string | null;
      degraded?: boolean;
      record?: SessionRecord | null;
      cookie?: VerifiedCookie | null;
      cookieHeader?: string | null | undefined;
    },
  ) {
    this.#ctx = ctx;
    this.#hadCookie = opening.hadCookie;
    this.#degraded = opening.degraded ?? false;
    this.#createdAt = opening.now;
    this.#lastSeenAt = opening.now;
    this.#cookieHeader = opening.cookieHeader ?? null;
    this.#userAgent = opening.userAgent;
    const record = opening.record;
    this.#raw = new Map();
    if (!record) return;
    const data = record.data;
    for (const k of Object.keys(data)) this.#raw.set(k, data[k]!);
    this.#isNew = false;
    this.#expiresAt = record.expiresAt;
    this.#createdAt = record.createdAt;
    this.#lastSeenAt = record.lastSeenAt;
    this.#userId = record.userId;
    this.#userAgent = record.userAgent;
    const cookie = opening.cookie;
    if (cookie) {
      this.#id = cookie.id;
      this.#key = cookie.key;
      this.#cookieValue = cookie.value;
      this.#cookieCurrent = cookie.current;
    }
  }

  // ---- dict-like API -------------------------------------------------------

  /** The value of `key`, or `fallback` (default `undefined`) when the session has none. */
  get<K extends Key<Data>>(key: K): Data[K] | undefined;
  get<K extends Key<Data>>(key: K, fallback: Data[K]): Data[K];
  get(key: string, fallback?: unknown): unknown {
    this.#accessed = true;
    return this.#read(key, fallback);
  }

  /** Stores `value` under `key`. Throws `ERR_SESSION_SERIALIZE` for values JSON cannot keep. */
  set<K extends Key<Data>>(key: K, value: Data[K]): void {
    checkUserKey(key);
    this.#write(key, value);
  }

  /** True when the session holds `key`. */
  has(key: Key<Data>): boolean {
    this.#accessed = true;
    return this.#raw.has(key);
  }

  /** Removes `key`; true when it was there. */
  delete(key: Key<Data>): boolean {
    this.#accessed = true;
    return this.#remove(key);
  }

  /** Removes `key` and returns its value (or `fallback`). */
  pop<K extends Key<Data>>(key: K): Data[K] | undefined;
  pop<K extends Key<Data>>(key: K, fallback: Data[K]): Data[K];
  pop(key: string, fallback?: unknown): unknown {
    this.#accessed = true;
    const value = this.#read(key, fallback);
    this.#remove(key);
    return value;
  }

  /** The value of `key`; when absent, stores `value` first (Django's `setdefault`). */
  setDefault<K extends Key<Data>>(key: K, value: Data[K]): Data[K] {
    this.#accessed = true;
    if (this.#raw.has(key)) return this.#read(key, undefined) as Data[K];
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
    this.#accessed = true;
    const out: string[] = [];
    for (const key of this.#raw.keys()) if (!key.startsWith(RESERVED_PREFIX)) out.push(key);
    return out as Key<Data>[];
  }

  /** The user's keys with their values. */
  entries(): [Key<Data>, Data[Key<Data>]][] {
    return this.keys().map((key) => [key, this.#read(key, undefined) as Data[Key<Data>]]);
  }

  /** Removes every key, cloakroom's own included (Django's `clear`). The ID is kept. */
  clear(): void {
    this.#raw.clear();
    this.#decoded.clear();
    this.#dirty = null;
    this.#removed = null;
    this.#replace = true;
    this.#expiryChanged = true;
    this.#changed();
    this.#accessed = true;
  }

  /** True when the session holds nothing at all. */
  isEmpty(): boolean {
    return this.#raw.size === 0;
  }

  /**
   * Tells the session that a value returned by `get` was mutated in place; with no key,
   * every key is written again.
   */
  markModified(key?: Key<Data>): void {
    const keys = key === undefined ? [...this.#raw.keys()] : [key];
    for (const k of keys) {
      if (!this.#raw.has(k)) continue;
      const value = this.#decoded.has(k) ? this.#decoded.get(k) : JSON.parse(this.#raw.get(k)!);
      this.#write(k, value);
    }
    this.#changed();
  }

  // ---- lifecycle ---------------------------------------------------------------

  /**
   * Drops all data and the stored record and forgets the ID (Django's `flush`, i.e. logout).
   * The old record is deleted at commit; a new ID is minted only if something is saved again.
   */
  flush(): void {
    this.clear();
    this.#retireKey();
    this.#isNew = true;
    if (this.#userId !== null) this.#userIdChanged = true;
    this.#userId = null;
  }

  /**
   * Keeps the data under a new ID and deletes the old record (Django's `cycle_key`).
   * Call it whenever privileges change, above all on login, so a fixated ID is worthless.
   */
  cycleKey(): void {
    this.#retireKey();
    this.#changed();
    this.#accessed = true;
    // Under a new ID every key is new: the whole data set is written.
    const dirty = (this.#dirty ??= new Set());
    for (const k of this.#raw.keys()) dirty.add(k);
  }

  /**
   * Django's `login()` for the session: a new ID (`cycleKey`), a new CSRF secret bound to the
   * session (the anonymous CSRF cookie no longer counts), the session bound to `userId` so it
   * can be listed and revoked with the user's other sessions, and its clocks restarted: the
   * absolute timeout counts from now, and `authenticatedAt` is now.
   * Throws `ERR_SESSION_USER_ID` unless `userId` is a non-empty string of at most 256 characters.
   */
  login(userId: string): void {
    if (typeof userId !== 'string' || userId.length === 0 || userId.length > 256) {
      throw new SessionError('ERR_SESSION_USER_ID', 'login(userId) needs a non-empty string of at most 256 characters.');
    }
    this.cycleKey();
    this.#userId = userId;
    this.#userIdChanged = true;
    this.#createdAt = this.#ctx.now();
    this.#write(AUTH_KEY, this.#createdAt);
    this.#write(CSRF_KEY, generateCsrfSecret());
  }

  /**
   * Records that the signed-in user just proved who they are again (re-entered their password,
   * passed a second factor) for "sudo mode": `authenticatedAt` becomes now and the ID changes
   * (`cycleKey`), as on any change of privilege. The absolute timeout still counts from login.
   */
  reauthenticated(): void {
    this.cycleKey();
    this.#write(AUTH_KEY, this.#ctx.now());
  }

  /** When the user last signed in (`login`) or re-authenticated (`reauthenticated`), or null. */
  get authenticatedAt(): Date | null {
    const at = this.#read(AUTH_KEY, undefined);
    return typeof at === 'number' && Number.isFinite(at) ? new Date(at) : null;
  }

  /**
   * "Sudo mode": throws `SessionError` `ERR_SESSION_REAUTH` (status 403) unless the user signed
   * in or re-authenticated less than `maxAgeSeconds` ago. Call it before a sensitive action
   * (changing a password or an e-mail address, deleting an account) and turn the code into a
   * "confirm your password" page that calls `reauthenticated()`.
   *
   * @example
   * try { session.requireRecentLogin(300); } catch (err) { if (isSessionError(err) && err.code === 'ERR_SESSION_REAUTH') return redirect('/confirm-password/'); throw err; }
   */
  requireRecentLogin(maxAgeSeconds: number): void {
    if (typeof maxAgeSeconds !== 'number' || !Number.isFinite(maxAgeSeconds) || maxAgeSeconds <= 0) {
      throw new SessionError('ERR_SESSION_CONFIG', `requireRecentLogin() takes a positive number of seconds; got ${String(maxAgeSeconds)}.`);
    }
    const at = this.authenticatedAt;
    if (at === null || this.#userId === null || this.#ctx.now() - at.getTime() >= maxAgeSeconds * 1000) {
      throw new SessionError('ERR_SESSION_REAUTH', `This action needs a login from the last ${maxAgeSeconds} seconds: ask the user to confirm their password, then call session.reauthenticated().`);
    }
  }

  /** Django's `logout()`: the same as `flush()`. */
  logout(): void {
    this.flush();
  }

  /** The user bound by `login`, or null. */
  get userId(): string | null {
    return this.#userId;
  }

  // ---- expiry (the rules live in expiry.ts) ------------------------------------

  /**
   * Django's `set_expiry`: seconds of life, a `Date`, `0` for "when the browser closes",
   * or `null` to go back to the default age. Throws `ERR_SESSION_EXPIRY` for anything else.
   */
  setExpiry(value: number | Date | null): void {
    const setting = encodeExpiry(value, this.#ctx.now());
    this.#expiryChanged = true;
    if (setting === undefined) this.#remove(EXPIRY_KEY);
    else this.#write(EXPIRY_KEY, setting);
  }

  /** Seconds until this session expires, counted from now (Django's `get_expiry_age`). */
  get expiryAge(): number {
    return expiryAge(this.#expiry(), this.#ctx, this.#ctx.now(), absoluteDeadline(this.#createdAt, this.#ctx));
  }

  /** When this session expires if nothing else happens (Django's `get_expiry_date`). */
  get expiryDate(): Date {
    return new Date(expiryTime(this.#expiry(), this.#ctx, this.#ctx.now(), absoluteDeadline(this.#createdAt, this.#ctx)));
  }

  /** True when the cookie is a browser-session cookie (no Max-Age). */
  get expiresAtBrowserClose(): boolean {
    return endsAtBrowserClose(this.#expiry(), this.#ctx);
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
    this.#accessed = true;
    const all = this.#read(FLASH_KEY, undefined) as Record<string, unknown> | undefined;
    if (!all || !Object.hasOwn(all, key)) return undefined;
    const { [key]: value, ...rest } = all;
    if (Object.keys(rest).length === 0) this.#remove(FLASH_KEY);
    else this.#write(FLASH_KEY, rest);
    return value as T;
  }

  // ---- CSRF --------------------------------------------------------------------

  /**
   * A CSRF token for a form or header, masked afresh on every call. From login on, the secret
   * behind it lives in the session. Before, it lives in a signed CSRF cookie (Django's default),
   * so an anonymous page with a form costs no store write and no session: the response sets
   * that cookie when the visitor has none.
   */
  csrfToken(): string {
    this.#accessed = true;
    if (this.#raw.has(CSRF_KEY)) {
      let bound = this.#read(CSRF_KEY, undefined);
      // A corrupted secret is replaced, never left to fail every form.
      if (typeof bound !== 'string') this.#write(CSRF_KEY, (bound = generateCsrfSecret()));
      return maskCsrfSecret(bound as string);
    }
    let secret = this.#anonymousCsrfSecret();
    if (secret === null) {
      secret = generateCsrfSecret();
      this.#csrfCookieSecret = secret;
      this.#csrfCookieToSet = secret;
    }
    return maskCsrfSecret(secret);
  }

  /**
   * True when `token` was issued by `csrfToken()` for this visitor: for the session's own secret
   * once it has one (from login on), else for the secret of the request's signed CSRF cookie.
   */
  verifyCsrfToken(token: unknown): boolean {
    if (this.#raw.has(CSRF_KEY)) {
      // Bound to the session: the anonymous cookie no longer counts.
      const bound = this.#read(CSRF_KEY, undefined);
      return typeof bound === 'string' && csrfTokenMatches(bound, token);
    }
    const secret = this.#anonymousCsrfSecret();
    return secret !== null && csrfTokenMatches(secret, token);
  }

  #anonymousCsrfSecret(): string | null {
    if (this.#csrfCookieSecret === undefined) {
      this.#csrfCookieSecret = this.#cookieHeader === null ? null : this.#ctx.csrfCookieSecret(this.#cookieHeader);
    }
    return this.#csrfCookieSecret;
  }

  // ---- state -------------------------------------------------------------------

  /** True when this request changed something that will be saved. */
  get modified(): boolean {
    return this.#modified;
  }

  /** True when the handler read or wrote the session (responses then get `Vary: Cookie`). */
  get accessed(): boolean {
    return this.#accessed;
  }

  /** True when no stored record stands behind this session yet. */
  get isNew(): boolean {
    return this.#isNew;
  }

  /**
   * True when the store could not be reached and this is an empty stand-in (only with the
   * manager's `storeOutage: 'anonymous'`). Reads work; a write fails the request with 503.
   */
  get isDegraded(): boolean {
    return this.#degraded;
  }

  /** The session ID carried by the cookie, or null before the first save. Never log it. */
  get id(): string | null {
    return this.#id;
  }

  // ---- what the manager reads and tells (@internal) ------------------------------

  /** @internal The store key (the ID's hash) of the current record, or null. */
  get storeKey(): string | null {
    return this.#key;
  }

  /** @internal The signed cookie value for the current ID, or null when it must be signed. */
  get signedValue(): string | null {
    return this.#cookieCurrent ? this.#cookieValue : null;
  }

  /** @internal What the commit policy (`planCommit`) decides on. */
  commitFacts(stateless: boolean): CommitFacts {
    return {
      hasObsoleteRecords: this.#obsoleteKeys !== null && this.#obsoleteKeys.length > 0,
      stateless,
      degraded: this.#degraded,
      modified: this.#modified,
      empty: this.#raw.size === 0,
      stored: stateless ? !this.#isNew : this.#key !== null,
      hadCookie: this.#hadCookie,
      cookieUnchanged: this.#cookieValue !== null && this.#cookieCurrent && !this.#expiryChanged,
      expiry: this.#expiry(),
      expiresAt: this.#expiresAt,
      createdAt: this.#createdAt,
      lastSeenAt: this.#lastSeenAt,
    };
  }

  /** @internal True while a fresh anonymous CSRF secret waits to be set as the CSRF cookie. */
  get csrfCookiePending(): boolean {
    return this.#csrfCookieToSet !== null;
  }

  /** @internal A fresh anonymous CSRF secret to set as the CSRF cookie, handed over once. */
  takeCsrfCookieSecret(): string | null {
    const secret = this.#csrfCookieToSet;
    this.#csrfCookieToSet = null;
    return secret;
  }

  /** @internal The keys of records retired by `flush()`/`cycleKey()`, handed over once. */
  takeObsoleteKeys(): string[] {
    const keys = this.#obsoleteKeys ?? [];
    this.#obsoleteKeys = null;
    return keys;
  }

  /** @internal The whole session as a record, for `create` or sealing. */
  toRecord(expiresAt: number, now: number): SessionRecord {
    const data: Record<string, string> = {};
    for (const [k, v] of this.#raw) setOwn(data, k, v);
    return { data, expiresAt, createdAt: this.#isNew ? now : this.#createdAt, lastSeenAt: now, userId: this.#userId, userAgent: this.#userAgent };
  }

  /** @internal What this request changed, for `update`: only those keys are written. */
  toChange(expiresAt: number, now: number): SessionChange {
    const set: Record<string, string> = {};
    for (const k of this.#replace ? this.#raw.keys() : (this.#dirty ?? [])) {
      const raw = this.#raw.get(k);
      if (raw !== undefined) setOwn(set, k, raw);
    }
    const change: SessionChange = { set, unset: this.#removed ? [...this.#removed] : [], replace: this.#replace, expiresAt, lastSeenAt: now };
    if (this.#userIdChanged) change.userId = this.#userId;
    return change;
  }

  /** @internal A record now stands under a fresh `id` (its store key `key`). */
  stored(id: string, key: string): void {
    this.#id = id;
    this.#key = key;
    this.#cookieValue = null;
    this.#cookieCurrent = false;
  }

  /** @internal The cookie value just signed for the current ID. */
  signed(value: string): void {
    this.#cookieValue = value;
    this.#cookieCurrent = true;
  }

  /** @internal The commit saved everything (with `expiresAt` as the record's expiry). */
  saved(expiresAt: number): void {
    this.#expiresAt = expiresAt;
    this.#modified = false;
    this.#dirty = null;
    this.#removed = null;
    this.#replace = false;
    this.#expiryChanged = false;
    this.#userIdChanged = false;
  }

  /** @internal The current record is gone (destroyed, or found missing): no ID any more. */
  forgotten(): void {
    this.#id = null;
    this.#key = null;
    this.#cookieValue = null;
  }

  /**
   * @internal The adapter's commit is done and the response has its headers: a change from
   * now on cannot be saved, and is reported (`CloakroomLateSessionChange`) instead of lost quietly.
   */
  close(): void {
    this.#closed = true;
  }

  // ---- internals ---------------------------------------------------------------

  #expiry(): ExpirySetting {
    return this.#raw.has(EXPIRY_KEY) ? decodeExpiry(this.#read(EXPIRY_KEY, undefined)) : undefined;
  }

  /** The current record is deleted at commit, and a new ID minted if something is saved. */
  #retireKey(): void {
    if (this.#key !== null) (this.#obsoleteKeys ??= []).push(this.#key);
    this.#id = null;
    this.#key = null;
    this.#cookieValue = null;
    this.#cookieCurrent = false;
  }

  #changed(): void {
    if (this.#closed && !this.#modified) warnLateChange();
    this.#modified = true;
  }

  #read(key: string, fallback: unknown): unknown {
    if (this.#decoded.has(key)) return this.#decoded.get(key);
    const raw = this.#raw.get(key);
    if (raw === undefined) return fallback;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      // A corrupted value reads as absent, as Django treats corrupted session data.
      return fallback;
    }
    this.#decoded.set(key, value);
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
    this.#raw.set(key, raw);
    this.#decoded.delete(key); // re-read through JSON so get() returns what the next request sees
    (this.#dirty ??= new Set()).add(key);
    this.#removed?.delete(key);
    this.#changed();
    this.#accessed = true;
  }

  #remove(key: string): boolean {
    if (!this.#raw.has(key)) return false;
    this.#raw.delete(key);
    this.#decoded.delete(key);
    this.#dirty?.delete(key);
    (this.#removed ??= new Set()).add(key);
    this.#changed();
    return true;
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

/** A change after the response's headers went out cannot reach the cookie: say so rather than lose it quietly. */
function warnLateChange(): void {
  globalThis.process?.emitWarning?.(
    'A session was changed after the response headers were sent; the change is not saved. Change the session before writing the response.',
    'CloakroomLateSessionChange',
  );
}
