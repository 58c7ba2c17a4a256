import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import { SessionError } from './errors.js';

/**
 * Secrets shorter than this are refused: an HMAC key is only as strong as its guessability.
 *
 * @example
 * const secret = randomBytes(MIN_SECRET_LENGTH).toString('base64url'); // 43 characters
 */
export const MIN_SECRET_LENGTH = 32;

/**
 * Signs and verifies cookie values with HMAC-SHA256 under a list of secrets:
 * the first signs, every one verifies, so a secret can be rotated without logging anyone out.
 *
 * @example
 * const signer = new Signer(['new-secret-…', 'old-secret-…']);
 * const value = signer.sign(id); // `${id}.${mac}`
 * signer.unsign(value) === id;    // or null when forged, truncated or signed by an unknown secret
 */
export class Signer {
  readonly #secrets: KeyObject[];

  constructor(secrets: readonly string[]) {
    if (secrets.length === 0) {
      throw new SessionError('ERR_SESSION_CONFIG', 'At least one session secret is required (SESSION_SECRET).');
    }
    for (const secret of secrets) {
      if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) {
        throw new SessionError(
          'ERR_SESSION_CONFIG',
          `Each session secret must be a string of at least ${MIN_SECRET_LENGTH} characters (SESSION_SECRET).`,
        );
      }
    }
    // KeyObjects skip re-importing the key material on every HMAC.
    this.#secrets = secrets.map((s) => createSecretKey(Buffer.from(s, 'utf8')));
  }

  #mac(secret: KeyObject, payload: string): string {
    return createHmac('sha256', secret).update(payload).digest('base64url');
  }

  /** `payload` with its MAC under the newest secret appended: `${payload}.${mac}`. */
  sign(payload: string): string {
    return `${payload}.${this.#mac(this.#secrets[0]!, payload)}`;
  }

  /** The payload when the MAC verifies under any secret, else null. Never throws on input. */
  unsign(value: string): string | null {
    return this.verify(value)?.payload ?? null;
  }

  /**
   * Like `unsign`, and also tells whether the newest secret made the MAC (`current`): a value
   * signed by an older secret should be re-signed when it is next sent.
   */
  verify(value: string): { payload: string; current: boolean } | null {
    const dot = value.lastIndexOf('.');
    if (dot <= 0) return null;
    const payload = value.slice(0, dot);
    const macText = value.slice(dot + 1);
    // Compare the text, not decoded bytes: base64url decoding skips stray characters, and a
    // cookie that verifies should have exactly one spelling. 43 = base64url of a 32-byte MAC.
    if (macText.length !== 43) return null;
    const given = Buffer.from(macText, 'latin1');
    for (let i = 0; i < this.#secrets.length; i++) {
      if (timingSafeEqual(given, Buffer.from(this.#mac(this.#secrets[i]!, payload), 'latin1'))) return { payload, current: i === 0 };
    }
    return null;
  }
}
