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

/**
 * Longest Cookie header we look into: Node's own limit for all of a request's headers
 * (`--max-http-header-size`, 16 KiB by default). A shorter cap of ours would let anyone who can
 * set cookies on a parent domain push the header past it and sign users out silently; a header
 * Node accepts is searched, in one linear pass, never parsed into a map.
 */
export const MAX_COOKIE_HEADER = 16_384;
/** Longest session cookie value we look at (ours are 76 characters); longer is not ours. */
const MAX_VALUE_LENGTH = 256;
/**
 * The longest life a cookie can have, in seconds: browsers cap Max-Age and Expires at 400 days
 * (RFC 6265bis §5.5/§5.6), so a longer one would only outlive its cookie, and far beyond it the
 * date is no longer representable (`Max-Age=NaN`).
 *
 * @example
 * session.setExpiry(Math.min(requested, MAX_COOKIE_AGE));
 */
export const MAX_COOKIE_AGE = 400 * 24 * 3600;
/** RFC 6265 §4.1.1 cookie-name token characters. */
const NAME_PATTERN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** RFC 6265 §4.1.1 path-value / domain: printable ASCII except `;` (it would end the attribute and start another). */
const ATTRIBUTE_PATTERN = /^[\u0020-\u003A\u003C-\u007E]+$/;

function configError(message: string): SessionError {
  return new SessionError('ERR_SESSION_CONFIG', message);
}

/**
 * Cookie options with their defaults, checked once at startup: whatever a browser would drop or
 * misread (a `__Host-` name without Secure, a `;` in a path, SameSite=None without Secure, a
 * life outside 0 < maxAge ≤ 400 days) throws `ERR_SESSION_CONFIG` here, never on a request.
 *
 * @example
 * resolveCookieOptions({ name: '__Host-sid', secure: true }); // ok; without secure: throws
 */
export function resolveCookieOptions(options: CookieOptions = {}): ResolvedCookieOptions {
  const name = options.name ?? DEFAULT_COOKIE_NAME;
  if (typeof name !== 'string' || !NAME_PATTERN.test(name)) throw configError(`Invalid cookie name: ${JSON.stringify(name)} (RFC 6265 token characters only).`);
  const maxAge = options.maxAge ?? DEFAULT_MAX_AGE;
  if (typeof maxAge !== 'number' || !Number.isFinite(maxAge) || maxAge <= 0 || maxAge > MAX_COOKIE_AGE) {
    throw configError(`cookie.maxAge must be a number of seconds above 0 and at most ${MAX_COOKIE_AGE} (400 days, the browsers' cap); got ${String(maxAge)}.`);
  }
  const sameSite = options.sameSite ?? 'lax';
  const secure = options.secure ?? false;
  const path = options.path ?? '/';
  const domain = options.domain;
  if (sameSite === 'none' && !secure) {
    // Browsers drop SameSite=None cookies without Secure; fail at startup rather than silently.
    throw configError('cookie.sameSite "none" requires cookie.secure: true.');
  }
  if (typeof path !== 'string' || !path.startsWith('/') || !ATTRIBUTE_PATTERN.test(path)) {
    throw configError(`cookie.path must start with "/" and hold printable ASCII without ";"; got ${JSON.stringify(path)}.`);
  }
  if (domain !== undefined && (typeof domain !== 'string' || !ATTRIBUTE_PATTERN.test(domain) || /[\s,]/.test(domain))) {
    throw configError(`cookie.domain must be a host name without ";", spaces or commas; got ${JSON.stringify(domain)}.`);
  }
  // Cookie prefixes (RFC 6265bis §4.1.3): a browser silently refuses a prefixed cookie that
  // breaks its rule, so every login would quietly fail.
  if (name.startsWith('__Host-') && (!secure || domain !== undefined || path !== '/')) {
    throw configError(`A "__Host-" cookie needs cookie.secure: true, no cookie.domain and cookie.path "/" (browsers refuse it otherwise).`);
  }
  if (name.startsWith('__Secure-') && !secure) {
    throw configError('A "__Secure-" cookie needs cookie.secure: true (browsers refuse it otherwise).');
  }
  return {
    name,
    maxAge,
    path,
    domain,
    secure,
    httpOnly: options.httpOnly ?? true,
    sameSite,
    partitioned: options.partitioned,
    priority: options.priority,
  };
}

/**
 * The raw value of cookie `name` in a Cookie header, or undefined. Bounded: a header longer
 * than Node accepts is ignored, the header is searched in one pass for the first `name=` pair
 * (RFC 6265 §5.4: the first of duplicates counts) without building a map of every cookie, and
 * a value longer than `maxLength` is dropped before anything decodes it. Never throws.
 *
 * @example
 * readCookie('theme=dark; sessionid=abc.def', 'sessionid'); // 'abc.def'
 */
export function readCookie(header: string | undefined | null, name: string, maxLength = MAX_VALUE_LENGTH): string | undefined {
  if (!header || header.length > MAX_COOKIE_HEADER) return undefined;
  const raw = rawCookieValue(header, name);
  // The cap applies to the raw text: nothing is decoded at length.
  if (raw === undefined || raw.length === 0 || raw.length > maxLength) return undefined;
  // Only percent-encoding changes a value: ours never carry it, so they skip the decoder.
  if (raw.indexOf('%') === -1) return raw;
  let value: string | undefined;
  try {
    // The library's own reading of this one pair (percent-decoding), as before.
    value = parse(`${name}=${raw}`)[name];
  } catch {
    return undefined;
  }
  if (value === undefined || value.length === 0 || value.length > maxLength) return undefined;
  return value;
}

/**
 * True when the header carries a `name=` pair longer than `maxLength`, which `readCookie` then
 * ignores: measured on the raw text, never decoded (for reporting, not for reading).
 *
 * @example
 * isOversizedCookie(`sessionid=${'x'.repeat(300)}`, 'sessionid'); // true
 */
export function isOversizedCookie(header: string, name: string, maxLength = MAX_VALUE_LENGTH): boolean {
  if (header.length > MAX_COOKIE_HEADER) return false;
  const raw = rawCookieValue(header, name);
  return raw !== undefined && raw.length > maxLength;
}

/** The undecoded value of the first `name=` pair in a Cookie header, trimmed, or undefined. */
function rawCookieValue(header: string, name: string): string | undefined {
  let from = 0;
  for (;;) {
    const at = header.indexOf(name, from);
    if (at === -1) return undefined;
    from = at + 1;
    // The name must start a pair: at the header's start or after ";" and optional spaces.
    let before = at - 1;
    while (before >= 0 && (header.charCodeAt(before) === 0x20 || header.charCodeAt(before) === 0x09)) before--;
    if (before >= 0 && header.charCodeAt(before) !== 0x3b) continue;
    // …and be followed by optional spaces and "=".
    let after = at + name.length;
    while (after < header.length && (header.charCodeAt(after) === 0x20 || header.charCodeAt(after) === 0x09)) after++;
    if (header.charCodeAt(after) !== 0x3d) continue;
    const end = header.indexOf(';', after + 1);
    return header.slice(after + 1, end === -1 ? header.length : end).trim();
  }
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
