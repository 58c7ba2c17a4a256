/**
 * The stateless "store": the whole session sealed into the cookie with AES-256-GCM.
 *
 * What a stateless store cannot do, by construction (choose a server store if you need these):
 * - **Server-side revocation or listing.** The server keeps nothing, so "sign out everywhere",
 *   "your sessions" pages and revoking one stolen cookie are impossible: a copied cookie stays
 *   valid until the expiry sealed inside it. `flush()` only asks *this* browser to drop it.
 *   (Rotating every secret invalidates every cookie at once: the only kill switch.)
 * - **Merging parallel writes.** Each response carries the whole session; when two requests
 *   change different keys in parallel, the browser keeps whichever Set-Cookie arrived last and
 *   the other request's change is lost (the lost update server stores prevent).
 * - **Hashed IDs at rest.** There are no IDs and no rest: the cookie *is* the session, so a
 *   stolen cookie is the session itself, and the data travels (encrypted) on every request.
 * - **Large sessions.** Browsers keep about 4096 bytes per cookie (RFC 6265 §6.1), so `seal`
 *   refuses bigger sessions with `ERR_SESSION_TOO_LARGE` instead of letting the browser drop
 *   the cookie silently.
 *
 * Format: `v1.` + base64url(IV ‖ ciphertext ‖ GCM tag). The IV is 96 random bits per seal
 * (NIST SP 800-38D §8.2.2; with random IVs one key is good for 2^32 seals). The key for each
 * secret is HKDF-SHA256(secret) with a label of its own, so it never equals the HMAC key the
 * same secret gives the cookie signer. The first secret seals; every secret unseals (rotation).
 */
import { primitives } from '../core/crypto.js';
import { SessionError } from '../core/errors.js';
import { isLiveSessionRecord } from '../core/record.js';
import { requireSecrets } from '../core/secrets.js';
import { requireStrongSecrets } from '../core/secret-strength.js';
import type { SessionRecord, StatelessStore } from '../core/store.js';

/**
 * Options of `new CookieStore()`.
 *
 * @example
 * new CookieStore({ secrets: [newSecret, oldSecret], maxSetCookieBytes: 4096, reservedBytes: 256 });
 */
export interface CookieStoreOptions {
  /** Secrets, newest first (a comma-separated string works too): the first seals, all unseal. */
  secrets: string | readonly string[];
  /** The whole Set-Cookie line a browser must keep, in bytes (RFC 6265 §6.1 asks for at least 4096). Default 4096. */
  maxSetCookieBytes?: number;
  /**
   * Bytes of that budget kept for `name=` and the attributes. Default 256: `sessionid=` (10),
   * `; Max-Age=1209600; Expires=Thu, 01 Jan 2026 00:00:00 GMT; Path=/; HttpOnly; Secure;
   * SameSite=Strict; Partitioned; Priority=Medium` (about 140) and a Domain of up to 100.
   */
  reservedBytes?: number;
}

const VERSION = 'v1';
const PREFIX = `${VERSION}.`;
const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();
const AAD = utf8.encode(`cloakroom cookie store ${VERSION}`);
const IV_BYTES = 12;
const TAG_BYTES = 16;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * Seals whole sessions into the cookie (AES-256-GCM). See the module comment for what a
 * stateless store cannot do.
 *
 * @example
 * import { CookieStore } from 'cloakroom/stores/cookie';
 * const store = new CookieStore({ secrets: process.env.SESSION_SECRET! }); // "new,old" rotates
 * const value = store.seal(record);          // ≤ store.maxValueLength characters
 * store.unseal(value, Date.now());           // the record, or null if forged/expired/garbled
 */
export class CookieStore implements StatelessStore {
  readonly name = 'cookie:';
  readonly stateless = true as const;
  /** The longest value `seal` produces and `unseal` accepts: maxSetCookieBytes − reservedBytes (3840 by default). */
  readonly maxValueLength: number;
  readonly #keys: Uint8Array[];

  constructor(options: CookieStoreOptions) {
    // Checked before anything is read from them: `new CookieStore()` is a clear error, not a TypeError.
    if (typeof options !== 'object' || options === null) {
      throw new SessionError('ERR_SESSION_CONFIG', 'new CookieStore({ secrets }) needs at least one cookie store secret (SESSION_SECRET, comma-separated, newest first).');
    }
    const { secrets, maxSetCookieBytes = 4096, reservedBytes = 256 } = options;
    const list = requireSecrets(secrets, 'cookie store');
    requireStrongSecrets(list, 'cookie store');
    this.maxValueLength = maxSetCookieBytes - reservedBytes;
    if (!Number.isInteger(this.maxValueLength) || this.maxValueLength < 128) {
      throw new SessionError('ERR_SESSION_CONFIG', 'The cookie store needs maxSetCookieBytes − reservedBytes ≥ 128.');
    }
    this.#keys = list.map((secret) => primitives.hkdf(secret, 'cloakroom', `cookie store ${VERSION} aes-256-gcm`, 32));
  }

  seal(record: SessionRecord): string {
    const plain = utf8.encode(JSON.stringify([record.data, record.expiresAt, record.createdAt, record.lastSeenAt, record.userId, record.userAgent]));
    const length = PREFIX.length + Math.ceil(((IV_BYTES + plain.length + TAG_BYTES) * 4) / 3);
    if (length > this.maxValueLength) {
      throw new SessionError(
        'ERR_SESSION_TOO_LARGE',
        `The session is too large for a cookie: sealed it would be ${length} bytes, and the cookie store keeps at most ` +
          `${this.maxValueLength} (a browser keeps about 4096 bytes per Set-Cookie line, RFC 6265 §6.1, less the name and attributes). ` +
          'Store less in the session, or use a server-side store.',
      );
    }
    const iv = primitives.randomBytes(IV_BYTES);
    const sealed = primitives.seal(this.#keys[0]!, iv, plain, AAD);
    const body = new Uint8Array(IV_BYTES + sealed.length);
    body.set(iv, 0);
    body.set(sealed, IV_BYTES);
    return PREFIX + primitives.toBase64url(body);
  }

  unseal(value: string, now: number): SessionRecord | null {
    try {
      if (typeof value !== 'string' || value.length > this.maxValueLength || !value.startsWith(PREFIX)) return null;
      const text = value.slice(PREFIX.length);
      if (!BASE64URL.test(text)) return null;
      const body = primitives.fromBase64url(text);
      // base64url ignores the spare low bits of the last character: insist on the one spelling
      // we produce, so no two cookie values decode to the same session.
      if (body.length < IV_BYTES + TAG_BYTES + 2 || primitives.toBase64url(body) !== text) return null;
      const iv = body.subarray(0, IV_BYTES);
      const sealed = body.subarray(IV_BYTES);
      for (const key of this.#keys) {
        const plain = primitives.open(key, iv, sealed, AAD);
        if (plain !== null) return recordFrom(utf8Decoder.decode(plain), now);
      }
      return null;
    } catch {
      return null; // a cookie is user input: never a throw
    }
  }

  async close(): Promise<void> {}
}


/** The record in an authenticated payload, or null when it has expired (or, defensively, is malformed). */
function recordFrom(plain: string, now: number): SessionRecord | null {
  const value: unknown = JSON.parse(plain);
  if (!Array.isArray(value) || value.length !== 6) return null;
  const [data, expiresAt, createdAt, lastSeenAt, userId, userAgent] = value as unknown[];
  const record = { data, expiresAt, createdAt, lastSeenAt, userId, userAgent };
  // The expiry travels inside the seal: the server enforces it, whatever Max-Age the cookie had.
  if (!isLiveSessionRecord(record, now)) return null;
  return { ...record, data: Object.assign(Object.create(null) as Record<string, string>, record.data) };
}
