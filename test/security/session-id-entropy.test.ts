import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateSessionId, isValidSessionId, SESSION_ID_LENGTH } from '../../src/core/session-id.ts';

// Issue 13 §4: "an implementation with 48-bit IDs or Math.random passes every test today".
// These fail for either: an ID must carry 192 bits (32 base64url characters, every bit position
// unbiased over many IDs, no repeats) and must not come from Math.random.
const N = 20_000;
const ids = Array.from({ length: N }, generateSessionId);

describe('session ID entropy', () => {
  it('is 32 base64url characters: room for 192 bits, and isValidSessionId accepts exactly that', () => {
    assert.equal(SESSION_ID_LENGTH, 32);
    for (const id of ids) assert.ok(isValidSessionId(id) && /^[A-Za-z0-9_-]{32}$/.test(id), id);
  });

  it('never repeats, not even in any 8-character window (48 random bits padded out would)', () => {
    assert.equal(new Set(ids).size, N);
    for (const at of [0, 8, 16, 24]) assert.equal(new Set(ids.map((id) => id.slice(at, at + 8))).size, N, `window at ${at}`);
  });

  it('every one of the 192 bit positions is set in about half the IDs (no constant or biased bits)', () => {
    const ones = new Array<number>(192).fill(0);
    for (const id of ids) {
      const bytes = Buffer.from(id, 'base64url');
      assert.equal(bytes.length, 24);
      for (let bit = 0; bit < 192; bit++) ones[bit]! += (bytes[bit >> 3]! >> (bit & 7)) & 1;
    }
    // Binomial(N, 1/2): sd = sqrt(N)/2 ≈ 71; 6 sd is a false alarm about once in 10⁹ runs per bit.
    const bound = 6 * Math.sqrt(N) / 2;
    for (let bit = 0; bit < 192; bit++) assert.ok(Math.abs(ones[bit]! - N / 2) < bound, `bit ${bit} set in ${ones[bit]} of ${N}`);
  });

  it('does not come from Math.random (a constant Math.random changes nothing)', () => {
    const original = Math.random;
    Math.random = () => 0.5;
    try {
      const drawn = new Set(Array.from({ length: 100 }, generateSessionId));
      assert.equal(drawn.size, 100);
    } finally {
      Math.random = original;
    }
  });
});
