// The two implementations of the core's cryptography (src/core/crypto.ts) agree byte for byte:
// node:crypto (Node, Bun, Deno, workerd with nodejs_compat) and the portable one (@noble and
// crypto.getRandomValues: workerd without nodejs_compat). A cookie, a CSRF token or a sealed
// session made on one kind of runtime opens on the other, so a deployment can mix them.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as nodeCrypto from 'node:crypto';
import fc from 'fast-check';
import { nodePrimitives, portablePrimitives, primitives } from '../../src/core/crypto.ts';

const node = nodePrimitives(nodeCrypto);
const portable = portablePrimitives();
const text = fc.string({ unit: 'binary', maxLength: 300 });
const bytes = (min = 0) => fc.uint8Array({ minLength: min, maxLength: 300 });

describe('the core\'s cryptography: node:crypto and the portable implementation agree', () => {
  it('Node uses node:crypto', () => {
    assert.equal(primitives.kind, 'node:crypto');
  });

  it('SHA-256 (store keys, handles)', () => {
    fc.assert(fc.property(text, (t) => portable.sha256(t) === node.sha256(t)));
    assert.equal(portable.sha256(''), '47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU');
  });

  it('HMAC-SHA256 in base64url and base64, under any secret, for any text', () => {
    fc.assert(
      fc.property(text, text, fc.constantFrom('base64url' as const, 'base64' as const), (secret, t, alphabet) => {
        const mac = portable.macKey(secret).mac(t, alphabet);
        return mac === node.macKey(secret).mac(t, alphabet) && mac.length === 43;
      }),
    );
  });

  it('a prepared key gives the same MAC every time (its state is cloned, never consumed)', () => {
    const key = portable.macKey('a-secret-of-some-length-0123456789');
    assert.equal(key.mac('x', 'base64url'), key.mac('x', 'base64url'));
    assert.notEqual(key.mac('x', 'base64url'), key.mac('y', 'base64url'));
  });

  it('HKDF-SHA256 (the cookie store\'s keys)', () => {
    fc.assert(fc.property(text, text, text, fc.integer({ min: 1, max: 64 }), (secret, salt, info, length) => assert.deepEqual(portable.hkdf(secret, salt, info, length), new Uint8Array(node.hkdf(secret, salt, info, length)))));
  });

  it('AES-256-GCM: what one seals the other opens; a changed byte or a wrong AAD opens to null on both', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 12, maxLength: 12 }), bytes(), bytes(), fc.nat(), (key, iv, plain, aad, flip) => {
        const byNode = node.seal(key, iv, plain, aad);
        const byPortable = portable.seal(key, iv, plain, aad);
        assert.deepEqual(new Uint8Array(byNode), byPortable);
        assert.deepEqual(new Uint8Array(portable.open(key, iv, byNode, aad)!), plain);
        assert.deepEqual(new Uint8Array(node.open(key, iv, byPortable, aad)!), plain);
        const tampered = Uint8Array.from(byNode);
        tampered[flip % tampered.length]! ^= 1;
        assert.equal(portable.open(key, iv, tampered, aad), null);
        assert.equal(node.open(key, iv, tampered, aad), null);
        const otherAad = Uint8Array.of(...aad, 1);
        assert.equal(portable.open(key, iv, byNode, otherAad), null);
        assert.equal(node.open(key, iv, byNode, otherAad), null);
      }),
      { numRuns: 200 },
    );
  });

  it('base64url both ways, unpadded', () => {
    fc.assert(
      fc.property(bytes(), (b) => {
        const encoded = portable.toBase64url(b);
        assert.equal(encoded, node.toBase64url(b));
        assert.doesNotMatch(encoded, /[=+/]/);
        assert.deepEqual(portable.fromBase64url(encoded), b);
        assert.deepEqual(new Uint8Array(node.fromBase64url(encoded)), b);
      }),
    );
  });

  it('constant-time equality: equal bytes only, any length', () => {
    fc.assert(
      fc.property(bytes(), bytes(), (a, b) => {
        const same = a.length === b.length && a.every((x, i) => x === b[i]);
        assert.equal(portable.timingSafeEqual(a, b), same);
        assert.equal(node.timingSafeEqual(a, b), same);
        assert.equal(portable.timingSafeEqual(a, Uint8Array.from(a)), true);
      }),
    );
  });

  it('random bytes: the length asked for, and not the same twice', () => {
    for (const p of [node, portable]) {
      const a = p.randomBytes(24);
      assert.equal(a.length, 24);
      assert.notDeepEqual(a, p.randomBytes(24));
    }
  });
});
