import { primitives } from './crypto.js';

/** 24 random bytes: 192 bits from the CSPRNG (OWASP asks for at least 64; the issue for 128). */
const ID_BYTES = 24;
/**
 * base64url of 24 bytes is exactly 32 characters, no padding.
 *
 * @example
 * generateSessionId().length === SESSION_ID_LENGTH; // true
 */
export const SESSION_ID_LENGTH = 32;
const ID_PATTERN = /^[A-Za-z0-9_-]{32}$/;

/**
 * A fresh session ID: 192 bits from the CSPRNG, base64url.
 *
 * @example
 * const id = generateSessionId(); // e.g. 'qJnDvYF_YLWsGhE8PKwQAeV_ttb2oFGS'
 */
export function generateSessionId(): string {
  return primitives.toBase64url(primitives.randomBytes(ID_BYTES));
}

/**
 * Checks alphabet and length, so nothing else ever reaches a store, a path or a query.
 *
 * @example
 * isValidSessionId(generateSessionId()); // true; isValidSessionId('../etc') → false
 */
export function isValidSessionId(id: string): boolean {
  return id.length === SESSION_ID_LENGTH && ID_PATTERN.test(id);
}

/**
 * The key a store sees: SHA-256 of the cookie's ID. A leaked dump or backup of any store
 * holds only these hashes, which cannot be turned back into cookies (Rails, CVE-2019-16782).
 * A plain hash is enough because the ID carries 192 bits of entropy: there is nothing to brute-force.
 *
 * @example
 * await store.get(storeKeyFor(id), Date.now()); // stores only ever see the hash
 */
export function storeKeyFor(id: string): string {
  return primitives.sha256(id);
}

/**
 * Store keys are base64url SHA-256 digests: 43 characters. Stores may assert this shape.
 *
 * @example
 * if (!STORE_KEY_PATTERN.test(key)) return null; // a store refusing anything but a digest
 */
export const STORE_KEY_PATTERN = /^[A-Za-z0-9_-]{43}$/;
