import { primitives, type MacKey } from './crypto.js';
import { requireSecrets } from './secrets.js';

export { MIN_SECRET_LENGTH } from './secrets.js';

/** Length of an unpadded base64 or base64url HMAC-SHA256 (32 bytes). */
const MAC_LENGTH = 43;
const utf8 = new TextEncoder();

/**
 * HMAC-SHA256 under a list of secrets, the first signing and every one verifying, so a secret
 * can be rotated without logging anyone out. The text around the MAC is the caller's format:
 * cloakroom's cookies (`Signer`) and express-session's (`s:` + id, plain base64) share this.
 *
 * @example
 * const keys = new MacKeys(['new-secret-…', 'old-secret-…']);
 * keys.match(payload, keys.sign(payload)); // 0: the newest secret made it
 */
export class MacKeys {
  readonly #keys: MacKey[];
  readonly #alphabet: 'base64url' | 'base64';

  /** `secrets` must already be checked (see secrets.ts); `alphabet` is the MAC's spelling, unpadded. */
  constructor(secrets: readonly string[], alphabet: 'base64url' | 'base64' = 'base64url') {
    // Prepared once: the key material is not imported again on every HMAC.
    this.#keys = secrets.map((s) => primitives.macKey(s));
    this.#alphabet = alphabet;
  }

  #mac(key: MacKey, payload: string): string {
    return key.mac(payload, this.#alphabet); // unpadded, in either alphabet: MAC_LENGTH characters
  }

  /** The MAC of `payload` under the newest secret. */
  sign(payload: string): string {
    return this.#mac(this.#keys[0]!, payload);
  }

  /**
   * The index of the secret whose MAC of `payload` is `macText` (0: the newest), or -1.
   * Compares the text, not decoded bytes: decoding skips stray characters, and a MAC that
   * verifies should have exactly one spelling. Constant time per secret; never throws on input.
   */
  match(payload: string, macText: string): number {
    if (macText.length !== MAC_LENGTH) return -1;
    // UTF-8, not latin1: latin1 keeps only a character's low byte, so 'Ł' (U+0141, sent as
    // %C5%81 and decoded by the cookie parser) compared as 'A'. In UTF-8 any non-ASCII
    // character takes two or more bytes, so 43 bytes means 43 ASCII characters, compared as
    // themselves against our own (canonical) text.
    const given = utf8.encode(macText);
    if (given.length !== MAC_LENGTH) return -1;
    for (let i = 0; i < this.#keys.length; i++) {
      // Our own MAC is ASCII: its UTF-8 bytes are its characters.
      if (primitives.timingSafeEqual(given, utf8.encode(this.#mac(this.#keys[i]!, payload)))) return i;
    }
    return -1;
  }
}

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
  readonly #keys: MacKeys;

  /** `secrets`: a list, or a comma-separated string; each at least `MIN_SECRET_LENGTH` characters (else `ERR_SESSION_CONFIG`). */
  constructor(secrets: string | readonly string[]) {
    this.#keys = new MacKeys(requireSecrets(secrets, 'session'));
  }

  /** `payload` with its MAC under the newest secret appended: `${payload}.${mac}`. */
  sign(payload: string): string {
    return `${payload}.${this.#keys.sign(payload)}`;
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
    const index = this.#keys.match(payload, value.slice(dot + 1));
    return index === -1 ? null : { payload, current: index === 0 };
  }
}
