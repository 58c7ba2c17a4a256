import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { commitBeforeHeaders, sendSessionError } from '../adapters/node-response.js';
import { readCookie } from '../core/cookie.js';
import type { CommitResult } from '../core/manager.js';
import { secretsProblem } from '../core/secrets.js';
import { backendFor, snapshotOf, type SessionBackend, type Snapshot } from './backend.js';
import { Cookie, type CookieOptions } from './cookie.js';
import { MemoryStore } from './memory.js';
import { CONTROLLER, Session, type SessionCallback, type SessionController, type SessionRequest } from './session.js';
import { SessionIdSigner } from './signature.js';
import { inflateSession, type StoredSessionData } from './store.js';

/**
 * express-session 1.x's options, same names, same defaults.
 *
 * @example
 * const options: SessionOptions = { secret: ['new', 'old'], resave: false, saveUninitialized: false, cookie: { maxAge: 86_400_000 } };
 */
export interface SessionOptions {
  /** Signs the ID cookie; an array rotates secrets (the first signs, all verify). Required. */
  secret: string | readonly string[];
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
 * signed cookie, so switching is one import. Commits before the response's headers go out,
 * so a redirect's target always sees the save (express-session #360).
 *
 * @example
 * import session from 'cloakroom/express-session';
 * app.use(session({ secret: process.env.SESSION_SECRET!, resave: false, saveUninitialized: false }));
 * app.get('/', (req, res) => { req.session.views = (req.session.views ?? 0) + 1; res.send(`${req.session.views}`); });
 */
export function session(options: SessionOptions): SessionMiddleware {
  const opts = options ?? ({} as SessionOptions);
  const cookieOptions = opts.cookie ?? {};
  const generateId = opts.genid ?? defaultId;
  const name = opts.name ?? opts.key ?? 'connect.sid';
  const store = opts.store ?? new MemoryStore();
  const secrets = checkSecrets(opts.secret);
  if (typeof generateId !== 'function') throw new TypeError('genid option must be a function');
  if (opts.unset !== undefined && opts.unset !== 'keep' && opts.unset !== 'destroy') {
    throw new TypeError('unset option must be "destroy" or "keep"');
  }
  if (opts.resave === undefined || opts.saveUninitialized === undefined) {
    process.emitWarning('cloakroom/express-session: set resave and saveUninitialized explicitly (both default to true, as in express-session).', {
      code: 'CLOAKROOM_SESSION_DEFAULTS',
    });
  }
  const settings: Settings = {
    name,
    signer: new SessionIdSigner(secrets),
    cookieOptions,
    generateId,
    trustProxy: opts.proxy,
    resave: opts.resave ?? true,
    rolling: Boolean(opts.rolling),
    saveUninitialized: opts.saveUninitialized ?? true,
    unsetDestroy: opts.unset === 'destroy',
    store,
    backend: backendFor(store, opts.storeTimeout ?? 1000),
  };

  return function sessionMiddleware(incoming, res, next) {
    const req = incoming as SessionRequest;
    if (req.session) {
      next(); // another session middleware already ran
      return;
    }
    // Outside the cookie's path the browser would not send the cookie back: no session at all.
    const path = originalPathname(req);
    if (!path.startsWith(resolveCookieOptions(settings, req).path ?? '/')) {
      next();
      return;
    }
    const lifecycle = new RequestSession(settings, req);
    commitBeforeHeaders(res, (status) => lifecycle.commit(status));
    lifecycle.start().then(
      () => next(),
      // The same bounded answer as every cloakroom adapter (503 + Retry-After, no internals),
      // where express-session would hand the store's error to next().
      (err: unknown) => sendSessionError(res, err),
    );
  };
}

interface Settings {
  name: string;
  signer: SessionIdSigner;
  cookieOptions: SessionOptions['cookie'] & object;
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
 * One request's session: express-session's decisions (save, touch, set the cookie) in one
 * place, run once, before the headers are written.
 */
class RequestSession implements SessionController {
  readonly #settings: Settings;
  readonly #req: SessionRequest;
  /** The ID the request's cookie carried (signature verified), if any. */
  readonly #cookieId: string | undefined;
  #originalId: string | undefined;
  /** The data (cookie excluded) as generated or loaded: "modified" compares with this. */
  #original: Snapshot = new Map();
  /** The data as last saved in this request (or as loaded, unless `resave`): "saved" compares with this. */
  #saved: Snapshot | undefined;
  /** What the store holds, as this request knows it: the base cloakroom stores diff against. */
  #stored: { sid: string; snapshot: Snapshot } | null = null;
  /** False until the session is loaded: a response sent for a failed load commits nothing. */
  #started = false;

  constructor(settings: Settings, req: SessionRequest) {
    this.#settings = settings;
    this.#req = req;
    req.sessionStore = settings.store;
    req[CONTROLLER] = this;
    this.#cookieId = req.sessionID = readSessionId(req.headers.cookie, settings.name, settings.signer);
  }

  async start(): Promise<void> {
    const sid = this.#cookieId;
    const stored = sid === undefined ? null : await this.#settings.backend.get(sid);
    if (sid !== undefined && stored) this.#inflate(sid, stored);
    else this.#generate();
    this.#originalId = this.#req.sessionID;
    this.#original = dataOf(this.#req.session!);
    if (stored && !this.#settings.resave) this.#saved = this.#original;
    this.#started = true;
  }

  // ---- what the session's methods call ---------------------------------------------

  regenerate(callback: SessionCallback): void {
    const sid = this.#req.sessionID;
    const destroyed = typeof sid === 'string' ? this.#settings.backend.destroy(sid) : Promise.resolve();
    destroyed.then(
      () => {
        this.#generate();
        callback();
      },
      (err: unknown) => {
        this.#generate();
        callback(err);
      },
    );
  }

  destroy(session: Session, callback: SessionCallback): void {
    delete this.#req.session;
    this.#settings.backend.destroy(session.id).then(() => callback(), callback);
  }

  reload(session: Session, callback: SessionCallback): void {
    this.#settings.backend.get(session.id).then((stored) => {
      if (!stored) return callback(new Error('failed to load session'));
      this.#inflate(session.id, stored);
      callback();
    }, callback);
  }

  save(session: Session, callback: SessionCallback): void {
    this.#write(session).then(() => callback(), callback);
  }

  // ---- the commit -------------------------------------------------------------------

  async commit(status: number): Promise<CommitResult> {
    const req = this.#req;
    const session = req.session;
    const sid = req.sessionID;
    const { backend } = this.#settings;
    if (!this.#started) return NO_HEADERS;
    if (!session) {
      if (this.#settings.unsetDestroy && typeof sid === 'string' && sid.length > 0) await backend.destroy(sid);
      return NO_HEADERS;
    }
    // A failed response saves nothing (Django's rule, and cloakroom's): a handler that threw
    // halfway must not leave half its writes behind.
    if (status >= 500 || typeof sid !== 'string') return NO_HEADERS;

    session.touch();
    const setCookie = this.#shouldSetCookie(session, sid);
    if (this.#shouldSave(session, sid)) await this.#write(session);
    else if (backend.supportsTouch && this.#cookieId === sid) await backend.touch(sid, session);

    // Only send secure cookies over HTTPS (the session is still saved).
    if (!setCookie || (session.cookie.secure === true && !isSecure(req, this.#settings.trustProxy))) return NO_HEADERS;
    return { setCookie: session.cookie.serialize(this.#settings.name, this.#settings.signer.sign(sid)), vary: false };
  }

  // ---- internals --------------------------------------------------------------------

  #generate(): void {
    const req = this.#req;
    const id = this.#settings.generateId(req);
    req.sessionID = id;
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
    this.#stored = { sid, snapshot: snapshotOf(session) };
  }

  async #write(session: Session): Promise<void> {
    const sid = session.id;
    const snapshot = snapshotOf(session);
    const stored = this.#stored?.sid === sid ? this.#stored.snapshot : null;
    await this.#settings.backend.save(sid, session, snapshot, stored);
    this.#stored = { sid, snapshot };
    // A session regenerated mid-request is judged by its own ID, like express-session's savedHash.
    if (sid === this.#originalId) this.#saved = dropCookie(snapshot);
  }

  #isModified(session: Session): boolean {
    return this.#originalId !== session.id || !sameData(this.#original, dataOf(session));
  }

  #isSaved(session: Session): boolean {
    return this.#originalId === session.id && this.#saved !== undefined && sameData(this.#saved, dataOf(session));
  }

  #shouldSave(session: Session, sid: string): boolean {
    // An uninitialized new session is saved only when something was written to it.
    if (!this.#settings.saveUninitialized && this.#saved === undefined && this.#cookieId !== sid) return this.#isModified(session);
    return !this.#isSaved(session);
  }

  #shouldSetCookie(session: Session, sid: string): boolean {
    if (this.#cookieId !== sid) return this.#settings.saveUninitialized || this.#isModified(session);
    return this.#settings.rolling || (session.cookie.expires != null && this.#isModified(session));
  }
}

function dataOf(session: Session): Snapshot {
  return dropCookie(snapshotOf(session));
}

function dropCookie(snapshot: Snapshot): Snapshot {
  const out = new Map(snapshot);
  out.delete('cookie');
  return out;
}

function sameData(a: Snapshot, b: Snapshot): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}

function checkSecrets(secret: unknown): readonly string[] {
  const list: unknown[] = Array.isArray(secret) ? secret : secret === undefined || secret === null || secret === '' ? [] : [secret];
  // express-session's own rule (any non-empty string) and its TypeErrors, on the core's check.
  switch (secretsProblem(list, 1)) {
    case 'missing':
      throw new TypeError('secret option required for sessions (a string, or an array of strings, newest first)');
    case 'weak':
      throw new TypeError('secret option must be a non-empty string or an array of them');
    default:
      return list as string[];
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

/** The verified session ID in the Cookie header, or undefined. Bounded; never throws. */
function readSessionId(header: string | undefined, name: string, signer: SessionIdSigner): string | undefined {
  // No bound on the value beyond the header's own: a custom genid may make IDs longer than cloakroom's.
  const raw = readCookie(header, name, Infinity);
  return raw === undefined ? undefined : signer.unsign(raw);
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
