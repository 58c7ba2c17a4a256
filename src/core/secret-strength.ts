import { SessionError } from './errors.js';
import { MIN_SECRET_LENGTH } from './secrets.js';

/**
 * Refuses secrets that are long enough but trivially guessable: what an operator gets by
 * padding a placeholder (32 spaces, one character repeated, `abababab…`). Length alone is
 * checked in secrets.ts (`MIN_SECRET_LENGTH`); this adds the variety a real key has. A random
 * key of 32+ characters in hex, base64 or base64url has far more than `MIN_DISTINCT` distinct
 * characters (the chance of a random hex key of 32 characters having fewer than 8 is below 10⁻⁹).
 */

/** Fewer distinct characters than this makes a secret trivially weak. */
const MIN_DISTINCT = 8;

/**
 * Why `secret` is trivially weak, or undefined when it is not.
 *
 * @example
 * weakSecretReason(' '.repeat(32)); // 'it is blank or padded with spaces'
 * weakSecretReason(randomBytes(32).toString('base64url')); // undefined
 */
export function weakSecretReason(secret: string): string | undefined {
  if (secret.trim().length !== secret.length || secret.trim().length === 0) return 'it is blank or padded with spaces';
  if (new Set(secret).size < MIN_DISTINCT) return `it has fewer than ${MIN_DISTINCT} distinct characters`;
  return undefined;
}

/**
 * Throws `ERR_SESSION_CONFIG` at startup when any of `secrets` is trivially weak; `whose`
 * names them in the message. The message never contains the secret.
 *
 * @example
 * requireStrongSecrets(splitSecrets(process.env.SESSION_SECRET ?? ''), 'session');
 */
export function requireStrongSecrets(secrets: readonly string[], whose: string): void {
  secrets.forEach((secret, i) => {
    // A short or missing secret is refused by requireSecrets, with its own message.
    const reason = typeof secret === 'string' && secret.length >= MIN_SECRET_LENGTH ? weakSecretReason(secret) : undefined;
    if (reason !== undefined) {
      throw new SessionError(
        'ERR_SESSION_CONFIG',
        `The ${whose} secret #${i + 1} is trivially weak (${reason}): use a random key, e.g. node -e "console.log(crypto.randomBytes(32).toString('base64url'))".`,
      );
    }
  });
}
