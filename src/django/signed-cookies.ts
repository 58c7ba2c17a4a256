/**
 * Django's `signed_cookies` backend: the whole session in the `sessionid` cookie, as
 * `signing.dumps(session, salt="django.contrib.sessions.backends.signed_cookies",
 * compress=True)`. Signed, not encrypted: the browser can read it. Nothing is kept on the
 * server, so a logout cannot revoke a copied cookie before it expires (Django's own caveat);
 * its age is checked against `SESSION_COOKIE_AGE` from the signing timestamp, as Django does,
 * and a custom expiry (`set_expiry`) is enforced here too (Django leaves that to the browser).
 */
import { SessionError } from '../core/errors.js';
import type { SessionRecord, StatelessStore } from '../core/store.js';
import { expiresAtOnSave } from '../core/expiry.js';
import { SessionDataCodec } from './session-data.js';
import { recordFromDjango, reportSuspicious, type DjangoKeys, type SuspiciousHandler } from './record.js';
import { decodeExpiry, EXPIRY_KEY } from '../core/expiry.js';

/** The salt of Django's signed_cookies backend. @example new DjangoSigner({ secretKey, salt: SIGNED_COOKIES_SALT }) */
export const SIGNED_COOKIES_SALT = 'django.contrib.sessions.backends.signed_cookies';
/** Browsers keep cookies up to 4096 bytes, name and attributes included. */
const MAX_VALUE_LENGTH = 3900;

/**
 * Options of `new DjangoSignedCookieStore()`.
 *
 * @example
 * new DjangoSignedCookieStore({ secretKey: process.env.DJANGO_SECRET_KEY!, cookieAge: 3600 });
 */
export interface DjangoSignedCookieStoreOptions extends DjangoKeys {
  /** Django's `SESSION_COOKIE_AGE` (seconds): the oldest signature accepted. Default two weeks. */
  cookieAge?: number;
  /** Where a forged cookie is reported. Default: a `CloakroomSuspiciousSession` process warning. */
  onSuspicious?: SuspiciousHandler;
}

/**
 * Django's `signed_cookies` session backend as a stateless store.
 *
 * @example
 * const sessions = new SessionManager({ store: new DjangoSignedCookieStore({ secretKey }), secrets: secretKey, ...djangoManagerOptions() });
 */
export class DjangoSignedCookieStore implements StatelessStore {
  readonly name = 'django-signed-cookies:';
  readonly stateless = true as const;
  readonly maxValueLength = MAX_VALUE_LENGTH;
  readonly #codec: SessionDataCodec;
  readonly #cookieAge: number;
  readonly #onSuspicious: SuspiciousHandler;

  constructor(options: DjangoSignedCookieStoreOptions) {
    this.#codec = new SessionDataCodec({ secretKey: options.secretKey, fallbackKeys: options.secretKeyFallbacks ?? [], salt: SIGNED_COOKIES_SALT, ...(options.now ? { now: options.now } : {}) });
    this.#cookieAge = options.cookieAge ?? 1_209_600;
    this.#onSuspicious = options.onSuspicious ?? reportSuspicious;
  }

  seal(record: SessionRecord): string {
    const value = this.#codec.encode(record.data);
    if (value.length > MAX_VALUE_LENGTH) {
      throw new SessionError('ERR_SESSION_TOO_LARGE', `The session is ${value.length} bytes signed; a ${this.name} cookie holds at most ${MAX_VALUE_LENGTH}.`);
    }
    return value;
  }

  unseal(value: string, now: number): SessionRecord | null {
    const decoded = this.#codec.decode(value, this.#cookieAge);
    if (decoded === null) {
      // An expired signature is routine; only a bad one is suspicious.
      if (this.#codec.signer.loads(value) === null) this.#onSuspicious({ store: this.name, reason: 'the cookie failed its signature' });
      return null;
    }
    const signedAt = decoded.loaded.timestamp * 1000;
    const policy = { maxAge: this.#cookieAge, expireAtBrowserClose: false, rolling: false, touchAfterMs: 0 };
    const setting = decoded.data[EXPIRY_KEY] === undefined ? undefined : decodeExpiry(JSON.parse(decoded.data[EXPIRY_KEY]));
    const expiresAt = Math.min(signedAt + this.#cookieAge * 1000, expiresAtOnSave(setting, policy, signedAt));
    return recordFromDjango(decoded.data, expiresAt, now);
  }

  async close(): Promise<void> {}
}
