import { SessionError } from './errors.js';

/**
 * What counts as a usable list of secrets, checked the same way by everything that signs or
 * seals: the session manager, the cookie store and the express-session drop-in.
 */

/**
 * Secrets shorter than this are refused: an HMAC key is only as strong as its guessability.
 *
 * @example
 * const secret = randomBytes(MIN_SECRET_LENGTH).toString('base64url'); // 43 characters
 */
export const MIN_SECRET_LENGTH = 32;

/**
 * A comma-separated secrets string (how `SESSION_SECRET` holds several) as a list, newest first.
 *
 * @example
 * splitSecrets('new-secret, old-secret,'); // ['new-secret', 'old-secret']
 */
export function splitSecrets(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/**
 * What is wrong with a list of secrets: `'missing'` when it is empty, `'weak'` when one is not
 * a string of at least `minLength` characters, undefined when every one is usable. Callers with
 * their own error conventions (the express-session drop-in) phrase the answer themselves.
 *
 * @example
 * secretsProblem(['keyboard cat'], 1); // undefined
 * secretsProblem(['keyboard cat']);    // 'weak'
 */
export function secretsProblem(secrets: readonly unknown[], minLength = MIN_SECRET_LENGTH): 'missing' | 'weak' | undefined {
  if (secrets.length === 0) return 'missing';
  for (const secret of secrets) if (typeof secret !== 'string' || secret.length < minLength) return 'weak';
  return undefined;
}

/**
 * A secrets option (a list, or a comma-separated string) as a checked list, newest first; an
 * empty or weak one throws `ERR_SESSION_CONFIG` naming `whose` secrets they are.
 *
 * @example
 * const secrets = requireSecrets(options.secrets, 'cookie store'); // string[] of ≥ 32 characters each
 */
export function requireSecrets(secrets: string | readonly string[] | undefined | null, whose: string): string[] {
  const list = typeof secrets === 'string' ? splitSecrets(secrets) : [...(secrets ?? [])];
  switch (secretsProblem(list)) {
    case 'missing':
      throw new SessionError('ERR_SESSION_CONFIG', `At least one ${whose} secret is required (SESSION_SECRET, comma-separated, newest first).`);
    case 'weak':
      throw new SessionError('ERR_SESSION_CONFIG', `Each ${whose} secret must be a string of at least ${MIN_SECRET_LENGTH} characters (SESSION_SECRET).`);
    default:
      return list;
  }
}
