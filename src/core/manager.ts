import { SessionError } from './errors.js';
import { isLiveSessionRecord, isSessionRecord } from './record.js';
import { withDeadline } from './deadline.js';
import { deletionCookie, isOversizedCookie, readCookie, resolveCookieOptions, sessionCookie, type CookieOptions, type ResolvedCookieOptions } from './cookie.js';
import { Signer } from './signing.js';
import { generateSessionId, isValidSessionId, storeKeyFor } from './session-id.js';
import { Session, type SessionContext, type SessionDataShape, type VerifiedCookie } from './session.js';
import { planCommit, type CommitPlan, type CommitPolicy } from './commit-plan.js';
import { isStatelessStore, type SessionIdScheme, type StoreTierReport, type Awaitable, type ClearExpiredOptions, type SessionRecord, type SessionStore, type StatelessStore, type StoreStats } from './store.js';
import { CSRF_FIELD, CSRF_HEADER, isStateChangingMethod } from './csrf.js';
import { SessionEvents, type SessionEvent, type SessionEventType, type SessionTelemetry } from './events.js';
import type { SessionLogger } from './log.js';
import { StoreHealth } from './outage.js';
import { CsrfCookie } from './csrf-cookie.js';
import { checkManagerOptions } from './options.js';
import { outlived } from './expiry.js';
import { sessionHandle } from './handle.js';

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
  /**
   * Seconds between renewals of an unmodified session. Default 3600 (with `idleTimeout`: a
   * tenth of it, at most 3600). Bounds store writes on reads.
   */
  touchAfter?: number;
  /**
   * Absolute timeout in seconds (OWASP ASVS V7.3): a session ends this long after it was created
   * or logged in, however active it is, on every store including the cookie store. Default: off.
   */
  absoluteTimeout?: number;
  /**
   * Idle timeout in seconds, independent of the cookie's `maxAge`: a session with no recorded
   * request for this long ends (requests are recorded at most once per `touchAfter`). Default: off.
   */
  idleTimeout?: number;
  /**
   * The signed cookie holding an anonymous visitor's CSRF secret (until login binds one to the
   * session). Default `csrftoken`, with the session cookie's `__Host-`/`__Secure-` prefix.
   */
  csrfCookieName?: string;
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
  /**
   * Receives every event (`SessionEvent`: sessions created, loaded, saved, …; security
   * refusals; store failures and outages). Called synchronously: keep it quick. Never carries a
   * session ID, cookie value or session data.
   */
  onEvent?: (event: SessionEvent) => void;
  /**
   * Where events are logged (pino, the console, anything with `warn`/`error`/`info`/`debug`):
   * security refusals at `warn`, a store outage at `error` when it begins and `warn` when it
   * ends, the rest at `debug`. `false` logs nothing. Default: warnings and errors to the console.
   */
  logger?: SessionLogger | false;
  /** Metrics and traces: `openTelemetry()` from `cloakroom/telemetry`. Off by default (nothing loaded). */
  telemetry?: SessionTelemetry;
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
  /** The anonymous CSRF cookie, when a form on this response needed a fresh one. */
  csrfCookie?: string | undefined;
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
  readonly #events: SessionEvents;
  /** The store's outage state; its tiers' (a tiered store's cache) are made on their first report. */
  readonly #health: StoreHealth;
  readonly #tiers = new Map<string, StoreHealth>();
  /** The store the lifecycle calls: `store`, or telemetry's instrumented view of it. */
  readonly #target: SessionStore;
  readonly #csrf: CsrfCookie;

  constructor(options: SessionManagerOptions) {
    const times = checkManagerOptions(options);
    this.#stateless = isStatelessStore(options.store) ? options.store : null;
    this.store = this.#stateless ? unsupportedStore(this.#stateless) : (options.store as SessionStore);
    this.cookie = resolveCookieOptions(options.cookie);
    const signer = new Signer(options.secrets);
    this.#ids = this.store.ids ?? signedIds(signer, generateSessionId);
    this.#policy = {
      maxAge: this.cookie.maxAge,
      expireAtBrowserClose: options.expireAtBrowserClose ?? false,
      rolling: options.rolling ?? true,
      touchAfterMs: times.touchAfterMs,
      saveEveryRequest: options.saveEveryRequest ?? false,
      ...(times.absoluteTimeoutMs !== undefined ? { absoluteTimeoutMs: times.absoluteTimeoutMs } : {}),
      ...(times.idleTimeoutMs !== undefined ? { idleTimeoutMs: times.idleTimeoutMs } : {}),
    };
    this.#csrf = new CsrfCookie(signer, this.cookie, options.csrfCookieName);
    this.#ctx = { ...this.#policy, now: options.now ?? Date.now, csrfCookieSecret: (header) => this.#csrf.secretIn(header) };
    this.#timeout = times.storeTimeout;
    this.#generateId = options.generateId ?? this.#ids.generate;
    this.#storeOutage = options.storeOutage ?? 'error';
    this.#events = new SessionEvents(options);
    this.#health = new StoreHealth({ store: this.store.name }, this.#events, this.#ctx.now);
    this.#target = (!this.#stateless && options.telemetry?.instrumentStore?.(this.store)) || this.store;
    if (!this.#stateless) this.store.reportTiersTo?.(this.#tierReport());
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
    // The request's facts beside its session cookie (the CSRF cookie is read only if a form needs it).
    const request: RequestFacts = { userAgent, cookieHeader };
    if (value === undefined) {
      if (cookieHeader) this.#unreadCookie(cookieHeader);
      return this.#open(now, false, request);
    }
    if (this.#stateless) return this.#open(now, true, request, this.#unseal(this.#stateless, value, now));
    const cookie = this.#verify(value);
    if (cookie === null) return this.#open(now, true, request);
    let found: Awaitable<SessionRecord | null>;
    try {
      found = this.#storeCall((store) => store.get(cookie.key, now));
    } catch (err) {
      return this.#loadFailed(now, request, err);
    }
    if (found instanceof Promise) {
      return found.then(
        (record) => this.#open(now, true, request, record, cookie),
        (err: unknown) => this.#loadFailed(now, request, err),
      );
    }
    return this.#open(now, true, request, found, cookie);
  }

  #open(now: number, hadCookie: boolean, request: RequestFacts, record?: SessionRecord | null, cookie?: VerifiedCookie): Session<Data> {
    // The core enforces expiry, the absolute and idle timeouts and the shape itself, whatever a
    // store or cookie returned (expiry.ts states the timeouts).
    const usable = isLiveSessionRecord(record, now) && !outlived(record, this.#policy, now) ? record : null;
    if (cookie) this.#emit(usable ? 'session.loaded' : record == null || isSessionRecord(record) ? 'session.expired' : 'security.corrupted-record', cookie.key);
    return new Session<Data>(this.#ctx, { now, hadCookie, ...request, record: usable, cookie: usable ? cookie : null });
  }

  #loadFailed(now: number, request: RequestFacts, err: unknown): Session<Data> {
    if (this.#storeOutage !== 'anonymous') throw err;
    return new Session<Data>(this.#ctx, { now, hadCookie: true, ...request, degraded: true });
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
      this.#emit('security.csrf-refused', session.storeKey, { reason: token === undefined || token === null || token === '' ? 'missing' : 'invalid' });
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
    const count = await this.#storeCall((store) => store.destroyByUser(userId, exceptKey));
    this.#emit('session.revoked', null, { count });
    return count;
  }

  /** Ends one session of `userId` by the `handle` from `listUserSessions`; false when it is not theirs. */
  async revokeUserSession(userId: string, handle: string): Promise<boolean> {
    const now = this.#ctx.now();
    const rows = await this.#storeCall((store) => store.listByUser(userId, now));
    if (!rows.some((row) => row.key === handle)) return false;
    await this.#storeCall((store) => store.destroy(handle));
    this.#emit('session.revoked', handle, { count: 1 });
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

  /**
   * Resolves once the store answers a read, for health checks and readiness probes; rejects
   * with `ERR_STORE_UNAVAILABLE` (503) within `storeTimeout` otherwise. A networked store's
   * first call waits for its first connection, so this also waits out startup. Each call is a
   * real round trip (a read of a key no session has) and counts toward outage reporting: a
   * probe notices that a store came back even while no visitor has a session.
   *
   * @example
   * app.get('/healthz', async (_req, res) => res.status(await sessions.ready().then(() => 200, () => 503)).end());
   */
  async ready(): Promise<void> {
    if (this.#stateless) return;
    await this.#storeCall((store) => store.get(PROBE_KEY, this.#ctx.now()));
  }

  // ---- the commit's executor: carries out the plan, decides nothing ----------------

  /** The plan's store calls, yielded one by one to `runSteps`, then the headers. */
  *#steps(session: Session<Data>, plan: CommitPlan, now: number): Generator<StoreStep, CommitResult, unknown> {
    let previous: string | null = null;
    if (plan.destroyObsolete) {
      for (const key of session.takeObsoleteKeys()) {
        yield (store) => store.destroy(key);
        if (plan.store === 'create') previous = key;
        else this.#emit('session.flushed', key);
      }
    }
    if (plan.refuse) {
      throw new SessionError('ERR_STORE_UNAVAILABLE', `Session store ${this.store.name} is unavailable; the change was not saved.`);
    }
    let cookie = plan.cookie;
    switch (plan.store) {
      case 'create': {
        const record = session.toRecord(plan.expiresAt, now);
        yield* this.#create(session, record);
        if (previous === null) this.#emit('session.created', session.storeKey);
        else this.#emit('session.key-cycled', session.storeKey, { previous: sessionHandle(previous) });
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
        this.#emit(found ? (plan.store === 'update' ? 'session.saved' : 'session.renewed') : plan.ifGone === 'interrupt' ? 'security.interrupted' : 'session.expired', key);
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
        this.#emit('session.flushed', key);
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
      setCookie = sessionCookie(this.cookie, this.#cookieValue(session, plan.expiresAt, now, plan.store !== 'create'), expires, now);
    }
    const csrfSecret = session.takeCsrfCookieSecret();
    const csrfCookie = csrfSecret === null ? undefined : this.#csrf.setCookie(csrfSecret);
    return { setCookie, csrfCookie, vary: session.accessed || setCookie !== undefined || csrfCookie !== undefined };
  }

  /** The cookie's value: the sealed session, or the signed ID (the request's own value when still current). */
  #cookieValue(session: Session<Data>, expiresAt: number, now: number, sameId: boolean): string {
    if (this.#stateless) {
      const sealed = this.#stateless.seal(session.toRecord(expiresAt, now));
      this.#emit(session.isNew ? 'session.created' : 'session.saved', null);
      return sealed;
    }
    const reused = session.signedValue;
    if (reused !== null) return reused;
    // The same ID without a current signature: its cookie was signed by an older secret.
    if (sameId) this.#emit('session.resigned', session.storeKey);
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
      answer = call(this.#target);
    } catch (err) {
      throw this.#storeFailure(err);
    }
    if (!(answer instanceof Promise)) {
      this.#health.answered();
      return answer;
    }
    const bounded = withDeadline(answer, this.#timeout, this.#timedOut, this.#toStoreFailure);
    // Only an answer during an outage is news; otherwise no extra promise layer.
    return this.#health.down ? bounded.then(this.#answered) : bounded;
  };

  readonly #timedOut = (): Error => {
    this.#emit('store.timeout', undefined, { store: this.store.name, timeoutMs: this.#timeout });
    return this.#storeFailed(new SessionError('ERR_STORE_UNAVAILABLE', `Session store ${this.store.name} did not answer within ${this.#timeout} ms.`), true);
  };
  readonly #toStoreFailure = (err: unknown): SessionError => this.#storeFailure(err);
  readonly #answered = <T>(value: T): T => {
    this.#health.answered();
    return value;
  };

  #storeFailure(err: unknown): SessionError {
    if (err instanceof SessionError) return this.#storeFailed(err);
    return this.#storeFailed(new SessionError('ERR_STORE_UNAVAILABLE', `Session store ${this.store.name} failed: ${(err as Error)?.message ?? err}`, { cause: err }));
  }

  /** Reports a failed store call; a 503 (the store's fault, not the request's) may begin an outage. */
  #storeFailed(err: SessionError, timedOut = false): SessionError {
    if (err.status !== 503) return err;
    // The driver's own words when there are some ("connect ECONNREFUSED …"), not our wrapper's.
    this.#health.failed(err.cause instanceof Error ? err.cause.message : err.message, timedOut);
    return err;
  }

  /** What the store tells about its tiers, turned into the same events as its own health. */
  #tierReport(): StoreTierReport {
    const store = this.store.name;
    const tiers = this.#tiers;
    const health = (tier: string) => {
      let found = tiers.get(tier);
      if (found === undefined) tiers.set(tier, (found = new StoreHealth({ store, tier }, this.#events, this.#ctx.now)));
      return found;
    };
    return {
      failed: (tier, error) => health(tier).failed(error instanceof Error ? error.message : String(error)),
      answered: (tier) => tiers.get(tier)?.answered(),
      bypassed: (tier, reason) => this.#emit('store.tier-bypassed', undefined, { store, tier, reason }),
    };
  }

  /** One event; nothing is built when nobody takes it (see events.ts). */
  #emit(type: SessionEventType, key?: string | null, fields?: object): void {
    this.#events.emit(type, key, fields);
  }

  // ---- cookies -------------------------------------------------------------------

  #unseal(store: StatelessStore, value: string, now: number): SessionRecord | null {
    try {
      return store.unseal(value, now);
    } catch {
      this.#emit('security.malformed-cookie', undefined, { reason: 'format' });
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
    if (verified === null) return this.#refused(value);
    return this.#remember(value, verified.id, this.#ids.storeKey(verified.id), verified.current);
  }

  /** A cookie value that did not verify: forged if it has our shape, else malformed. */
  #refused(value: string): null {
    if (SIGNED_COOKIE_SHAPE.test(value)) this.#emit('security.bad-signature');
    else this.#emit('security.malformed-cookie', undefined, { reason: 'format' });
    return null;
  }

  /** A Cookie header whose session cookie could not be read: one longer than any we issue is reported. */
  #unreadCookie(header: string): void {
    if (!header.includes(this.cookie.name) || !this.#events.wants('security.malformed-cookie')) return;
    // Measured raw, never decoded: the report must not undo the size cap it reports.
    if (isOversizedCookie(header, this.cookie.name, this.#stateless?.maxValueLength)) this.#emit('security.malformed-cookie', undefined, { reason: 'oversized' });
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

/** What `load` passes on to the session besides the record. */
interface RequestFacts {
  userAgent: string | null;
  cookieHeader: string | undefined | null;
}

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

/** A store key no session has (the store-key shape, but no SHA-256 digest spells it): `ready()` reads it. */
const PROBE_KEY = 'cloakroom-readiness-probe'.padEnd(43, '-');

/** What a signed session cookie looks like (`<ID>.<MAC>`): anything else is malformed rather than forged. */
const SIGNED_COOKIE_SHAPE = /^[A-Za-z0-9_-]{32}\.[A-Za-z0-9_-]{43}$/;

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
  if (result.setCookie !== undefined) target.append('Set-Cookie', result.setCookie);
  if (result.csrfCookie !== undefined) target.append('Set-Cookie', result.csrfCookie);
  if (result.setCookie !== undefined || result.csrfCookie !== undefined) {
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
