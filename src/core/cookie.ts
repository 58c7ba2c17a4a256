import { parse, serialize, type SerializeOptions } from 'cookie';
import { SessionError } from './errors.js';

/**
 * Cookie attributes for the session cookie. Defaults follow Django and DESIGN.md.
 *
 * @example
 * new SessionManager({ store, secrets, cookie: { secure: true, sameSite: 'strict', maxAge: 8 * 3600 } });
 */
export interface CookieOptions {
  /** Default `sessionid` (Django's name). */
  name?: string;
  /** Lifetime in seconds; default 1,209,600 (two weeks). */
  maxAge?: number;
  path?: string;
  domain?: string;
  /** Default false; set true behind HTTPS (RFC 6265 §4.1.2.5). */
  secure?: boolean;
  /** Default true: scripts cannot read the ticket (RFC 6265 §4.1.2.6). */
  httpOnly?: boolean;
  /** Default `lax`: sent on top-level navigations, not on cross-site subrequests. */
  sameSite?: 'lax' | 'strict' | 'none';
  partitioned?: boolean;
  priority?: 'low' | 'medium' | 'high';
}

/**
 * CookieOptions with every default applied (what `SessionManager#cookie` holds).
 *
 * @example
 * sessions.cookie.maxAge; // 1209600 unless configured
 */
export type ResolvedCookieOptions = Required<Pick<CookieOptions, 'name' | 'maxAge' | 'path' | 'secure' | 'httpOnly' | 'sameSite'>> &
  Pick<CookieOptions, 'domain' | 'partitioned' | 'priority'>;

/**
 * The session cookie's default name (Django's).
 *
 * @example
 * req.headers.cookie?.includes(`${DEFAULT_COOKIE_NAME}=`);
 */
export const DEFAULT_COOKIE_NAME = 'sessionid';
/**
 * The default session lifetime in seconds: two weeks, as Django.
 *
 * @example
 * new SessionManager({ store, secrets, cookie: { maxAge: DEFAULT_MAX_AGE / 2 } }); // one week
 */
export const DEFAULT_MAX_AGE = 1_209_600;

/** Longest Cookie header we parse at all; Node itself caps all headers at 16 KiB. */
const MAX_COOKIE_HEADER = 8192;
/** Longest session cookie value we look at (ours are 76 characters); longer is not ours. */
const MAX_VALUE_LENGTH = 256;
/** RFC 6265 §4.1.1 cookie-name token characters. */
const NAME_PATTERN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

export function resolveCookieOptions(options: CookieOptions = {}): ResolvedCookieOptions {
  const name = options.name ?? DEFAULT_COOKIE_NAME;
  if (!NAME_PATTERN.test(name)) throw new SessionError('ERR_SESSION_CONFIG', `Invalid cookie name: ${JSON.stringify(name)} (RFC 6265 token characters only).`);
  const maxAge = options.maxAge ?? DEFAULT_MAX_AGE;
  if (!Number.isFinite(maxAge) || maxAge <= 0) throw new SessionError('ERR_SESSION_CONFIG', 'cookie.maxAge must be a positive number of seconds.');
  const sameSite = options.sameSite ?? 'lax';
  const secure = options.secure ?? false;
  if (sameSite === 'none' && !secure) {
    // Browsers drop SameSite=None cookies without Secure; fail at startup rather than silently.
    throw new SessionError('ERR_SESSION_CONFIG', 'cookie.sameSite "none" requires cookie.secure: true.');
  }
  return {
    name,
    maxAge,
    path: options.path ?? '/',
    domain: options.domain,
    secure,
    httpOnly: options.httpOnly ?? true,
    sameSite,
    partitioned: options.partitioned,
    priority: options.priority,
  };
}

/**
 * The raw value of cookie `name` in a Cookie header, or undefined. Bounded: oversized
 * headers and values are ignored, never parsed at length. Never throws.
 */
export function readCookie(header: string | undefined | null, name: string, maxLength = MAX_VALUE_LENGTH): string | undefined {
  if (!header || header.length > MAX_COOKIE_HEADER) return undefined;
  // Most requests without our cookie skip the parse entirely.
  if (!header.includes(name)) return undefined;
  let value: string | undefined;
  try {
    value = parse(header)[name];
  } catch {
    return undefined;
  }
  if (value === undefined || value.length === 0 || value.length > maxLength) return undefined;
  return value;
}

function attributes(options: ResolvedCookieOptions): SerializeOptions {
  return {
    path: options.path,
    domain: options.domain,
    secure: options.secure,
    httpOnly: options.httpOnly,
    sameSite: options.sameSite,
    partitioned: options.partitioned,
    priority: options.priority,
  };
}

/**
 * Characters our cookie values use (base64url and the dots between parts, and the colons of
 * Django's signed values, which Django sends unencoded): all RFC 6265 cookie-octets, nothing to encode.
 */
const SAFE_VALUE = /^[A-Za-z0-9._~:-]*$/;
const templates = new WeakMap<ResolvedCookieOptions, { domain: string; rest: string }>();

/**
 * `Set-Cookie` for a session value; `expiresAt` undefined means a browser-session cookie.
 *
 * Written on every save, so it is assembled from attributes the `cookie` library rendered once
 * per options object (the profile of the write path showed its per-call `serialize` as the
 * largest single cost). Attribute order and spelling are the library's own; a value that would
 * need encoding still goes through the library.
 */
export function sessionCookie(options: ResolvedCookieOptions, value: string, expiresAt: number | undefined, now: number): string {
  if (!SAFE_VALUE.test(value)) return librarySessionCookie(options, value, expiresAt, now);
  let t = templates.get(options);
  if (t === undefined) {
    // serialize() orders Max-Age, Domain, Path, Expires, then the flags: split around Expires.
    const rendered = serialize(options.name, '', { ...attributes(options), expires: new Date(0) });
    const at = rendered.indexOf('; Expires=');
    const end = rendered.indexOf(';', at + 2);
    const head = rendered.slice(options.name.length + 1, at); // "; Domain=…; Path=/"
    t = { domain: head, rest: end === -1 ? '' : rendered.slice(end) };
    templates.set(options, t);
  }
  if (expiresAt === undefined) return `${options.name}=${value}${t.domain}${t.rest}`;
  // Both, like Django: Max-Age wins where supported (RFC 6265 §5.3 step 3), Expires for old agents.
  const maxAge = Math.max(0, Math.round((expiresAt - now) / 1000));
  return `${options.name}=${value}; Max-Age=${maxAge}${t.domain}; Expires=${httpDate(expiresAt)}${t.rest}`;
}

function librarySessionCookie(options: ResolvedCookieOptions, value: string, expiresAt: number | undefined, now: number): string {
  const attrs = attributes(options);
  if (expiresAt !== undefined) {
    attrs.maxAge = Math.max(0, Math.round((expiresAt - now) / 1000));
    attrs.expires = new Date(expiresAt);
  }
  return serialize(options.name, value, attrs);
}

// NaN, not -1: -1 is a real second (the last one before 1970), whose date would have read as ''.
let lastSecond = Number.NaN;
let lastDate = '';
/** RFC 7231 IMF-fixdate, remembered for the current second (most saves share one). */
function httpDate(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== lastSecond) {
    lastSecond = second;
    lastDate = new Date(second * 1000).toUTCString();
  }
  return lastDate;
}

/** `Set-Cookie` that deletes the session cookie: same Path/Domain/SameSite, `Max-Age=0`. */
export function deletionCookie(options: ResolvedCookieOptions): string {
  return serialize(options.name, '', { ...attributes(options), maxAge: 0, expires: new Date(0) });
}
