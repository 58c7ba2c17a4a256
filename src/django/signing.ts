/**
 * Django's `django.core.signing`, byte for byte: `salted_hmac`, the `TimestampSigner`
 * (`value:timestamp:signature`, base62 timestamp, URL-safe base64 HMAC-SHA256 without padding),
 * and `dumps`/`loads` with zlib compression marked by a leading `.`. `SECRET_KEY` signs;
 * `SECRET_KEY_FALLBACKS` only verify, as in Django.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { deflateSync, inflateSync } from 'node:zlib';
import { SessionError } from '../core/errors.js';
import { pythonJsonDumps } from './python-json.js';

/**
 * Django's `salted_hmac(key_salt, value, secret, algorithm="sha256")`: HMAC-SHA256 of `value`
 * under SHA-256(`key_salt` + `secret`).
 *
 * @example
 * saltedHmac('django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash', passwordHash, secretKey).toString('hex');
 */
export function saltedHmac(keySalt: string, value: string, secret: string): Buffer {
  const key = createHash('sha256').update(keySalt + secret, 'utf8').digest();
  return createHmac('sha256', key).update(value, 'utf8').digest();
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * Django's `b62_encode` of a whole number (the signer's timestamp).
 *
 * @example
 * b62Encode(1764655200); // '1w8Ofe'
 */
export function b62Encode(n: number): string {
  if (n === 0) return '0';
  const sign = n < 0 ? '-' : '';
  let rest = Math.abs(Math.trunc(n));
  let out = '';
  while (rest > 0) {
    out = BASE62[rest % 62]! + out;
    rest = Math.floor(rest / 62);
  }
  return sign + out;
}

/**
 * Django's `b62_decode`; NaN for text that is not base62.
 *
 * @example
 * b62Decode('1w8Ofe'); // 1764655200
 */
export function b62Decode(text: string): number {
  if (text === '0') return 0;
  const negative = text.startsWith('-');
  const digits = negative ? text.slice(1) : text;
  if (digits.length === 0 || digits.length > 12) return NaN;
  let n = 0;
  for (const ch of digits) {
    const d = BASE62.indexOf(ch);
    if (d < 0) return NaN;
    n = n * 62 + d;
  }
  return negative ? -n : n;
}

/**
 * Options of `new DjangoSigner()`.
 *
 * @example
 * new DjangoSigner({ secretKey: process.env.DJANGO_SECRET_KEY!, salt: 'django.contrib.sessions.SessionStore' });
 */
export interface DjangoSignerOptions {
  /** Django's `SECRET_KEY`: signs, and verifies. */
  secretKey: string;
  /** Django's `SECRET_KEY_FALLBACKS`: verify only (old keys during a rotation). */
  fallbackKeys?: readonly string[];
  /** The `salt` argument of `signing.dumps`/`loads`. */
  salt: string;
  /** Injectable clock (epoch ms) for the timestamp and `maxAge`. */
  now?: () => number;
}

/**
 * What `loads` found: the object, and whether the fallback keys were needed (the value should
 * be re-signed with `SECRET_KEY`, as Django does on its next save).
 *
 * @example
 * const { value, current, timestamp } = signer.loads(text)!;
 */
export interface DjangoLoaded {
  value: unknown;
  /** Signed with `SECRET_KEY` itself (not a fallback). */
  current: boolean;
  /** When it was signed (epoch seconds, the signer's base62 timestamp). */
  timestamp: number;
}

/**
 * Django's `TimestampSigner` with `sign_object`/`unsign_object`, i.e. `signing.dumps` and
 * `signing.loads` with the JSON serializer.
 *
 * @example
 * const signer = new DjangoSigner({ secretKey, salt: 'django.contrib.sessions.SessionStore' });
 * const text = signer.dumps({ username: 'ada' }, { compress: true });
 * signer.loads(text)?.value; // { username: 'ada' }
 */
export class DjangoSigner {
  readonly #keys: string[];
  readonly #salt: string;
  readonly #now: () => number;

  constructor(options: DjangoSignerOptions) {
    if (typeof options.secretKey !== 'string' || options.secretKey.length === 0) {
      throw new SessionError('ERR_SESSION_CONFIG', "Django's SECRET_KEY is required (DJANGO_SECRET_KEY).");
    }
    this.#keys = [options.secretKey, ...(options.fallbackKeys ?? []).filter((k) => k.length > 0)];
    this.#salt = options.salt;
    this.#now = options.now ?? Date.now;
  }

  /** Django's `Signer.signature`: base64url (unpadded) of `salted_hmac(salt + "signer", value, key)`. */
  signature(value: string, key = this.#keys[0]!): string {
    return saltedHmac(`${this.#salt}signer`, value, key).toString('base64url');
  }

  /** `signing.dumps(obj, salt=…, compress=…)`: JSON as Python writes it, maybe zlib'd, base64url, timestamped, signed. */
  dumps(obj: unknown, options: { compress?: boolean } = {}): string {
    let data = Buffer.from(pythonJsonDumps(obj), 'latin1');
    let compressed = false;
    if (options.compress) {
      const smaller = deflateSync(data);
      // Django keeps the compressed form only when it saves more than one byte.
      if (smaller.length < data.length - 1) {
        data = smaller;
        compressed = true;
      }
    }
    const base64d = (compressed ? '.' : '') + data.toString('base64url');
    const value = `${base64d}:${b62Encode(Math.floor(this.#now() / 1000))}`;
    return `${value}:${this.signature(value)}`;
  }

  /**
   * `signing.loads`: the object when the signature verifies under `SECRET_KEY` or a fallback
   * and (with `maxAgeSeconds`) the timestamp is recent enough; null for anything else,
   * including data that verifies but does not decode. Never throws on input.
   */
  loads(text: string, maxAgeSeconds?: number): DjangoLoaded | null {
    if (typeof text !== 'string' || text.length > MAX_SIGNED_LENGTH) return null;
    const sep = text.lastIndexOf(':');
    if (sep < 0) return null;
    const value = text.slice(0, sep);
    const index = this.#match(value, text.slice(sep + 1));
    if (index < 0) return null;
    const tsSep = value.lastIndexOf(':');
    if (tsSep < 0) return null;
    const timestamp = b62Decode(value.slice(tsSep + 1));
    if (!Number.isFinite(timestamp)) return null;
    if (maxAgeSeconds !== undefined && this.#now() / 1000 - timestamp > maxAgeSeconds) return null;
    let base64d = value.slice(0, tsSep);
    const compressed = base64d.startsWith('.');
    if (compressed) base64d = base64d.slice(1);
    try {
      let data = Buffer.from(base64d, 'base64url');
      if (compressed) data = inflateSync(data, { maxOutputLength: MAX_INFLATED_BYTES });
      return { value: JSON.parse(data.toString('latin1')), current: index === 0, timestamp };
    } catch {
      return null; // authentic but undecodable: Django's decode() gives an empty session too
    }
  }

  /** Index of the key whose signature of `value` is `sig` (0: SECRET_KEY), or -1; constant time per key. */
  #match(value: string, sig: string): number {
    const given = Buffer.from(sig, 'latin1');
    for (let i = 0; i < this.#keys.length; i++) {
      const expected = Buffer.from(this.signature(value, this.#keys[i]), 'latin1');
      if (given.length === expected.length && timingSafeEqual(given, expected)) return i;
    }
    return -1;
  }
}

/** Longest signed text `loads` looks at (a session row or a cookie): bounds the HMAC work. */
const MAX_SIGNED_LENGTH = 4 * 1024 * 1024;
/** A zlib bomb inside an authentic value is still bounded. */
const MAX_INFLATED_BYTES = 16 * 1024 * 1024;
