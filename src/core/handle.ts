import { primitives } from './crypto.js';

/**
 * A session's handle: what an operator, a log line or a "your sessions" page may show to name
 * one session. It is a shortened SHA-256 of the store key (itself a hash of the ID), so it can
 * never be turned back into a cookie, nor even into the key a database dump holds; 72 bits keep
 * a user's handles apart.
 */

/** Characters in a handle (base64url: 6 bits each, 72 bits in all). */
export const HANDLE_LENGTH = 12;

/**
 * The handle of the session stored under `storeKey`.
 *
 * @example
 * sessionHandle(storeKeyFor(id)); // e.g. 'pQ3x_7Lk0aZc'
 */
export function sessionHandle(storeKey: string): string {
  // Never a leading '-': an operator pastes the handle after `--handle`, where an argument that
  // starts with a dash reads as an option (one handle in 64 did). The digest has 43 characters
  // to spare.
  return primitives.sha256(`cloakroom handle:${storeKey}`).replace(/^-+/, '').slice(0, HANDLE_LENGTH);
}
