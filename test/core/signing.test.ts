// A signature has one spelling: the canonical base64url (or, for the express-session drop-in,
// base64) text of the MAC. Any other text refuses, including characters that a lossy decoding
// would turn into the right one (issue 13 §4).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MacKeys, Signer } from '../../src/core/signing.ts';
import { MemoryStore, SessionManager } from '../../src/index.ts';
import { captureEvents } from '../helpers/observe.ts';

const secret = 'signing-secret-0123456789abcdefghijklmnop';
const signer = new Signer([secret]);

/** `text` with the character at `i` replaced by `ch`. */
function replaceAt(text: string, i: number, ch: string): string {
  return text.slice(0, i) + ch + text.slice(i + 1);
}

describe('signature spelling', () => {
  it('a MAC character whose low byte equals the right one does not verify', () => {
    const signed = signer.sign('payload');
    const dot = signed.lastIndexOf('.');
    const i = dot + 1;
    // U+0100 + code: latin1 keeps only the low byte, which is the original character.
    const alias = String.fromCharCode(signed.charCodeAt(i) + 0x100);
    assert.equal(signer.unsign(replaceAt(signed, i, alias)), null);
  });

  it('property: any other text in the MAC position refuses, aliasing code units included', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 40 }),
        fc.nat(42),
        // Code units that share the original's low byte (what latin1 decoding kept), and any other character.
        fc.oneof(fc.integer({ min: 1, max: 0xff }).map((k) => ({ alias: k })), fc.string({ minLength: 1, maxLength: 1, unit: 'binary' }).map((ch) => ({ ch }))),
        (payload, offset, pick) => {
          const signed = signer.sign(payload);
          const i = signed.lastIndexOf('.') + 1 + offset;
          const original = signed.charCodeAt(i);
          const ch = 'alias' in pick ? String.fromCharCode(original + pick.alias * 0x100) : pick.ch;
          if (ch === signed[i]) return true;
          return signer.unsign(replaceAt(signed, i, ch)) === null;
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('the base64 spelling (express-session) has one spelling too', () => {
    const keys = new MacKeys([secret], 'base64');
    const mac = keys.sign('s:id');
    assert.equal(keys.match('s:id', mac), 0);
    for (let i = 0; i < mac.length; i++) {
      assert.equal(keys.match('s:id', replaceAt(mac, i, String.fromCharCode(mac.charCodeAt(i) + 0x100))), -1, `position ${i}`);
    }
  });

  it('a percent-encoded non-ASCII character in the session cookie is a forged cookie, not the session', async () => {
    const captured = captureEvents();
    const manager = new SessionManager({ store: new MemoryStore(), secrets: [secret], ...captured.options });
    const first = await manager.load(undefined);
    first.set('username', 'ada');
    const { setCookie } = await manager.commit(first, { status: 200 });
    const pair = setCookie!.split(';')[0]!;
    assert.equal((await manager.load(pair)).get('username'), 'ada');
    // Replace the MAC's last character by the one with the same low byte (+0x100), sent percent-encoded.
    const last = pair.charCodeAt(pair.length - 1);
    const forged = pair.slice(0, -1) + encodeURIComponent(String.fromCharCode(last + 0x100));
    const s = await manager.load(forged);
    assert.equal(s.get('username'), undefined);
    assert.equal(s.isNew, true);
    // Percent-decoded, the value no longer has our shape: refused before any MAC check.
    assert.deepEqual(captured.take(), ['security.malformed-cookie format']);
  });
});
