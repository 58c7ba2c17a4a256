/**
 * Django's session keys: 32 characters from `a-z0-9` (`get_random_string(32, VALID_KEY_CHARS)`),
 * sent in the cookie as they are and kept raw in Django's table or cache key. Django signs
 * `session_data`, never the key: whoever holds the key holds the session.
 */
import { randomBytes } from 'node:crypto';
import type { SessionIdScheme } from '../core/store.js';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
/** Django's `session_key` column is `varchar(40)`; its own keys are 32 characters. */
const KEY_PATTERN = /^[a-z0-9]{8,40}$/;

/**
 * A new key as Django makes them: 32 characters, each uniform over `a-z0-9` (rejection sampling,
 * so no character is more likely than another): about 165 bits.
 *
 * @example
 * newDjangoSessionKey(); // e.g. 'k3v9x0q2m1l8z7w6y5t4s3r2p1o0n9m8'
 */
export function newDjangoSessionKey(): string {
  let out = '';
  while (out.length < 32) {
    for (const byte of randomBytes(40)) {
      if (byte < 252 && out.length < 32) out += ALPHABET[byte % 36];
    }
  }
  return out;
}

/**
 * True for a key Django could have made (8–40 characters of `a-z0-9`): nothing else reaches a
 * query or a cache key.
 *
 * @example
 * isDjangoSessionKey(newDjangoSessionKey()); // true
 */
export function isDjangoSessionKey(value: string): boolean {
  return KEY_PATTERN.test(value);
}

/**
 * The session ID scheme of every Django-backed store: the cookie carries the raw key, the
 * store is called with the raw key.
 *
 * @example
 * class MyDjangoStore implements SessionStore { readonly ids = DJANGO_SESSION_IDS; … }
 */
export const DJANGO_SESSION_IDS: SessionIdScheme = Object.freeze({
  generate: newDjangoSessionKey,
  cookieValue: (id: string) => id,
  read: (value: string) => (isDjangoSessionKey(value) ? { id: value, current: true } : null),
  storeKey: (id: string) => id,
});
