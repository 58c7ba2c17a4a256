/**
 * The one module that knows which cryptography the runtime has. Everything else (signing, IDs,
 * CSRF tokens, handles, the cookie store) calls these functions.
 *
 * Where the runtime has `node:crypto` — Node, Bun, Deno, and workerd with `nodejs_compat` — it is
 * used: native and synchronous, the fastest HMAC on each (bench/hmac-cost.ts). It is reached
 * through `process.getBuiltinModule`, never imported, so a Worker without `nodejs_compat` still
 * builds. There, the same functions run on @noble/hashes and @noble/ciphers (audited, pure
 * JavaScript, synchronous) with `crypto.getRandomValues`: Web Crypto's `subtle` would make every
 * signature a promise. The two agree byte for byte (test/core/crypto.test.ts).
 */
import { gcm } from '@noble/ciphers/aes.js';
import { hkdf as nobleHkdf } from '@noble/hashes/hkdf.js';
import { hmac as nobleHmac } from '@noble/hashes/hmac.js';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';

type NodeCrypto = typeof import('node:crypto');

/** An HMAC-SHA256 key, prepared once (the key schedule is not redone per signature). */
export interface MacKey {
  /** The MAC of UTF-8 `text`, in base64url or base64, unpadded. */
  mac(text: string, alphabet: 'base64url' | 'base64'): string;
}

/** The primitives, one implementation per kind of runtime. */
export interface CryptoPrimitives {
  /** Which implementation this is. */
  readonly kind: 'node:crypto' | 'portable';
  randomBytes(length: number): Uint8Array;
  /** SHA-256 of UTF-8 `text`, base64url (43 characters). */
  sha256(text: string): string;
  macKey(secret: string): MacKey;
  /** Equal bytes, in time that depends on the length only. */
  timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean;
  /** HKDF-SHA256 of UTF-8 `secret` with UTF-8 `salt` and `info`. */
  hkdf(secret: string, salt: string, info: string, length: number): Uint8Array;
  /** AES-256-GCM: the ciphertext with its 16-byte tag appended. */
  seal(key: Uint8Array, iv: Uint8Array, plain: Uint8Array, aad: Uint8Array): Uint8Array;
  /** The plaintext, or null when the tag does not verify. */
  open(key: Uint8Array, iv: Uint8Array, sealedWithTag: Uint8Array, aad: Uint8Array): Uint8Array | null;
  toBase64url(bytes: Uint8Array): string;
  /** Decodes base64url (the caller checks the alphabet and the canonical spelling). */
  fromBase64url(text: string): Uint8Array;
}

const encoder = new TextEncoder();

/** `node:crypto` through `process.getBuiltinModule`, or undefined where the runtime has neither. */
function builtinNodeCrypto(): NodeCrypto | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  return proc?.getBuiltinModule?.('node:crypto') as NodeCrypto | undefined;
}

/** The primitives on `node:crypto` (and `Buffer`, which every runtime with it has). */
export function nodePrimitives(crypto: NodeCrypto): CryptoPrimitives {
  return {
    kind: 'node:crypto',
    randomBytes: (length) => crypto.randomBytes(length),
    sha256: (text) => crypto.createHash('sha256').update(text).digest('base64url'),
    macKey(secret) {
      const key = crypto.createSecretKey(Buffer.from(secret, 'utf8'));
      return {
        mac(text, alphabet) {
          const mac = crypto.createHmac('sha256', key).update(text).digest(alphabet);
          return alphabet === 'base64' ? mac.replace(/=+$/, '') : mac; // base64 pads; base64url does not
        },
      };
    },
    timingSafeEqual: (a, b) => a.byteLength === b.byteLength && crypto.timingSafeEqual(a, b),
    hkdf: (secret, salt, info, length) => new Uint8Array(crypto.hkdfSync('sha256', secret, salt, info, length)),
    seal(key, iv, plain, aad) {
      const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(aad);
      return Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    },
    open(key, iv, sealedWithTag, aad) {
      try {
        const decipher = crypto.createDecipheriv('aes-256-gcm', key, iv);
        decipher.setAAD(aad);
        decipher.setAuthTag(sealedWithTag.subarray(sealedWithTag.length - 16));
        return Buffer.concat([decipher.update(sealedWithTag.subarray(0, sealedWithTag.length - 16)), decipher.final()]);
      } catch {
        return null;
      }
    },
    toBase64url: (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url'),
    fromBase64url: (text) => Buffer.from(text, 'base64url'),
  };
}

/** The primitives in pure JavaScript (@noble) and the Web Crypto CSPRNG, for runtimes without `node:crypto`. */
export function portablePrimitives(): CryptoPrimitives {
  const base64url = (bytes: Uint8Array) => toBase64(bytes).replace(/\+/g, '-').replace(/\//g, '_');
  return {
    kind: 'portable',
    randomBytes: (length) => globalThis.crypto.getRandomValues(new Uint8Array(length)),
    sha256: (text) => base64url(nobleSha256(encoder.encode(text))),
    macKey(secret) {
      // The key's inner and outer states, computed once and cloned per MAC.
      const prepared = nobleHmac.create(nobleSha256, encoder.encode(secret));
      return {
        mac(text, alphabet) {
          const digest = prepared.clone().update(encoder.encode(text)).digest();
          return alphabet === 'base64' ? toBase64(digest) : base64url(digest);
        },
      };
    },
    timingSafeEqual(a, b) {
      if (a.byteLength !== b.byteLength) return false;
      let diff = 0;
      for (let i = 0; i < a.byteLength; i++) diff |= a[i]! ^ b[i]!;
      return diff === 0;
    },
    hkdf: (secret, salt, info, length) => nobleHkdf(nobleSha256, encoder.encode(secret), encoder.encode(salt), encoder.encode(info), length),
    seal: (key, iv, plain, aad) => gcm(key, iv, aad).encrypt(plain),
    open(key, iv, sealedWithTag, aad) {
      try {
        return gcm(key, iv, aad).decrypt(sealedWithTag);
      } catch {
        return null;
      }
    },
    toBase64url: base64url,
    fromBase64url(text) {
      const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
      const bytes = new Uint8Array(binary.length);
      for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
      return bytes;
    },
  };
}

/** Unpadded base64 (`btoa` is on every runtime; it pads, the formats we speak do not). */
function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.byteLength; i++) binary += String.fromCharCode(bytes[i]!);
  return btoa(binary).replace(/=+$/, '');
}

/** This runtime's primitives: `node:crypto` where it exists, else the portable ones. */
export const primitives: CryptoPrimitives = ((crypto) => (crypto ? nodePrimitives(crypto) : portablePrimitives()))(builtinNodeCrypto());
