import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';

/** Length of an unpadded base64 HMAC-SHA256 (32 bytes). */
const MAC_LENGTH = 43;

/**
 * express-session's cookie value, byte for byte: `s:` + id + `.` + base64 HMAC-SHA256 of the
 * id with the `=` padding dropped (the `cookie-signature` package's format). Keeping the exact
 * spelling is what lets cookies minted by express-session stay valid after the switch. The
 * first secret signs, all verify: rotation without logging anyone out. Secrets are strings
 * (their UTF-8 bytes) or Buffers (their bytes), as cookie-signature takes them; the core's
 * `MacKeys` takes strings only, hence this small twin of it.
 *
 * @example
 * const signer = new SessionIdSigner(['new secret', 'keyboard cat']);
 * const value = signer.sign('abc'); // 's:abc.…'
 * signer.unsign(value) === 'abc';
 */
export class SessionIdSigner {
  readonly #keys: KeyObject[];

  /** `secrets` as the middleware checked them (non-empty strings or Buffers, newest first). */
  constructor(secrets: readonly (string | Buffer)[]) {
    // KeyObjects skip re-importing the key material on every HMAC.
    this.#keys = secrets.map((s) => createSecretKey(typeof s === 'string' ? Buffer.from(s, 'utf8') : Buffer.from(s)));
  }

  #mac(key: KeyObject, id: string): string {
    return createHmac('sha256', key).update(id).digest('base64').slice(0, MAC_LENGTH);
  }

  sign(id: string): string {
    return `s:${id}.${this.#mac(this.#keys[0]!, id)}`;
  }

  /** The session ID inside a cookie value when its signature verifies, else undefined. Never throws on input. */
  unsign(value: string): string | undefined {
    if (!value.startsWith('s:')) return undefined;
    const dot = value.lastIndexOf('.');
    if (dot <= 2) return undefined;
    const id = value.slice(2, dot);
    const given = value.slice(dot + 1);
    if (given.length !== MAC_LENGTH) return undefined;
    const givenBytes = Buffer.from(given, 'latin1');
    for (const key of this.#keys) {
      if (timingSafeEqual(givenBytes, Buffer.from(this.#mac(key, id), 'latin1'))) return id;
    }
    return undefined;
  }
}
