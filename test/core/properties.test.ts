import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Signer, SessionManager, MemoryStore, generateSessionId, isValidSessionId } from '../../src/index.ts';
import { readCookie } from '../../src/core/cookie.ts';

const secret = 'property-secret-0123456789abcdefghijklmn';
const signer = new Signer([secret, 'second-secret-0123456789abcdefghijklmn']);

describe('signing properties', () => {
  it('unsign(sign(x)) === x for any non-empty payload', () => {
    fc.assert(fc.property(fc.string({ minLength: 1 }), (payload) => signer.unsign(signer.sign(payload)) === payload));
  });

  it('any single-character change to a signed value is rejected', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.nat(), fc.string({ minLength: 1, maxLength: 1 }), (payload, pos, ch) => {
        const signed = signer.sign(payload);
        const i = pos % signed.length;
        if (signed[i] === ch) return true;
        const tampered = signed.slice(0, i) + ch + signed.slice(i + 1);
        const out = signer.unsign(tampered);
        // Changing the payload part or the MAC must never verify to a different payload.
        return out === null || out === payload;
      }),
      { numRuns: 2000 },
    );
  });

  it('arbitrary strings never verify and never throw', () => {
    fc.assert(fc.property(fc.string({ maxLength: 300 }), (s) => signer.unsign(s) === null));
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => signer.unsign(s) === null));
  });

  it('generated IDs are valid; random strings mostly are not and never throw', () => {
    for (let i = 0; i < 1000; i++) assert.ok(isValidSessionId(generateSessionId()));
    fc.assert(fc.property(fc.string(), (s) => typeof isValidSessionId(s) === 'boolean'));
  });
});

describe('cookie header parsing properties', () => {
  it('readCookie never throws on any header', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 500 }), (h) => {
      const v = readCookie(h, 'sessionid');
      return v === undefined || typeof v === 'string';
    }));
  });

  it('finds our cookie among arbitrary others', () => {
    const name = fc.stringMatching(/^[a-z]{1,10}$/).filter((n) => n !== 'sessionid' && !n.includes('sessionid'));
    fc.assert(
      fc.property(fc.array(fc.tuple(name, fc.stringMatching(/^[A-Za-z0-9]{0,20}$/)), { maxLength: 10 }), (pairs) => {
        const value = 'abc.def';
        const parts = pairs.map(([n, v]) => `${n}=${v}`);
        parts.splice(Math.floor(parts.length / 2), 0, `sessionid=${value}`);
        return readCookie(parts.join('; '), 'sessionid') === value;
      }),
    );
  });

  it('manager.load never throws and never calls the store for random headers', async () => {
    let calls = 0;
    class Counting extends MemoryStore {
      override async get(key: string, now: number) {
        calls++;
        return super.get(key, now);
      }
    }
    const reported = new Set<string>();
    const manager = new SessionManager({ store: new Counting({ sweepInterval: 0 }), secrets: [secret], logger: false, onEvent: (e) => reported.add(e.type) });
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), fc.string().map((s) => `sessionid=${s}`)), async (header) => {
        const s = await manager.load(header);
        return s.isNew;
      }),
      { numRuns: 500 },
    );
    assert.equal(calls, 0);
    // Random headers are refused as malformed (or, shaped like ours, as forged), never as anything else.
    assert.ok(reported.has('security.malformed-cookie'));
    assert.deepEqual([...reported].filter((t) => t !== 'security.malformed-cookie' && t !== 'security.bad-signature'), []);
  });
});
