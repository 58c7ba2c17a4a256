import { serialize } from 'cookie';
import { SessionError } from './errors.js';
import { readCookie, type ResolvedCookieOptions } from './cookie.js';
import type { Signer } from './signing.js';

/**
 * The anonymous visitor's CSRF secret, kept in a signed cookie of its own (Django's default
 * `csrftoken` cookie) instead of a server session: a page with a form costs no store write, so a
 * crawler of the login page grows no table and evicts no signed-in user from a memory store.
 * From login on the secret lives in the session (`Session.login`), and this cookie no longer counts.
 *
 * The value is `csrf.<secret>.<mac>`: the `csrf.` label keeps a CSRF cookie from ever verifying
 * as a session cookie and the other way round, though both are signed by the same secrets.
 */

/** Django's CSRF_COOKIE_AGE: one year (under the browsers' 400-day cap). */
const CSRF_COOKIE_AGE = 31_449_600;
const LABEL = 'csrf.';
/** base64url of the 32-byte secret. */
const SECRET_PATTERN = /^[A-Za-z0-9_-]{43}$/;
/** `csrf.` + 43 + `.` + a 43-character MAC, with room to spare; longer is not ours. */
const MAX_VALUE_LENGTH = 128;

/**
 * Signs, reads and writes the CSRF cookie for one manager.
 *
 * @example
 * const csrf = new CsrfCookie(signer, resolvedCookieOptions);
 * csrf.secretIn(req.headers.cookie ?? ''); // the verified secret, or null
 */
export class CsrfCookie {
  readonly name: string;
  readonly #signer: Signer;
  readonly #options: ResolvedCookieOptions;

  /**
   * `name` defaults to `csrftoken`, with the session cookie's `__Host-`/`__Secure-` prefix when
   * it has one. Throws `ERR_SESSION_CONFIG` for a name that is not a cookie token or equals the
   * session cookie's.
   */
  constructor(signer: Signer, options: ResolvedCookieOptions, name?: string) {
    const prefix = /^__(Host|Secure)-/.exec(options.name)?.[0] ?? '';
    this.name = name ?? `${prefix}csrftoken`;
    if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(this.name) || this.name === options.name) {
      throw new SessionError('ERR_SESSION_CONFIG', `csrfCookieName must be a cookie name (RFC 6265 token) other than the session cookie's; got ${JSON.stringify(this.name)}.`);
    }
    if (this.name.startsWith('__Host-') && (!options.secure || options.domain !== undefined || options.path !== '/')) {
      throw new SessionError('ERR_SESSION_CONFIG', 'A "__Host-" CSRF cookie needs cookie.secure: true, no cookie.domain and cookie.path "/".');
    }
    if (this.name.startsWith('__Secure-') && !options.secure) {
      throw new SessionError('ERR_SESSION_CONFIG', 'A "__Secure-" CSRF cookie needs cookie.secure: true.');
    }
    this.#signer = signer;
    this.#options = options;
  }

  /** The verified secret of this cookie in a Cookie header, or null (absent, oversized, forged). Never throws. */
  secretIn(cookieHeader: string): string | null {
    const value = readCookie(cookieHeader, this.name, MAX_VALUE_LENGTH);
    if (value === undefined) return null;
    const payload = this.#signer.unsign(value);
    if (payload === null || !payload.startsWith(LABEL)) return null;
    const secret = payload.slice(LABEL.length);
    return SECRET_PATTERN.test(secret) ? secret : null;
  }

  /** `Set-Cookie` carrying `secret`: the session cookie's Path, Domain, Secure, SameSite and HttpOnly, for a year. */
  setCookie(secret: string): string {
    const o = this.#options;
    return serialize(this.name, this.#signer.sign(`${LABEL}${secret}`), {
      maxAge: CSRF_COOKIE_AGE,
      path: o.path,
      domain: o.domain,
      secure: o.secure,
      httpOnly: o.httpOnly,
      sameSite: o.sameSite,
      partitioned: o.partitioned,
    });
  }
}
