import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { commitBeforeHeaders, sendSessionError } from '../adapters/node-response.js';
import { readCookie } from '../core/cookie.js';
import { SessionError } from '../core/errors.js';
import type { CommitResult } from '../core/manager.js';
import { andThen, backendFor, snapshotOf, type Maybe, type SessionBackend, type Snapshot } from './backend.js';
import { Cookie, type CookieOptions } from './cookie.js';
import { MemoryStore } from './memory.js';
import { CONTROLLER, Session, type SessionCallback, type SessionController, type SessionRequest } from './session.js';
import { SessionIdSigner } from './signature.js';
import { GENERATE, inflateSession, type StoredSessionData } from './store.js';

/**
 * express-session 1.x's options, same names, same defaults.
 *
 * @example
 * const options: SessionOptions = { secret: ['new', 'old'], resave: false, saveUninitialized: false, cookie: { maxAge: 86_400_000 } };
 */
export interface SessionOptions {
  /**
   * Signs the ID cookie: a string, a Buffer, or an array of them to rotate (the first signs, all
   * verify). Unset: cookie-parser's `req.secret` is used, and a request without it fails.
   */
  secret?: string | Buffer | readonly (string | Buffer)[];
  /** Cookie name. Default `connect.sid`. (`key` is the old alias.) */
  name?: string;
  key?: string;
  /** An express-session store, or a cloakroom `SessionStore` (changed keys only, hashed IDs). Default: a new `MemoryStore`. */
  store?: object;
  /** Cookie attributes, or a function of the request that returns them. */
  cookie?: CookieOptions | ((req: IncomingMessage) => CookieOptions);
  /** Makes a session ID. Default 24 random bytes, base64url (32 characters), as express-session. */
  genid?: (req: IncomingMessage) => string;
  /** Trust `X-Forwarded-Proto` for `secure` cookies: true, false, or unset (use Express's `req.secure`). */
  proxy?: boolean;
  /** Write an unmodified session back on every request. Default true (set it: false is what you want). */
  resave?: boolean;
  /** Re-send the cookie (restarting `maxAge`) on every response. Default false. */
  rolling?: boolean;
  /** Store new sessions nobody wrote to. Default true (set it: false is what you want). */
  saveUninitialized?: boolean;
  /** What `delete req.session` / `req.session = null` does: `'keep'` (default) or `'destroy'` the record. */
  unset?: 'keep' | 'destroy';
  /** Cloakroom's addition: longest wait for one store call in ms before the request gets a 503. Default 1000. */
  storeTimeout?: number;
}

/**
 * The connect-style middleware `session()` returns (Express, Connect, or a bare node:http chain).
 *
 * @example
 * const middleware: SessionMiddleware = session(options);
 * app.use(middleware);
 */
export type SessionMiddleware = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

const NO_HEADERS: CommitResult = { setCookie: undefined, vary: false };

/**
 * express-session's middleware, on cloakroom: same options, same `req.session` API, same
 * signed cookie, the store driven through the same calls, so switching is one import. Commits
 * before the response's headers go out, so a redirect's target always sees the save
 * (express-session #360), and a store that hangs costs a 503 after `storeTimeout`, not a hang.
 *
 * @example
 * import session from 'cloakroom/express-session';
 * app.use(session({ secret: process.env.SESSION_SECRET!, resave: false, saveUninitialized: false }));
 * app.get('/', (req, res) => { req.session.views = (req.session.views ?? 0) + 1; res.send(`${req.session.views}`); });
 */
export function session(options?: SessionOptions): SessionMiddleware {
  const opts = options ?? {};
  const generateId = opts.genid ?? defaultId;
  const name = opts.name || opts.key || 'connect.sid';
  const store = opts.store ?? new MemoryStore();
  // express-session's checks, in its order, with its messages.
  if (typeof generateId !== 'function') throw new TypeError('genid option must be a function');
  if (opts.resave === undefined || opts.saveUninitialized === undefined) {
    process.emitWarning('cloakroom/express-session: set resave and saveUninitialized explicitly (both default to true, as in express-session).', {
      code: 'CLOAKROOM_SESSION_DEFAULTS',
    });
  }
  if (opts.unset && opts.unset !== 'destroy' && opts.unset !== 'keep') throw new TypeError('unset option must be "destroy" or "keep"');
  const signer = signerForOption(opts.secret);
  const settings: Settings = {
    name,
    cookieOptions: opts.cookie ?? {},
    generateId,
    trustProxy: opts.proxy,
    resave: opts.resave ?? true,
    rolling: Boolean(opts.rolling),
    saveUninitialized: opts.saveUninitialized ?? true,
    unsetDestroy: opts.unset === 'destroy',
    store,
    backend: backendFor(store, opts.storeTimeout ?? 1000),
  };
  const fromRequest = new RequestSecretSigners();

  return function sessionMiddleware(incoming, res, next) {
    const req = incoming as SessionRequest;
    if (req.session) {
      next(); // another session middleware already ran
      return;
    }
    // Outside the cookie's path the browser would not send the cookie back: no session at all.
    const cookieOptions = resolveCookieOptions(settings, req);
    if (!originalPathname(req).startsWith(cookieOptions.path || '/')) {
      next();
      return;
    }
    const requestSigner = signer ?? fromRequest.for((req as { secret?: unknown }).secret);
    if (!requestSigner) {
      next(new Error('secret option required for sessions'));
      return;
    }
    const lifecycle = new RequestSession(settings, req, requestSigner);
    commitBeforeHeaders(res, (status) => lifecycle.commit(status));
    let started: Maybe<void>;
    try {
      started = lifecycle.start();
    } catch (err) {
      next(loadError(err));
      return;
    }
    // A failed load goes to next(err), as in express-session, so the app's error middleware
    // answers it; the error's `status` is 503, which Express's default handler sends.
    if (started instanceof Promise) started.then(() => next(), (err: unknown) => next(loadError(err)));
    else next();
  };
}

/**
 * A store failure as `next(err)` gets it: a SessionError whose `status` is 503, `cause` the
 * store's own error, and `headers` a Retry-After, which Express's default handler sends.
 */
function loadError(err: unknown): unknown {
  if (err instanceof SessionError && err.status === 503 && !('headers' in err)) {
    Object.defineProperty(err, 'headers', { value: { 'Retry-After': '1' }, enumerable: false });
  }
  return err;
}

interface Settings {
  name: string;
  cookieOptions: NonNullable<SessionOptions['cookie']>;
  generateId: (req: IncomingMessage) => string;
  trustProxy: boolean | undefined;
  resave: boolean;
  rolling: boolean;
  saveUninitialized: boolean;
  unsetDestroy: boolean;
  store: object;
  backend: SessionBackend;
}

/**
 * One request's session: express-session's decisions (save, touch, set the cookie), taken
 * with its rules (`shouldSave`, `shouldTouch`, `shouldSetCookie`), run once, before the
 * headers are written.
 */
class RequestSession implements SessionController {
  readonly #settings: Settings;
  readonly #req: SessionRequest;
  readonly #signer: SessionIdSigner;
  /** The ID the request's cookie carried (signature verified), if any. */
  readonly #cookieId: string | undefined;
  #originalId: string | undefined;
  /** The data's JSON (cookie excluded) as generated or loaded: "modified" compares with this. */
  #originalJson = '';
  /** The data's JSON as last saved (or as loaded, unless `resave`): "saved" compares with this. */
  #savedJson: string | undefined;
  /** An explicit `save()` still waiting for the store: the commit waits for it. */
  #pendingSave: Promise<unknown> | null = null;
  /** What a cloakroom store holds, as this request knows it: the base its writes diff against. */
  #stored: { sid: string; snapshot: Snapshot } | null = null;
  /** False until the session is loaded: a response sent for a failed load commits nothing. */
  #started = false;

  constructor(settings: Settings, req: SessionRequest, signer: SessionIdSigner) {
    this.#settings = settings;
    this.#req = req;
    this.#signer = signer;
    req.sessionStore = settings.store;
    req[CONTROLLER] = this;
    (req as { [GENERATE]?: (req: SessionRequest) => void })[GENERATE] = () => this.#generate();
    this.#cookieId = req.sessionID = readSessionId(req, settings.name, signer);
  }

  start(): Maybe<void> {
    const sid = this.#cookieId;
    if (!sid) {
      this.#generate();
      this.#begin(false);
      return;
    }
    return andThen(this.#settings.backend.get(sid), (found) => {
      const stored = found && !hasExpired(found) ? found : null;
      if (stored) this.#inflate(sid, stored);
      else this.#generate();
      this.#begin(stored !== null);
    });
  }

  #begin(loaded: boolean): void {
    this.#originalId = this.#req.sessionID;
    this.#originalJson = dataJson(this.#req.session!);
    if (loaded && !this.#settings.resave) this.#savedJson = this.#originalJson;
    this.#started = true;
  }

  // ---- what the session's methods call ---------------------------------------------

  regenerate(callback: SessionCallback): void {
    const sid = this.#req.sessionID;
    settle(this.#settings.backend.destroy(sid as string), (err) => {
      this.#generate();
      callback(err);
    });
  }

  destroy(session: Session, callback: SessionCallback): void {
    delete this.#req.session;
    settle(this.#settings.backend.destroy(session.id), callback);
  }

  reload(session: Session, callback: SessionCallback): void {
    settle(this.#settings.backend.get(session.id), (err, stored) => {
      if (err) return callback(err);
      if (!stored) return callback(new Error('failed to load session'));
      this.#inflate(session.id, stored);
      callback();
    });
  }

  save(session: Session, callback: SessionCallback): void {
    // As express-session: the session counts as saved from the call, so the end of the request
    // writes it again only if it changes after this. Unlike express-session, the response waits
    // for this write, and if it fails the end of the request tries again.
    const before = this.#savedJson;
    const json = dataJson(session);
    this.#savedJson = json;
    let written: Maybe<void>;
    try {
      written = this.#write(session);
    } catch (err) {
      this.#savedJson = before;
      callback(err);
      return;
    }
    if (!(written instanceof Promise)) {
      callback();
      return;
    }
    const pending = written.then(
      () => callback(),
      (err: unknown) => {
        if (this.#savedJson === json) this.#savedJson = before;
        callback(err);
      },
    );
    this.#pendingSave = pending;
    void pending.finally(() => {
      if (this.#pendingSave === pending) this.#pendingSave = null;
    });
  }

  // ---- the commit -------------------------------------------------------------------

  commit(status: number): Maybe<CommitResult> {
    if (!this.#started) return NO_HEADERS;
    const pending = this.#pendingSave;
    if (pending) return pending.then(() => this.#decide(status));
    return this.#decide(status);
  }

  #decide(status: number): Maybe<CommitResult> {
    const req = this.#req;
    const session = req.session;
    const sid = req.sessionID;
    const { backend } = this.#settings;
    if (!session) {
      if (this.#settings.unsetDestroy && sid) return andThen(backend.destroy(sid), () => NO_HEADERS);
      return NO_HEADERS;
    }
    // A failed response saves nothing (Django's rule, and cloakroom's): a handler that threw
    // halfway must not leave half its writes behind.
    if (status >= 500 || typeof sid !== 'string') return NO_HEADERS;

    session.touch();
    const json = dataJson(session);
    const setCookie = this.#shouldSetCookie(session, sid, json);
    let work: Maybe<unknown> = undefined;
    if (this.#shouldSave(session, sid, json)) work = this.#write(session);
    else if (backend.supportsTouch && this.#cookieId === sid) work = backend.touch(sid, session);
    return andThen(work, () => {
      // Only send secure cookies over HTTPS (the session is still saved).
      if (!setCookie || (session.cookie.secure && !isSecure(req, this.#settings.trustProxy))) return NO_HEADERS;
      return { setCookie: session.cookie.serialize(this.#settings.name, this.#signer.sign(sid)), vary: false };
    });
  }

  // ---- internals --------------------------------------------------------------------

  #generate(): void {
    const req = this.#req;
    req.sessionID = this.#settings.generateId(req);
    const options = resolveCookieOptions(this.#settings, req);
    const session = new Session(req);
    session.cookie = new Cookie(options);
    const secure = isSecure(req, this.#settings.trustProxy);
    if (options.secure === 'auto') session.cookie.secure = secure;
    if (options.sameSite === 'auto') session.cookie.sameSite = secure ? 'none' : 'lax';
    req.session = session;
  }

  #inflate(sid: string, stored: StoredSessionData): void {
    this.#req.sessionID = sid;
    const session = inflateSession(this.#req, stored);
    this.#req.session = session;
    if (this.#settings.backend.wantsSnapshots) this.#stored = { sid, snapshot: snapshotOf(session) };
  }

  #write(session: Session): Maybe<void> {
    const sid = session.id;
    const { backend } = this.#settings;
    if (!backend.wantsSnapshots) return andThen(backend.save(sid, session, null, null), () => undefined);
    const snapshot = snapshotOf(session);
    const stored = this.#stored?.sid === sid ? this.#stored.snapshot : null;
    return andThen(backend.save(sid, session, snapshot, stored), () => {
      this.#stored = { sid, snapshot };
    });
  }

  #isModified(session: Session, json: string): boolean {
    return this.#originalId !== session.id || this.#originalJson !== json;
  }

  #isSaved(session: Session, json: string): boolean {
    return this.#originalId === session.id && this.#savedJson === json;
  }

  #shouldSave(session: Session, sid: string, json: string): boolean {
    // An uninitialized new session is saved only when something was written to it.
    if (!this.#settings.saveUninitialized && this.#savedJson === undefined && this.#cookieId !== sid) return this.#isModified(session, json);
    return !this.#isSaved(session, json);
  }

  #shouldSetCookie(session: Session, sid: string, json: string): boolean {
    if (this.#cookieId !== sid) return this.#settings.saveUninitialized || this.#isModified(session, json);
    return this.#settings.rolling || (session.cookie.expires != null && this.#isModified(session, json));
  }
}

/**
 * True when a stored session's cookie expired. express-session leaves expiry to the store, and
 * not every store checks it on read (memcached's TTL is in whole seconds, some SQL stores only
 * sweep): the drop-in never adopts a session past its own expiry, as cloakroom's core does.
 */
function hasExpired(stored: StoredSessionData): boolean {
  const expires = (stored.cookie as { expires?: unknown } | undefined)?.expires;
  if (expires === undefined || expires === null) return false;
  const at = expires instanceof Date ? expires.getTime() : typeof expires === 'string' ? Date.parse(expires) : NaN;
  return Number.isFinite(at) && at <= Date.now();
}

/** Calls `callback` with a maybe-value's outcome: at once when it is not a promise. */
function settle<T>(value: (() => Maybe<T>) | Maybe<T>, callback: (err: unknown, value?: T) => void): void {
  let result: Maybe<T>;
  try {
    result = typeof value === 'function' ? (value as () => Maybe<T>)() : value;
  } catch (err) {
    callback(err);
    return;
  }
  if (result instanceof Promise) result.then((v) => callback(undefined, v), (err: unknown) => callback(err ?? new Error('store failed')));
  else callback(undefined, result);
}

/**
 * The session's data as JSON text with the top-level `cookie` left out: what express-session
 * hashes to tell a modified or saved session. Compared as text, no hash needed.
 */
function dataJson(session: Session): string {
  let out = '';
  for (const key of Object.keys(session)) {
    if (key === 'cookie') continue;
    const json = JSON.stringify(session[key]);
    if (json !== undefined) out += `${JSON.stringify(key)}:${json},`;
  }
  return out;
}

/**
 * The signer for the `secret` option, or null when it is unset (the request's `req.secret` is
 * used then). express-session's checks and messages; Buffers sign with their bytes.
 */
function signerForOption(secret: SessionOptions['secret']): SessionIdSigner | null {
  if (Array.isArray(secret) && secret.length === 0) throw new TypeError('secret option array must contain one or more strings');
  if (!secret) {
    process.emitWarning('cloakroom/express-session: no secret option; using req.secret (cookie-parser) per request. Provide the secret option.', {
      code: 'CLOAKROOM_SESSION_REQ_SECRET',
    });
    return null;
  }
  const list = (Array.isArray(secret) ? secret : [secret]) as unknown[];
  if (!list.every(isSecretValue)) throw new TypeError('secret option must be a non-empty string or Buffer, or an array of them');
  return new SessionIdSigner(list as (string | Buffer)[]);
}

function isSecretValue(value: unknown): value is string | Buffer {
  return (typeof value === 'string' || Buffer.isBuffer(value)) && value.length > 0;
}

/** Signers for cookie-parser's `req.secret`, made once per secret (an app has one). */
class RequestSecretSigners {
  #secret: unknown;
  #signer: SessionIdSigner | null = null;

  for(secret: unknown): SessionIdSigner | null {
    if (!isSecretValue(secret)) return null;
    if (secret !== this.#secret || !this.#signer) {
      this.#signer = new SessionIdSigner([secret]);
      this.#secret = secret;
    }
    return this.#signer;
  }
}

function resolveCookieOptions(settings: Settings, req: IncomingMessage): CookieOptions {
  const options = typeof settings.cookieOptions === 'function' ? settings.cookieOptions(req) : settings.cookieOptions;
  return options ?? {};
}

/** The request path before any router rewrote `req.url` (Express keeps it in `originalUrl`). */
function originalPathname(req: IncomingMessage): string {
  const url = (req as { originalUrl?: string }).originalUrl ?? req.url ?? '/';
  const end = url.search(/[?#]/);
  return (end === -1 ? url : url.slice(0, end)) || '/';
}

/**
 * The verified session ID, read as express-session reads it: the Cookie header first, then
 * cookie-parser's `req.signedCookies` and `req.cookies` when it ran first. Never throws.
 */
function readSessionId(req: SessionRequest, name: string, signer: SessionIdSigner): string | undefined {
  // No bound on the value beyond the header's own: a custom genid may make IDs longer than cloakroom's.
  const raw = readCookie(req.headers.cookie, name, Infinity);
  let id = raw === undefined ? undefined : signer.unsign(raw);
  if (id) return id;
  const parsed = req as { signedCookies?: Record<string, unknown>; cookies?: Record<string, unknown> };
  const signed = parsed.signedCookies?.[name];
  if (typeof signed === 'string' && signed) return signed;
  const plain = parsed.cookies?.[name];
  if (typeof plain === 'string') id = signer.unsign(plain);
  return id || undefined;
}

/** express-session's rule: TLS socket; else with `proxy: true` the first X-Forwarded-Proto; else Express's `req.secure`. */
function isSecure(req: SessionRequest, trustProxy: boolean | undefined): boolean {
  if ((req.socket as { encrypted?: boolean } | undefined)?.encrypted) return true;
  if (trustProxy === false) return false;
  if (trustProxy !== true) return req.secure === true;
  const header = req.headers['x-forwarded-proto'];
  const first = ((Array.isArray(header) ? header[0] : header) ?? '').split(',')[0]!;
  return first.trim().toLowerCase() === 'https';
}

function defaultId(): string {
  return randomBytes(24).toString('base64url');
}
