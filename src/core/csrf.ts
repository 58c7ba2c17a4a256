import { primitives } from './crypto.js';

/** The per-session CSRF secret: 32 random bytes. */
const SECRET_BYTES = 32;

export function generateCsrfSecret(): string {
  return primitives.toBase64url(primitives.randomBytes(SECRET_BYTES));
}

/**
 * A fresh masking of the secret for one page: base64url(mask ‖ mask⊕secret). The token
 * differs on every render, so compression side channels (BREACH) cannot recover the secret,
 * as with Django's masked tokens.
 */
export function maskCsrfSecret(secret: string): string {
  const raw = primitives.fromBase64url(secret);
  const mask = primitives.randomBytes(raw.length);
  const out = new Uint8Array(raw.length * 2);
  out.set(mask, 0);
  for (let i = 0; i < raw.length; i++) out[raw.length + i] = mask[i]! ^ raw[i]!;
  return primitives.toBase64url(out);
}

/** True when `token` is a masking of `secret`. Constant time in the token's content. */
export function csrfTokenMatches(secret: string, token: unknown): boolean {
  if (typeof token !== 'string' || token.length !== 86) return false; // base64url of 64 bytes
  if (!/^[A-Za-z0-9_-]+$/.test(token)) return false;
  const raw = primitives.fromBase64url(secret);
  const buf = primitives.fromBase64url(token);
  // Only the canonical spelling counts: the last base64url character carries unused bits.
  if (buf.length !== raw.length * 2 || primitives.toBase64url(buf) !== token) return false;
  const unmasked = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) unmasked[i] = buf[i]! ^ buf[raw.length + i]!;
  return primitives.timingSafeEqual(unmasked, raw);
}

/**
 * Methods that change state and so must carry a token (RFC 9110 §9.2.1 "safe" methods do not).
 *
 * @example
 * isStateChangingMethod('POST'); // true; 'GET', 'HEAD', 'OPTIONS', 'TRACE' → false
 */
export function isStateChangingMethod(method: string | undefined): boolean {
  return !(method === 'GET' || method === 'HEAD' || method === 'OPTIONS' || method === 'TRACE');
}

/**
 * The form field and header a token is read from.
 *
 * @example
 * `<input type="hidden" name="${CSRF_FIELD}" value="${session.csrfToken()}">`
 */
export const CSRF_FIELD = 'csrf_token';
/**
 * The request header a token is read from (checked before the form field).
 *
 * @example
 * fetch('/api', { method: 'POST', headers: { [CSRF_HEADER]: token } });
 */
export const CSRF_HEADER = 'x-csrf-token';
