import { MacKeys } from '../core/signing.js';

/**
 * express-session's cookie value, byte for byte: `s:` + id + `.` + base64 HMAC-SHA256 of the
 * id with the `=` padding dropped (the `cookie-signature` package's format), on the core's
 * HMAC. Keeping the exact spelling is what lets cookies minted by express-session stay valid
 * after the switch. The first secret signs, all verify: rotation without logging anyone out.
 *
 * @example
 * const signer = new SessionIdSigner(['new secret', 'keyboard cat']);
 * const value = signer.sign('abc'); // 's:abc.…'
 * signer.unsign(value) === 'abc';
 */
export class SessionIdSigner {
  readonly #keys: MacKeys;

  /** `secrets` as the middleware checked them (non-empty strings, newest first). */
  constructor(secrets: readonly string[]) {
    this.#keys = new MacKeys(secrets, 'base64');
  }

  sign(id: string): string {
    return `s:${id}.${this.#keys.sign(id)}`;
  }

  /** The session ID inside a cookie value when its signature verifies, else undefined. Never throws on input. */
  unsign(value: string): string | undefined {
    if (!value.startsWith('s:')) return undefined;
    const dot = value.lastIndexOf('.');
    if (dot <= 2) return undefined;
    const id = value.slice(2, dot);
    return this.#keys.match(id, value.slice(dot + 1)) === -1 ? undefined : id;
  }
}
