import { SessionError } from './errors.js';
import { isLiveSessionRecord } from './record.js';
import { withDeadline } from './deadline.js';
import { deletionCookie, readCookie, resolveCookieOptions, sessionCookie, type CookieOptions, type ResolvedCookieOptions } from './cookie.js';
import { Signer } from './signing.js';
import { generateSessionId, isValidSessionId, storeKeyFor } from './session-id.js';
import { Session, type SessionContext, type SessionDataShape, type VerifiedCookie } from './session.js';
import { planCommit, type CommitPlan, type CommitPolicy } from './commit-plan.js';
import { isStatelessStore, type SessionIdScheme, type Awaitable, type ClearExpiredOptions, type SessionRecord, type SessionStore, type StatelessStore, type StoreStats } from './store.js';
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
 * What a commit does is decided by `planCommit` (commit-plan.ts) and carried out here.
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
  /** How IDs are made, signed and keyed: the core's, or the store's own (`store.ids`). */
  readonly #ids: SessionIdScheme;
  readonly #ctx: SessionContext;
  readonly #policy: CommitPolicy;
  readonly #timeout: number;
  readonly #generateId: () => string;
  readonly #storeOutage: 'error' | 'anonymous';
  readonly #verified = new Map<string, VerifiedCookie>();

  constructor(options: SessionManagerOptions) {
    if (!options.store) throw new SessionError('ERR_SESSION_CONFIG', 'SessionManager needs a store.');
    this.#stateless = isStatelessStore(options.store) ? options.store : null;
    this.store = this.#stateless ? unsupportedStore(this.#stateless) : (options.store as SessionStore);
    this.cookie = resolveCookieOptions(options.cookie);
    this.#ids = this.store.ids ?? signedIds(new Signer(options.secrets), generateSessionId);
    this.#policy = {
      maxAge: this.cookie.maxAge,
      expireAtBrowserClose: options.expireAtBrowserClose ?? false,
      rolling: options.rolling ?? true,
      touchAfterMs: (options.touchAfter ?? 3600) * 1000,
      saveEveryRequest: options.saveEveryRequest ?? false,
    };
    this.#ctx = { ...this.#policy, now: options.now ?? Date.now };
    this.#timeout = options.storeTimeout ?? 1000;
    this.#generateId = options.generateId ?? this.#ids.generate;
    this.#storeOutage = options.storeOutage ?? 'error';
  }

  /**
   * The session for a request's Cookie header. Costs no store call when there is no cookie or
   * its signature or format is wrong; an unknown or expired ID yields a fresh, empty session
   * (never adopted: a new ID is minted only when something is saved). Rejects with
   * `ERR_STORE_UNAVAILABLE` (503) when the store fails, unless `storeOutage: 'anonymous'`.
   */
  async load(cookieHeader: string | undefined | null, context?: LoadContext): Promise<Session<Data>> {
    return this.loadNow(cookieHeader, context);
  }

  /**
   * @internal `load` without a promise when none is needed (no cookie, a forged one, a
   * synchronous or stateless store). May throw what `load` rejects with.
   */
  loadNow(cookieHeader: string | undefined | null, context?: LoadContext): Session<Data> | Promise<Session<Data>> {
    const value = readCookie(cookieHeader, this.cookie.name, this.#stateless?.maxValueLength);
    const now = this.#ctx.now();
    const userAgent = context?.userAgent ? context.userAgent.slice(0, 512) : null;
    if (value === undefined) return this.#open(now, false, userAgent);
    if (this.#stateless) return this.#open(now, true, userAgent, this.#unseal(this.#stateless, value, now));
    const cookie = this.#verify(value);
    if (cookie === null) return this.#open(now, true, userAgent);
    let found: Awaitable<SessionRecord | null>;
    try {
      found = this.#storeCall((store) => store.get(cookie.key, now));
    } catch (err) {
      return this.#loadFailed(now, userAgent, err);
    }
    if (found instanceof Promise) {
      return found.then(
        (record) => this.#open(now, true, userAgent, record, cookie),
        (err: unknown) => this.#loadFailed(now, userAgent, err),
      );
    }
    return this.#open(now, true, userAgent, found, cookie);
  }

  #open(now: number, hadCookie: boolean, userAgent: string | null, record?: SessionRecord | null, cookie?: VerifiedCookie): Session<Data> {
    // The core enforces expiry and shape itself, whatever a store or cookie returned.
    const usable = isLiveSessionRecord(record, now) ? record : null;
    return new Session<Data>(this.#ctx, { now, hadCookie, userAgent, record: usable, cookie: usable ? cookie : null });
  }

  #loadFailed(now: number, userAgent: string | null, err: unknown): Session<Data> {
    if (this.#storeOutage !== 'anonymous') throw err;
    return new Session<Data>(this.#ctx, { now, hadCookie: true, userAgent, degraded: true });
  }

  /**
   * Applies the request's changes to the store and returns the headers to send. Call it before
   * the response's headers go out, with the response status: nothing is saved for a 5xx.
   * Rejects with `SessionError` `ERR_SESSION_INTERRUPTED` (400) when the record vanished
   * mid-request and `ERR_STORE_UNAVAILABLE` (503) when the store fails.
   */
  async commit(session: Session<Data>, response: { status: number }): Promise<CommitResult> {
    return this.commitNow(session, response.status);
  }

  /**
   * @internal `commit` without a promise when none is needed: nothing to store, or a
   * synchronous store. May throw what `commit` rejects with.
   */
  commitNow(session: Session<Data>, status: number): CommitResult | Promise<CommitResult> {
    const now = this.#ctx.now();
    const plan = planCommit(session.commitFacts(this.#stateless !== null), status, now, this.#policy);
    if (!plan.destroyObsolete && plan.store === 'none' && !plan.refuse) return this.#headers(session, plan, plan.cookie, now);
    return runSteps(this.#steps(session, plan, now), this.#storeCall);
  }

  /**
   * @internal A handler threw: the request commits as a 500, which saves nothing but still
   * deletes the records a `flush()` or `cycleKey()` retired. A failure of that commit is
   * dropped: the handler's error is the one to report.
   */
  async commitAfterThrow(session: Session<Data>): Promise<void> {
    try {
      await this.commitNow(session, 500);
    } catch {
      // the handler's error is reported instead
    }
  }

  /**
   * Refuses a state-changing request (POST, PUT, PATCH, DELETE …) whose CSRF token is missing
   * or belongs to another session: throws `SessionError` `ERR_CSRF` (status 403).
   * `token` is what the client sent (form field `csrf_token` or header `X-CSRF-Token`).
   */
  checkCsrf(session: AnySession, method: string | undefined, token: unknown): void {
    if (!isStateChangingMethod(method?.toUpperCase())) return;
    if (!session.verifyCsrfToken(token)) {
      throw new SessionError('ERR_CSRF', `CSRF token missing or invalid (send it as form field "${CSRF_FIELD}" or header "${CSRF_HEADER}").`);
    }
  }

  /** The live sessions of `userId`, newest activity first, marking the one of `current`. */
  async listUserSessions(userId: string, current?: AnySession): Promise<UserSession[]> {
    const now = this.#ctx.now();
    const currentKey = current ? current.storeKey : null;
    const rows = await this.#storeCall((store) => store.listByUser(userId, now));
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
  async revokeUserSessions(userId: string, options: { except?: AnySession } = {}): Promise<number> {
    const exceptKey = options.except?.storeKey ?? undefined;
    return this.#storeCall((store) => store.destroyByUser(userId, exceptKey));
  }

  /** Ends one session of `userId` by the `handle` from `listUserSessions`; false when it is not theirs. */
  async revokeUserSession(userId: string, handle: string): Promise<boolean> {
    const now = this.#ctx.now();
    const rows = await this.#storeCall((store) => store.listByUser(userId, now));
    if (!rows.some((row) => row.key === handle)) return false;
    await this.#storeCall((store) => store.destroy(handle));
    return true;
  }

  /** Django's `clearsessions`: deletes expired records in batches. */
  clearExpired(options?: ClearExpiredOptions): Promise<number> {
    return this.store.clearExpired(this.#ctx.now(), options);
  }

  /** Live and expired record counts. */
  stats(): Promise<StoreStats> {
    return this.store.stats(this.#ctx.now());
  }

  // ---- the commit's executor: carries out the plan, decides nothing ----------------

  /** The plan's store calls, yielded one by one to `runSteps`, then the headers. */
  *#steps(session: Session<Data>, plan: CommitPlan, now: number): Generator<StoreStep, CommitResult, unknown> {
    if (plan.destroyObsolete) {
      for (const key of session.takeObsoleteKeys()) yield (store) => store.destroy(key);
    }
    if (plan.refuse) {
      throw new SessionError('ERR_STORE_UNAVAILABLE', `Session store ${this.store.name} is unavailable; the change was not saved.`);
    }
    let cookie = plan.cookie;
    switch (plan.store) {
      case 'create': {
        const record = session.toRecord(plan.expiresAt, now);
        yield* this.#create(session, record);
        break;
      }
      case 'update':
      case 'touch': {
        const key = session.storeKey!;
        const { expiresAt } = plan;
        const found =
          plan.store === 'update'
            ? yield (store) => store.update(key, session.toChange(expiresAt, now), now)
            : yield (store) => store.touch(key, expiresAt, now, now);
        if (!found) {
          if (plan.ifGone === 'interrupt') {
            throw new SessionError(
              'ERR_SESSION_INTERRUPTED',
              'The session was deleted while this request was running (a logout or revocation elsewhere); its changes were not saved.',
            );
          }
          session.forgotten();
          cookie = 'delete';
        }
        break;
      }
      case 'destroy': {
        const key = session.storeKey!;
        yield (store) => store.destroy(key);
        session.forgotten();
        break;
      }
      case 'none':
        break;
    }
    return this.#headers(session, plan, cookie, now);
  }

  *#create(session: Session<Data>, record: SessionRecord): Generator<StoreStep, void, unknown> {
    for (let attempt = 0; attempt < MAX_CREATE_ATTEMPTS; attempt++) {
      const id = this.#generateId();
      // Only an injected generateId is checked: the scheme's own IDs are valid by construction.
      if (this.#generateId !== this.#ids.generate && this.#ids.read(this.#ids.cookieValue(id))?.id !== id) {
        throw new SessionError('ERR_SESSION_CONFIG', 'generateId() returned an ID that fails isValidSessionId().');
      }
      const key = this.#ids.storeKey(id);
      if (yield (store) => store.create(key, record)) {
        session.stored(id, key);
        return;
      }
    }
    throw new SessionError('ERR_STORE_UNAVAILABLE', `Store ${this.store.name} refused ${MAX_CREATE_ATTEMPTS} fresh session IDs.`);
  }

  /** The commit's headers; records on the session what was saved. */
  #headers(session: Session<Data>, plan: CommitPlan, cookie: CommitPlan['cookie'], now: number): CommitResult {
    const saves = plan.store === 'create' || plan.store === 'update' || plan.store === 'touch' || (cookie === 'set' && this.#stateless !== null);
    if (saves && cookie !== 'delete') session.saved(plan.expiresAt);
    let setCookie: string | undefined;
    if (cookie === 'delete') setCookie = deletionCookie(this.cookie);
    else if (cookie === 'set') {
      const expires = session.expiresAtBrowserClose ? undefined : plan.expiresAt;
      setCookie = sessionCookie(this.cookie, this.#cookieValue(session, plan.expiresAt, now), expires, now);
    }
    return { setCookie, vary: session.accessed || setCookie !== undefined };
  }

  /** The cookie's value: the sealed session, or the signed ID (the request's own value when still current). */
  #cookieValue(session: Session<Data>, expiresAt: number, now: number): string {
    if (this.#stateless) return this.#stateless.seal(session.toRecord(expiresAt, now));
    const reused = session.signedValue;
    if (reused !== null) return reused;
    const id = session.id!;
    const value = this.#ids.cookieValue(id);
    this.#remember(value, id, session.storeKey!, true);
    session.signed(value);
    return value;
  }

  // ---- store calls ---------------------------------------------------------------

  /**
   * One store call: a synchronous answer is used as it is (no promise, no timer); a promise is
   * bounded by `storeTimeout`. Failures become `ERR_STORE_UNAVAILABLE`.
   */
  readonly #storeCall = <T>(call: (store: SessionStore) => Awaitable<T>): Awaitable<T> => {
    let answer: Awaitable<T>;
    try {
      answer = call(this.store);
    } catch (err) {
      throw this.#storeFailure(err);
    }
    if (!(answer instanceof Promise)) return answer;
    return withDeadline(answer, this.#timeout, this.#timedOut, this.#toStoreFailure);
  };

  readonly #timedOut = (): Error => new SessionError('ERR_STORE_UNAVAILABLE', `Session store ${this.store.name} did not answer within ${this.#timeout} ms.`);
  readonly #toStoreFailure = (err: unknown): SessionError => this.#storeFailure(err);

  #storeFailure(err: unknown): SessionError {
    if (err instanceof SessionError) return err;
    return new SessionError('ERR_STORE_UNAVAILABLE', `Session store ${this.store.name} failed: ${(err as Error)?.message ?? err}`, { cause: err });
  }

  // ---- cookies -------------------------------------------------------------------

  #unseal(store: StatelessStore, value: string, now: number): SessionRecord | null {
    try {
      return store.unseal(value, now);
    } catch {
      return null; // a garbled cookie is no session, never a 5xx
    }
  }

  /**
   * The ID and store key in a cookie value, or null when it is forged or malformed. Verified
   * values are remembered (bounded), so a returning visitor costs no HMAC and no hash: the
   * answer for the same string under the same secrets can never change.
   */
  #verify(value: string): VerifiedCookie | null {
    const hit = this.#verified.get(value);
    if (hit !== undefined) return hit;
    const verified = this.#ids.read(value);
    if (verified === null) return null;
    return this.#remember(value, verified.id, this.#ids.storeKey(verified.id), verified.current);
  }

  #remember(value: string, id: string, key: string, current: boolean): VerifiedCookie {
    if (this.#verified.size >= VERIFIED_CACHE_SIZE) this.#verified.clear();
    const entry: VerifiedCookie = { id, key, value, current };
    this.#verified.set(value, entry);
    return entry;
  }
}

/**
 * A session whatever its data type (an adapter may type it by the app's `SessionData`): the
 * methods taking one only read its ID or CSRF secret.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnySession = Session<any>;

/** One store call of a commit. */
type StoreStep = (store: SessionStore) => Awaitable<unknown>;

/**
 * Drives a commit's steps: synchronously while the store answers synchronously, then (from the
 * first promise on) asynchronously. One executor for both kinds of store.
 */
function runSteps<T>(steps: Generator<StoreStep, T, unknown>, call: (step: StoreStep) => Awaitable<unknown>): Awaitable<T> {
  let next = steps.next();
  while (!next.done) {
    const answer = call(next.value);
    if (answer instanceof Promise) return answer.then((value) => finishSteps(steps, value, call));
    next = steps.next(answer);
  }
  return next.value;
}

async function finishSteps<T>(steps: Generator<StoreStep, T, unknown>, first: unknown, call: (step: StoreStep) => Awaitable<unknown>): Promise<T> {
  let next = steps.next(first);
  while (!next.done) next = steps.next(await call(next.value));
  return next.value;
}

/** The core's IDs: 192 random bits, HMAC-signed in the cookie, stored as their SHA-256. */
function signedIds(signer: Signer, generate: () => string): SessionIdScheme {
  return {
    generate,
    cookieValue: (id) => signer.sign(id),
    read(value) {
      const verified = signer.verify(value);
      return verified !== null && isValidSessionId(verified.payload) ? { id: verified.payload, current: verified.current } : null;
    },
    storeKey: storeKeyFor,
  };
}

/** Verified cookie values remembered per manager (a few hundred bytes each, bounded). */
const VERIFIED_CACHE_SIZE = 10_000;


/** Stands in for `manager.store` when sessions live in cookies: every server-side operation is refused. */
function unsupportedStore(store: StatelessStore): SessionStore {
  const refuse = async (): Promise<never> => {
    throw new SessionError('ERR_STORE_UNSUPPORTED', `${store.name} keeps sessions in the cookie: there is nothing on the server to list, revoke or clear.`);
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
  };
}

/**
 * What an adapter needs to write headers on its framework's response.
 *
 * @example
 * const target: HeaderTarget = { get: (n) => headers.get(n) ?? undefined, set: (n, v) => headers.set(n, v), append: (n, v) => headers.append(n, v) };
 */
export interface HeaderTarget {
  /** The header's current value (several values joined with `, `), or undefined. */
  get(name: string): string | undefined;
  /** Replaces the header. */
  set(name: string, value: string): void;
  /** Adds a value to the header, keeping earlier ones (each `Set-Cookie` is its own line). */
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
