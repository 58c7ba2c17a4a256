import { serialize } from 'cookie';

/**
 * `sameSite` as express-session accepts it; `'auto'` becomes `'none'` over HTTPS, else `'lax'`.
 *
 * @example
 * session({ secret, cookie: { sameSite: 'auto', secure: 'auto' }, resave: false, saveUninitialized: false });
 */
export type SameSiteOption = boolean | 'lax' | 'strict' | 'none' | 'auto';

/**
 * The `cookie` option of `session()`: express-session's names and meanings.
 *
 * @example
 * const cookie: CookieOptions = { maxAge: 86_400_000, sameSite: 'lax', secure: 'auto' };
 */
export interface CookieOptions {
  /** Milliseconds of life; sets `expires` to now + maxAge (a Date is taken as `expires`, deprecated). Default null: a browser-session cookie. */
  maxAge?: number | Date | null;
  /** An absolute expiry; prefer `maxAge`. */
  expires?: Date | null;
  /** Default true (RFC 6265 §4.1.2.6). */
  httpOnly?: boolean;
  /** Default unset. `'auto'` follows the request: Secure over HTTPS (see `proxy`). */
  secure?: boolean | 'auto';
  sameSite?: SameSiteOption;
  /** Default `/`. Requests outside it get no session at all, as in express-session. */
  path?: string;
  domain?: string;
  partitioned?: boolean;
  priority?: 'low' | 'medium' | 'high';
  /** Kept from a stored session; user code does not set it. */
  originalMaxAge?: number | null;
}

/**
 * The cookie attributes as they are stored with the session (express-session's `cookie.data`).
 *
 * @example
 * const { expires, originalMaxAge } = req.session.cookie.data;
 */
export interface CookieData {
  originalMaxAge: number | null | undefined;
  partitioned: boolean | undefined;
  priority: 'low' | 'medium' | 'high' | undefined;
  expires: Date | null | undefined;
  secure: boolean | 'auto' | undefined;
  httpOnly: boolean | undefined;
  domain: string | undefined;
  path: string | undefined;
  sameSite: SameSiteOption | undefined;
}

/**
 * `req.session.cookie`: express-session's Cookie, with the same fields and the same stored
 * JSON, so sessions written by express-session load here and the other way round.
 * `maxAge` counts down (ms left); `originalMaxAge` is the configured life; `touch()` on the
 * session resets `expires` to now + originalMaxAge.
 *
 * @example
 * req.session.cookie.maxAge = 60_000; // this session's cookie now lives one more minute
 */
export class Cookie {
  path: string | undefined = '/';
  httpOnly: boolean | undefined = true;
  secure: boolean | 'auto' | undefined;
  domain: string | undefined;
  sameSite: SameSiteOption | undefined;
  partitioned: boolean | undefined;
  priority: 'low' | 'medium' | 'high' | undefined;
  originalMaxAge: number | null | undefined;
  #expires: Date | null | undefined = null;

  constructor(options?: CookieOptions | Record<string, unknown>) {
    if (options !== undefined && options !== null) {
      if (typeof options !== 'object') throw new TypeError('argument options must be a object');
      // Assigned one by one, in the caller's order, so `maxAge`/`expires` go through their setters.
      for (const key of Object.keys(options)) {
        if (key === 'data') continue;
        (this as Record<string, unknown>)[key] = (options as Record<string, unknown>)[key];
      }
    }
    if (this.originalMaxAge === undefined || this.originalMaxAge === null) this.originalMaxAge = this.maxAge;
  }

  get expires(): Date | null | undefined {
    return this.#expires;
  }

  set expires(date: Date | string | null | undefined) {
    // Stores hand back JSON, where the date is an ISO string.
    this.#expires = typeof date === 'string' ? new Date(date) : date;
    this.originalMaxAge = this.maxAge;
  }

  /** Milliseconds until the cookie expires, or null for a browser-session cookie. */
  get maxAge(): number | null {
    return this.#expires instanceof Date ? this.#expires.valueOf() - Date.now() : (this.#expires ?? null);
  }

  /** A number of milliseconds from now; a Date (deprecated in express-session, still accepted) is an absolute expiry. */
  set maxAge(ms: number | Date | null | undefined) {
    if (ms && typeof ms !== 'number' && !(ms instanceof Date)) throw new TypeError('maxAge must be a number or Date');
    if (typeof ms === 'number' && !Number.isFinite(ms)) throw new TypeError('maxAge must be a number or Date');
    this.expires = typeof ms === 'number' ? new Date(Date.now() + ms) : (ms ?? null);
    // express-session re-reads the remaining time here, so originalMaxAge loses a millisecond
    // whenever the clock ticks between two Date.now() calls, request after request; keep it exact.
    if (typeof ms === 'number') this.originalMaxAge = ms;
  }

  /** The attributes as stored with the session and used to serialize the Set-Cookie header. */
  get data(): CookieData {
    return {
      originalMaxAge: this.originalMaxAge,
      partitioned: this.partitioned,
      priority: this.priority,
      expires: this.#expires,
      secure: this.secure,
      httpOnly: this.httpOnly,
      domain: this.domain,
      path: this.path,
      sameSite: this.sameSite,
    };
  }

  /** A Set-Cookie header value for `name=value` with these attributes (`Expires`, as express-session). */
  serialize(name: string, value: string): string {
    const d = this.data;
    return serialize(name, value, {
      expires: d.expires ?? undefined,
      httpOnly: d.httpOnly,
      secure: d.secure === true,
      domain: d.domain,
      path: d.path,
      sameSite: d.sameSite === 'auto' ? undefined : d.sameSite,
      partitioned: d.partitioned,
      priority: d.priority,
    });
  }

  toJSON(): CookieData {
    return this.data;
  }
}
