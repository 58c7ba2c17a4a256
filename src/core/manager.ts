import { SessionError } from './errors.js';
import { withDeadline } from './deadline.js';
import { deletionCookie, readCookie, resolveCookieOptions, sessionCookie, type CookieOptions, type ResolvedCookieOptions } from './cookie.js';
import { Signer } from './signing.js';
import { generateSessionId, isValidSessionId, storeKeyFor } from './session-id.js';
import { blankState, EXPIRY_KEY, internalState, Session, type SessionContext, type SessionDataShape, type SessionState } from './session.js';
import { isStatelessStore, setOwn, type ClearExpiredOptions, type SessionRecord, type SessionStore, type StatelessStore, type StoreStats, type SyncSessionOps } from './store.js';
import { CSRF_FIELD, CSRF_HEADER, isStateChangingMethod } from './csrf.js';

/**
 * Options of `new SessionManager()`; every field but `store` and `secrets` has a default.
 *
 * @example
 * new SessionManager({ store: new MemoryStore(), secrets: process.env.SESSION_SECRET!, touchAfter: 600, storeTimeout: 500 });
 */
export interface SessionManagerOptions {
  /** Where sessions live: a server-side `SessionStore`, or a `StatelessStore` (the cookie store). */
  store: SessionStore | StatelessStore;
  /** HMAC secrets, newest first: the first signs, all verify. A comma-separated string works too. */
  secrets: string | readonly string[];
  cookie?: CookieOptions;
  /** Django's SESSION_EXPIRE_AT_BROWSER_CLOSE. Default false. */
  expireAtBrowserClose?: boolean;
  /** Django's SESSION_SAVE_EVERY_REQUEST: write (and re-send the cookie) on every request. Default false. */
  saveEveryRequest?: boolean;
  /**
   * Sliding expiry: an unmodified session's life is renewed by a `touch` (no data rewrite) once
   * more than `touchAfter` seconds of it have passed. Default true; false keeps Django's
   * "expires `maxAge` after the last save".
   */
  rolling?: boolean;
  /** Seconds between renewals of an unmodified session. Default 3600. Bounds store writes on reads. */
  touchAfter?: number;
  /** Longest wait for one store call, in ms, before the request fails with 503. Default 1000. */
  storeTimeout?: number;
  /**
   * What a request gets when the store fails while loading its session: `'error'` (default) ends
   * it with 503; `'anonymous'` hands the handler an empty session (`session.isDegraded`) so pages
   * that only read can still render. The visitor's cookie is left alone, and a write to the
   * stand-in still fails with 503: nothing is silently dropped.
   */
  storeOutage?: 'error' | 'anonymous';
  /** Injectable clock (epoch ms) for tests. */
  now?: () => number;
  /** Injectable ID source for tests; IDs must pass `isValidSessionId`. */
  generateId?: () => string;
}

/**
 * Request facts the lifecycle uses besides the Cookie header.
 *
 * @example
 * await sessions.load(req.headers.cookie, { userAgent: req.headers['user-agent'] });
 */
export interface LoadContext {
  userAgent?: string | undefined;
}

/**
 * Headers a commit asks the adapter to emit; apply them with `applySessionHeaders`.
 *
 * @example
 * const { setCookie, vary } = await sessions.commit(session, { status: 200 });
 */
export interface CommitResult {
  setCookie: string | undefined;
  /** Add `Vary: Cookie` (the session was read or written). */
  vary: boolean;
}

/**
 * One of a user's sessions, as listed by `listUserSessions`.
 *
 * @example
 * for (const s of await sessions.listUserSessions(userId, session)) console.log(s.handle, s.userAgent, s.current);
 */
export interface UserSession {
  /** Opaque handle (the hashed ID): safe to show and to post back for revocation. */
  handle: string;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
  userAgent: string | null;
  /** True for the session of the request that asked. */
  current: boolean;
}

const MAX_CREATE_ATTEMPTS = 4;

/**
 * The one session lifecycle every adapter calls: `load` before the handler, `commit` after it.
 *
 * @example
 * const sessions = new SessionManager({ store: new MemoryStore(), secrets: process.env.SESSION_SECRET! });
 * const session = await sessions.load(req.headers.cookie);
 * session.set('username', 'ada');
 * const headers = await sessions.commit(session, { status: 302 });
 */
export class SessionManager<Data extends SessionDataShape = Record<string, unknown>> {
  readonly store: SessionStore;
  readonly cookie: ResolvedCookieOptions;
  /** Set when sessions live in the cookie itself; `store` then refuses every call. */
  readonly #stateless: StatelessStore | null;
  readonly #signer: Signer;
  readonly #ctx: SessionContext;
  readonly #saveEveryRequest: boolean;
  readonly #rolling: boolean;
  readonly #touchAfterMs: number;
  readonly #timeout: number;
  readonly #generateId: () => string;
  readonly #storeOutage: 'error' | 'anonymous';
  readonly #verified = new Map<string, VerifiedCookie>();
  /** The store's synchronous operations (memory, SQLite, the cookie store), else null. */
  readonly #sync: SyncSessionOps | null;

  constructor(options: SessionManagerOptions) {
    if (!options.store) throw new SessionError('ERR_SESSION_CONFIG', 'SessionManager needs a store.');
    this.#stateless = isStatelessStore(options.store) ? options.store : null;
    this.store = this.#stateless ? unsupportedStore(this.#stateless) : (options.store as SessionStore);
    this.cookie = resolveCookieOptions(options.cookie);
    const secrets = typeof options.secrets === 'string' ? splitSecrets(options.secrets) : [...(options.secrets ?? [])];
    this.#signer = new Signer(secrets);
    const now = options.now ?? Date.now;
    this.#ctx = { now, maxAge: this.cookie.maxAge, expireAtBrowserClose: options.expireAtBrowserClose ?? false };
    this.#saveEveryRequest = options.saveEveryRequest ?? false;
    this.#rolling = options.rolling ?? true;
    this.#touchAfterMs = (options.touchAfter ?? 3600) * 1000;
    this.#timeout = options.storeTimeout ?? 1000;
    this.#generateId = options.generateId ?? generateSessionId;
    this.#storeOutage = options.storeOutage ?? 'error';
    this.#sync = this.store.sync ?? null;
  }

  /**
   * True when loading and committing never wait: the store answers synchronously (memory,
   * SQLite) or keeps sessions in the cookie. `loadMaybeSync` and `commitMaybeSync` then never
   * return a promise.
   */
  get synchronous(): boolean {
    return this.#sync !== null;
  }

  /**
   * The session for a Cookie header when that needs no store call — no session cookie, a forged
   * or malformed one, or a stateless store — else null (then call `load`). Adapters use it to
   * skip a promise on the most common path.
   *
   * @example
   * const session = sessions.loadSync(req.headers.cookie) ?? (await sessions.load(req.headers.cookie));
   */
  loadSync(cookieHeader: string | undefined | null, context?: LoadContext): Session<Data> | null {
    const resolved = this.#resolve(cookieHeader, context);
    return resolved instanceof Session ? resolved : null;
  }

  /**
   * `loadSync` and `load` in one parse of the Cookie header: the session itself when no store
   * call is needed, else the promise of it. What the node:http and Express adapters call.
   *
   * @example
   * const found = sessions.loadMaybeSync(req.headers.cookie);
   * const session = found instanceof Promise ? await found : found;
   */
  loadMaybeSync(cookieHeader: string | undefined | null, context?: LoadContext): Session<Data> | Promise<Session<Data>> {
    const resolved = this.#resolve(cookieHeader, context);
    if (resolved instanceof Session) return resolved;
    return this.#sync ? this.#fetchSync(this.#sync, resolved) : this.#fetch(resolved);
  }

  /**
   * The session for a request's Cookie header. Costs no store call when there is no cookie or
   * its signature or format is wrong; an unknown or expired ID yields a fresh, empty session
   * (never adopted: a new ID is minted only when something is saved).
   */
  async load(cookieHeader: string | undefined | null, context?: LoadContext): Promise<Session<Data>> {
    return this.loadMaybeSync(cookieHeader, context);
  }

  /** Parses and verifies the cookie once: a ready session, or what the store must be asked. */
  #resolve(cookieHeader: string | undefined | null, context: LoadContext | undefined): Session<Data> | PendingLoad {
    const value = readCookie(cookieHeader, this.cookie.name, this.#stateless?.maxValueLength);
    const now = this.#ctx.now();
    const userAgent = context?.userAgent ? context.userAgent.slice(0, 512) : null;
    if (value === undefined) return this.#wrap(blankState(now, false, userAgent));
    if (this.#stateless) return this.#wrap(this.#unseal(this.#stateless, value, now, userAgent));
    const verified = this.#verify(value);
    if (verified === null) return this.#wrap(blankState(now, true, userAgent));
    return { value, verified, now, userAgent };
  }

  #fetch(pending: PendingLoad): Promise<Session<Data>> {
    return this.#call(() => this.store.get(pending.verified.key, pending.now)).then(
      (record) => this.#loaded(pending, record),
      (err: unknown) => this.#loadFailed(pending, err),
    );
  }

  #fetchSync(sync: SyncSessionOps, pending: PendingLoad): Session<Data> {
    let record: SessionRecord | null;
    try {
      record = sync.get(pending.verified.key, pending.now);
    } catch (err) {
      return this.#loadFailed(pending, this.#storeFailure(err));
    }
    return this.#loaded(pending, record);
  }

  #loaded({ value, verified, now, userAgent }: PendingLoad, record: SessionRecord | null): Session<Data> {
    const state = stateFromRecord(record, now, userAgent);
    if (!state.isNew) {
      state.id = verified.id;
      state.key = verified.key;
      state.cookieValue = value;
    }
    return this.#wrap(state);
  }

  #loadFailed({ now, userAgent }: PendingLoad, err: unknown): Session<Data> {
    if (this.#storeOutage !== 'anonymous') throw err;
    const standIn = blankState(now, true, userAgent);
    standIn.degraded = true;
    return this.#wrap(standIn);
  }

  /**
   * Applies the request's changes to the store and returns the headers to send. Call it before
   * the response's headers go out, with the response status: nothing is saved for a 5xx.
   * Throws `SessionError` `ERR_SESSION_INTERRUPTED` (400) when the record vanished mid-request
   * and `ERR_STORE_UNAVAILABLE` (503) when the store fails.
   */
  async commit(session: Session<Data>, response: { status: number }): Promise<CommitResult> {
    return this.commitMaybeSync(session, response);
  }

  /**
   * `commit` without a promise when none is needed: the headers themselves when nothing must be
   * stored or the store answers synchronously (`synchronous`), else the promise of them. May
   * throw the `SessionError`s `commit` rejects with. What the node:http and Express adapters call.
   *
   * @example
   * const done = sessions.commitMaybeSync(session, { status: 200 });
   * const headers = done instanceof Promise ? await done : done;
   */
  commitMaybeSync(session: Session<Data>, response: { status: number }): CommitResult | Promise<CommitResult> {
    const ready = this.commitSync(session, response);
    if (ready !== undefined) return ready;
    const steps = this.#commitSteps(session, response);
    return this.#sync ? this.#runSync(this.#sync, steps) : this.#runAsync(steps);
  }

  /**
   * True when committing `session` now would need the store (something to save, delete or
   * renew). Adapters that must hold a response back until the commit settles do so only then.
   */
  commitNeedsStore(session: Session<Data>, response: { status: number } = { status: 200 }): boolean {
    const s = internalState(session);
    if (s.obsoleteKeys.length > 0) return true;
    if (response.status >= 500) return false;
    if (s.degraded) return s.modified; // commit refuses that write with 503
    if (s.raw.size === 0) return s.key !== null;
    if (s.modified || this.#saveEveryRequest) return true;
    return this.#needsTouch(session, s, this.#ctx.now());
  }

  /**
   * The commit's headers when it needs no store call (see `commitNeedsStore`), else undefined
   * (then call `commit`). It gives the same answer `commit` would, without a promise.
   *
   * @example
   * const headers = sessions.commitSync(session, { status: 200 }) ?? (await sessions.commit(session, { status: 200 }));
   */
  commitSync(session: Session<Data>, response: { status: number }): CommitResult | undefined {
    if (this.commitNeedsStore(session, response)) return undefined;
    const s = internalState(session);
    const result: CommitResult = { setCookie: undefined, vary: s.accessed };
    if (response.status < 500 && s.raw.size === 0 && s.hadCookie && !s.degraded) {
      result.setCookie = deletionCookie(this.cookie);
      result.vary = true;
    }
    return result;
  }

  /**
   * The commit, written once for both kinds of store: it yields each store call it needs and
   * gets the call's answer back, from `#runSync` (synchronous stores) or `#runAsync`.
   */
  *#commitSteps(session: Session<Data>, response: { status: number }): Generator<StoreCall, CommitResult, unknown> {
    const s = internalState(session);
    const now = this.#ctx.now();
    const result: CommitResult = { setCookie: undefined, vary: s.accessed };

    // Old records go even when the response failed: a logout must not be undone by a 500.
    if (s.obsoleteKeys.length > 0) {
      const keys = s.obsoleteKeys.splice(0);
      for (const key of keys) yield (ops) => ops.destroy(key);
    }
    if (response.status >= 500) return result;
    if (s.degraded) {
      // The real session is still in the store; writing a stand-in would replace the visitor's
      // cookie and lose it, so a write during the outage is refused instead.
      if (s.modified) {
        throw new SessionError('ERR_STORE_UNAVAILABLE', `Session store ${this.store.name} is unavailable; the change was not saved.`);
      }
      return result;
    }
    if (this.#stateless) return this.#commitSealed(this.#stateless, session, s, now, result);

    if (s.raw.size === 0) {
      if (s.key !== null) {
        const key = s.key;
        yield (ops) => ops.destroy(key);
        s.key = null;
        s.id = null;
      }
      if (s.hadCookie) result.setCookie = deletionCookie(this.cookie);
      return result;
    }

    if (s.modified || this.#saveEveryRequest) {
      const renew = s.key === null || !this.#writeKeepsCookie(session, s, now);
      const expiresAt = renew ? this.#expiresAt(session, now) : s.expiresAt;
      if (s.key === null) yield* this.#create(s, expiresAt, now);
      else yield* this.#update(s, expiresAt, now);
      s.expiresAt = expiresAt;
      if (renew) result.setCookie = this.#cookieFor(session, s, now);
    } else if (this.#needsTouch(session, s, now)) {
      const expiresAt = this.#expiresAt(session, now);
      const key = s.key!;
      const alive = yield (ops) => ops.touch(key, expiresAt, now, now);
      if (!alive) {
        result.setCookie = deletionCookie(this.cookie);
        return result;
      }
      s.expiresAt = expiresAt;
      if (!session.expiresAtBrowserClose) result.setCookie = this.#cookieFor(session, s, now);
    }
    s.modified = false;
    s.dirty = null;
    s.removed = null;
    s.replace = false;
    s.userIdChanged = false;
    return result;
  }

  /**
   * Refuses a state-changing request (POST, PUT, PATCH, DELETE …) whose CSRF token is missing
   * or belongs to another session: throws `SessionError` `ERR_CSRF` (status 403).
   * `token` is what the client sent (form field `csrf_token` or header `X-CSRF-Token`).
   */
  checkCsrf(session: Session<Data>, method: string | undefined, token: unknown): void {
    if (!isStateChangingMethod(method?.toUpperCase())) return;
    if (!session.verifyCsrfToken(token)) {
      throw new SessionError('ERR_CSRF', `CSRF token missing or invalid (send it as form field "${CSRF_FIELD}" or header "${CSRF_HEADER}").`);
    }
  }

  /** The live sessions of `userId`, newest activity first, marking the one of `current`. */
  async listUserSessions(userId: string, current?: Session<Data>): Promise<UserSession[]> {
    const now = this.#ctx.now();
    const currentKey = current ? internalState(current).key : null;
    const rows = await this.#call(() => this.store.listByUser(userId, now));
    return rows.map((row) => ({
      handle: row.key,
      createdAt: new Date(row.createdAt),
      lastSeenAt: new Date(row.lastSeenAt),
      expiresAt: new Date(row.expiresAt),
      userAgent: row.userAgent,
      current: row.key === currentKey,
    }));
  }

  /** Ends every session of `userId`, except the one of `options.except` when given. */
  async revokeUserSessions(userId: string, options: { except?: Session<Data> } = {}): Promise<number> {
    const exceptKey = options.except ? internalState(options.except).key ?? undefined : undefined;
    return this.#call(() => this.store.destroyByUser(userId, exceptKey));
  }

  /** Ends one session of `userId` by the `handle` from `listUserSessions`; false when it is not theirs. */
  async revokeUserSession(userId: string, handle: string): Promise<boolean> {
    const now = this.#ctx.now();
    const rows = await this.#call(() => this.store.listByUser(userId, now));
    if (!rows.some((row) => row.key === handle)) return false;
    await this.#call(() => this.store.destroy(handle));
    return true;
  }

  /** Django's `clearsessions`: deletes expired records in batches. */
  clearExpired(options?: ClearExpiredOptions): Promise<number> {
    return this.store.clearExpired(this.#ctx.now(), options);
  }

  stats(): Promise<StoreStats> {
    return this.store.stats(this.#ctx.now());
  }

  // ---- internals ---------------------------------------------------------------

  #unseal(store: StatelessStore, value: string, now: number, userAgent: string | null): SessionState {
    let record: SessionRecord | null = null;
    try {
      record = store.unseal(value, now);
    } catch {
      record = null; // a garbled cookie is no session, never a 5xx
    }
    return stateFromRecord(record, now, userAgent);
  }

  /** The stateless commit: the whole session is sealed into the cookie; no ID, no store call. */
  #commitSealed(store: StatelessStore, session: Session<Data>, s: SessionState, now: number, result: CommitResult): CommitResult {
    if (s.raw.size === 0) {
      if (s.hadCookie) result.setCookie = deletionCookie(this.cookie);
      return result;
    }
    const due = this.#needsTouch(session, s, now);
    if (!s.modified && !this.#saveEveryRequest && !due) return result;
    const expiresAt = this.#expiresAt(session, now);
    const value = store.seal({ data: recordData(s.raw), expiresAt, createdAt: s.createdAt, lastSeenAt: now, userId: s.userId, userAgent: s.userAgent });
    s.expiresAt = expiresAt;
    s.modified = false;
    result.setCookie = sessionCookie(this.cookie, value, session.expiresAtBrowserClose ? undefined : expiresAt, now);
    return result;
  }

  #wrap(state: SessionState): Session<Data> {
    return new Session<Data>(state, this.#ctx);
  }

  #expiresAt(session: Session<Data>, now: number): number {
    // Browser-close sessions still expire on the server after the default age, as in Django.
    if (session.expiresAtBrowserClose) return now + this.#ctx.maxAge * 1000;
    const date = session.expiryDate.getTime();
    return date;
  }

  #needsTouch(session: Session<Data>, s: SessionState, now: number): boolean {
    if (!this.#rolling || (s.key === null && (this.#stateless === null || s.isNew))) return false;
    // Absolute expiry dates (setExpiry(Date)) do not slide.
    if (s.raw.get(EXPIRY_KEY)?.startsWith('{')) return false;
    return s.expiresAt - now < session.expiryAge * 1000 - this.#touchAfterMs;
  }

  /**
   * Sliding expiry renews at most once per `touchAfter`, whether a request reads or writes: a
   * write inside that window keeps the stored expiry and the visitor's cookie as they are, so
   * it sends no Set-Cookie. Whatever changes what the cookie says still sends it: a new ID, one
   * signed by an older secret, a changed expiry setting, and every save under `rolling: false`
   * or `saveEveryRequest` (Django's rules: each save restarts the clock).
   */
  #writeKeepsCookie(session: Session<Data>, s: SessionState, now: number): boolean {
    if (!this.#rolling || this.#saveEveryRequest || s.cookieValue === null || s.replace) return false;
    if (s.dirty?.has(EXPIRY_KEY) || s.removed?.has(EXPIRY_KEY)) return false;
    if (this.#verified.get(s.cookieValue)?.current !== true) return false;
    return !this.#needsTouch(session, s, now);
  }

  #cookieFor(session: Session<Data>, s: SessionState, now: number): string {
    let value = s.cookieValue;
    // The same ID signs to the same value: reuse the request's, sign only a new ID (or one
    // signed by an older secret, so rotation moves every active session to the newest).
    const known = value === null ? undefined : this.#verified.get(value);
    if (value === null || known?.id !== s.id || !known.current) {
      value = this.#signer.sign(s.id!);
      this.#remember(value, s.id!, s.key!, true);
      s.cookieValue = value;
    }
    return sessionCookie(this.cookie, value, session.expiresAtBrowserClose ? undefined : s.expiresAt, now);
  }

  *#create(s: SessionState, expiresAt: number, now: number): Generator<StoreCall, void, unknown> {
    const record: SessionRecord = {
      data: recordData(s.raw),
      expiresAt,
      createdAt: s.isNew ? now : s.createdAt,
      lastSeenAt: now,
      userId: s.userId,
      userAgent: s.userAgent,
    };
    for (let attempt = 0; attempt < MAX_CREATE_ATTEMPTS; attempt++) {
      const id = this.#generateId();
      if (!isValidSessionId(id)) throw new SessionError('ERR_SESSION_CONFIG', 'generateId() returned an ID that fails isValidSessionId().');
      const key = storeKeyFor(id);
      if (yield (ops) => ops.create(key, record)) {
        s.id = id;
        s.key = key;
        return;
      }
    }
    throw new SessionError('ERR_STORE_UNAVAILABLE', `Store ${this.store.name} refused ${MAX_CREATE_ATTEMPTS} fresh session IDs.`);
  }

  *#update(s: SessionState, expiresAt: number, now: number): Generator<StoreCall, void, unknown> {
    const set: Record<string, string> = {};
    const source = s.replace ? s.raw.keys() : (s.dirty ?? []);
    for (const k of source) {
      const raw = s.raw.get(k);
      if (raw !== undefined) setOwn(set, k, raw);
    }
    const change = {
      set,
      unset: s.removed ? [...s.removed] : [],
      replace: s.replace,
      expiresAt,
      lastSeenAt: now,
      ...(s.userIdChanged ? { userId: s.userId } : {}),
    };
    const key = s.key!;
    const ok = yield (ops) => ops.update(key, change, now);
    if (!ok) {
      throw new SessionError(
        'ERR_SESSION_INTERRUPTED',
        'The session was deleted while this request was running (a logout or revocation elsewhere); its changes were not saved.',
      );
    }
  }

  /** A store call under the timeout, failures as `ERR_STORE_UNAVAILABLE`; no extra promise layer on success. */
  #call<T>(fn: () => Promise<T>): Promise<T> {
    let started: Promise<T>;
    try {
      started = fn();
    } catch (err) {
      return Promise.reject(this.#storeFailure(err));
    }
    return withDeadline(started, this.#timeout, this.#timedOut, this.#toStoreFailure);
  }

  readonly #timedOut = (): Error => new SessionError('ERR_STORE_UNAVAILABLE', `Session store ${this.store.name} did not answer within ${this.#timeout} ms.`);
  readonly #toStoreFailure = (err: unknown): SessionError => this.#storeFailure(err);

  #storeFailure(err: unknown): SessionError {
    if (err instanceof SessionError) return err;
    return new SessionError('ERR_STORE_UNAVAILABLE', `Session store ${this.store.name} failed: ${(err as Error)?.message ?? err}`, { cause: err });
  }

  /** Drives the commit's steps against the synchronous operations: no promise, no watchdog. */
  #runSync(sync: SyncSessionOps, steps: Generator<StoreCall, CommitResult, unknown>): CommitResult {
    let step = steps.next();
    while (!step.done) {
      let answer: unknown;
      try {
        answer = step.value(sync);
      } catch (err) {
        throw this.#storeFailure(err);
      }
      step = steps.next(answer);
    }
    return varyOnCookie(step.value);
  }

  /** Drives the commit's steps against the async store, each call under the timeout. */
  async #runAsync(steps: Generator<StoreCall, CommitResult, unknown>): Promise<CommitResult> {
    let step = steps.next();
    while (!step.done) {
      const call = step.value;
      step = steps.next(await this.#call(() => call(this.store) as Promise<unknown>));
    }
    return varyOnCookie(step.value);
  }

  /**
   * The ID and store key in a cookie value, or null when it is forged or malformed. Verified
   * values are remembered (bounded), so a returning visitor costs no HMAC and no hash: the
   * answer for the same string under the same secrets can never change.
   */
  #verify(value: string): VerifiedCookie | null {
    const hit = this.#verified.get(value);
    if (hit !== undefined) return hit;
    const verified = this.#signer.verify(value);
    if (verified === null || !isValidSessionId(verified.payload)) return null;
    return this.#remember(value, verified.payload, storeKeyFor(verified.payload), verified.current);
  }

  #remember(value: string, id: string, key: string, current: boolean): VerifiedCookie {
    if (this.#verified.size >= VERIFIED_CACHE_SIZE) this.#verified.clear();
    const entry = { id, key, current };
    this.#verified.set(value, entry);
    return entry;
  }
}

/** One store call of a commit: the same method on the async store or its synchronous twin. */
type StoreCall = (ops: SessionStore | SyncSessionOps) => unknown;

/** Whatever the request's cookie made us answer with a Set-Cookie varies on that cookie too. */
function varyOnCookie(result: CommitResult): CommitResult {
  if (result.setCookie !== undefined) result.vary = true;
  return result;
}

/** A verified cookie whose record the store must be asked for. */
interface PendingLoad {
  value: string;
  verified: VerifiedCookie;
  now: number;
  userAgent: string | null;
}

interface VerifiedCookie {
  id: string;
  key: string;
  /** Signed by the newest secret (else re-signed when sent again). */
  current: boolean;
}

/** Verified cookie values remembered per manager (~200 bytes each: ~2 MB at most). */
const VERIFIED_CACHE_SIZE = 10_000;

/** A session's serialized values as a record's `data`. */
function recordData(raw: ReadonlyMap<string, string>): Record<string, string> {
  const data: Record<string, string> = {};
  for (const [k, v] of raw) setOwn(data, k, v);
  return data;
}

/** The state for a loaded record; a blank (new) one when the record is missing, malformed or expired. */
function stateFromRecord(record: SessionRecord | null, now: number, userAgent: string | null): SessionState {
  if (!isUsableRecord(record, now)) return blankState(now, true, userAgent);
  const raw = new Map<string, string>();
  const data = record.data;
  for (const k of Object.keys(data)) raw.set(k, data[k]!);
  const state = blankState(now, true, userAgent, raw);
  state.isNew = false;
  state.expiresAt = record.expiresAt;
  state.createdAt = record.createdAt;
  state.userId = record.userId;
  state.userAgent = record.userAgent;
  return state;
}

function isUsableRecord(record: SessionRecord | null, now: number): record is SessionRecord {
  return (
    record !== null &&
    typeof record === 'object' &&
    typeof record.data === 'object' &&
    record.data !== null &&
    typeof record.expiresAt === 'number' &&
    record.expiresAt > now // the core enforces expiry itself, whatever a store returns
  );
}

/** Stands in for `manager.store` when sessions live in cookies: every server-side operation is refused. */
function unsupportedStore(store: StatelessStore): SessionStore {
  const refusal = () =>
    new SessionError('ERR_STORE_UNSUPPORTED', `${store.name} keeps sessions in the cookie: there is nothing on the server to list, revoke or clear.`);
  const refuse = async (): Promise<never> => {
    throw refusal();
  };
  const refuseNow = (): never => {
    throw refusal();
  };
  return {
    name: store.name,
    get: refuse,
    create: refuse,
    update: refuse,
    touch: refuse,
    destroy: refuse,
    clearExpired: refuse,
    listByUser: refuse,
    destroyByUser: refuse,
    stats: refuse,
    close: () => store.close(),
    // Sealing and unsealing are synchronous: the lifecycle never waits for this store.
    sync: { get: refuseNow, create: refuseNow, update: refuseNow, touch: refuseNow, destroy: refuseNow },
  };
}

/**
 * `SESSION_SECRET` form: comma-separated, newest first, blanks ignored.
 *
 * @example
 * splitSecrets('new-secret, old-secret,'); // ['new-secret', 'old-secret']
 */
export function splitSecrets(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/**
 * What an adapter needs to write headers on its framework's response.
 *
 * @example
 * const target: HeaderTarget = { get: (n) => headers.get(n) ?? undefined, set: (n, v) => headers.set(n, v), append: (n, v) => headers.append(n, v) };
 */
export interface HeaderTarget {
  get(name: string): string | undefined;
  set(name: string, value: string): void;
  append(name: string, value: string): void;
}

/**
 * Writes a commit's headers: `Set-Cookie`, `Vary: Cookie` (merged), and — on any response that
 * sets a session cookie — a Cache-Control that keeps shared caches from storing it.
 *
 * @example
 * applySessionHeaders(await sessions.commit(session, { status: 200 }), target);
 */
export function applySessionHeaders(result: CommitResult, target: HeaderTarget): void {
  if (result.vary) {
    const vary = target.get('vary');
    if (!vary) target.set('Vary', 'Cookie');
    else if (!/(^|,)\s*(cookie|\*)\s*(,|$)/i.test(vary)) target.set('Vary', `${vary}, Cookie`);
  }
  if (result.setCookie !== undefined) {
    target.append('Set-Cookie', result.setCookie);
    target.set('Cache-Control', privateCacheControl(target.get('cache-control')));
  }
}

/**
 * Drops `public` and `s-maxage` and adds `private`: the response carries one visitor's cookie.
 *
 * @example
 * privateCacheControl('public, max-age=60, s-maxage=300'); // 'private, max-age=60'
 */
export function privateCacheControl(existing: string | undefined): string {
  if (!existing) return 'private';
  const kept = existing
    .split(',')
    .map((d) => d.trim())
    .filter((d) => d.length > 0 && !/^(public|s-maxage\s*=.*)$/i.test(d));
  if (!kept.some((d) => /^(private|no-store)$/i.test(d))) kept.unshift('private');
  return kept.join(', ');
}
