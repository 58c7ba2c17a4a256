/**
 * Django's signing and session encoding, byte for byte against what the real Django writes
 * (app/tools.py asks it), and each side reading the other's output.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { inflateSync } from 'node:zlib';
import { DjangoSigner, b62Decode, b62Encode, saltedHmac } from '../../src/django/signing.ts';
import { pythonJsonDumps } from '../../src/django/python-json.ts';
import { DB_SESSION_SALT, SessionDataCodec, parseDjangoDateTime, pythonIsoFormat } from '../../src/django/session-data.ts';
import { DjangoOracle, djangoOrSkip } from './python.ts';

const KEY = 'django-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz';
const OLD = 'django-old-secret-key-9876543210-zyxwvutsrqponmlkjihgfedcba';
const T = 1_764_655_200; // a fixed signing time (epoch seconds)

const VALUES: unknown[] = [
  'plain',
  'Zoë — “quotes” \\ "double" / slash',
  'emoji 😀 and 中文 and \u0000\u001f\u007f\u0080 controls\n\t\r\b\f',
  0,
  -17,
  9007199254740991,
  1.5,
  0.1,
  -2.25e-5,
  1.5e-7,
  123456.789,
  true,
  false,
  null,
  [],
  {},
  [1, 'two', [3, { four: 4 }], null],
  { nested: { deeper: { list: [1.25, 'ü'] } }, empty: {} },
];

describe('Django signing and session_data, against real Django', { skip: djangoOrSkip() }, () => {
  let django: DjangoOracle;
  before(() => {
    django = new DjangoOracle({ DJANGO_SECRET_KEY: KEY, DJANGO_SECRET_KEY_FALLBACKS: OLD });
  });
  after(() => django?.close());

  it("writes JSON exactly as Django's JSONSerializer", async () => {
    for (const value of VALUES) {
      assert.equal(pythonJsonDumps(value), await django.ask({ op: 'json', obj: value }), `value ${JSON.stringify(value)}`);
    }
  });

  it('signs exactly as signing.dumps, uncompressed and compressed', async () => {
    const signer = new DjangoSigner({ secretKey: KEY, salt: 'some.salt', now: () => T * 1000 + 999 });
    for (const obj of [{ username: 'ada' }, { long: 'x'.repeat(500), list: VALUES }, { u: 'Zoë 😀' }]) {
      for (const compress of [false, true]) {
        const ours = signer.dumps(obj, { compress });
        const theirs = await django.ask<string>({ op: 'dumps', obj, salt: 'some.salt', compress, time: T + 0.999 });
        if (!ours.startsWith('.')) {
          assert.equal(ours, theirs, `dumps(${JSON.stringify(obj).slice(0, 40)}, compress=${compress})`);
          continue;
        }
        // Compressed: Node's zlib and CPython's deflate the same bytes differently, so the
        // payloads differ; what they inflate to is identical, and each side reads the other's.
        assert.ok(theirs.startsWith('.'), 'Django compressed it too');
        const inflate = (text: string) => inflateSync(Buffer.from(text.slice(1).split(':')[0]!, 'base64url')).toString('latin1');
        assert.equal(inflate(ours), inflate(theirs));
        assert.deepEqual(await django.ask({ op: 'loads', text: ours, salt: 'some.salt' }), { ok: obj });
        assert.deepEqual(signer.loads(theirs)?.value, obj);
      }
    }
  });

  it("encodes session_data exactly as the db backend's SessionStore.encode", async () => {
    const codec = new SessionDataCodec({ secretKey: KEY, salt: DB_SESSION_SALT, now: () => T * 1000 });
    const data = { username: '"ada"', cart: '[{"sku":"A-1","qty":2}]', theme: '"dark"', $expiry: '300' };
    const dict = { username: 'ada', cart: [{ sku: 'A-1', qty: 2 }], theme: 'dark', _session_expiry: 300 };
    assert.equal(codec.encode(data), await django.ask({ op: 'encode', data: dict, engine: 'db', time: T }));
    assert.equal(codec.encode(data), await django.ask({ op: 'encode', data: dict, engine: 'cached_db', time: T }), 'cached_db uses the same salt');
  });

  it("reads what Django encodes, and Django reads what we encode (both directions, each value)", async () => {
    const codec = new SessionDataCodec({ secretKey: KEY, salt: DB_SESSION_SALT });
    for (const value of VALUES) {
      const theirs = await django.ask<string>({ op: 'encode', data: { v: value }, engine: 'db' });
      const decoded = codec.decode(theirs);
      assert.ok(decoded, `decodes ${theirs}`);
      assert.deepEqual(JSON.parse(decoded.data.v!), value);
      assert.equal(decoded.loaded.current, true);
      const back = await django.ask({ op: 'decode', text: codec.encode({ v: JSON.stringify(value) }), engine: 'db' });
      assert.deepEqual(back, { v: value });
    }
  });

  it('verifies SECRET_KEY_FALLBACKS (reporting them as not current) and signs with SECRET_KEY', async () => {
    const old = new DjangoOracle({ DJANGO_SECRET_KEY: OLD });
    try {
      const signedByOld = await old.ask<string>({ op: 'encode', data: { a: 1 }, engine: 'db' });
      const codec = new SessionDataCodec({ secretKey: KEY, fallbackKeys: [OLD], salt: DB_SESSION_SALT });
      assert.deepEqual(codec.decode(signedByOld)?.data, { a: '1' });
      assert.equal(codec.decode(signedByOld)?.loaded.current, false);
      assert.equal(new SessionDataCodec({ secretKey: KEY, salt: DB_SESSION_SALT }).decode(signedByOld), null, 'without the fallback: refused');
      assert.deepEqual(await old.ask({ op: 'decode', text: codec.encode({ a: '1' }), engine: 'db' }), {}, 'the old key alone cannot read the new');
    } finally {
      old.close();
    }
  });

  it('refuses tampered data, a wrong salt, a truncated value, and garbage, as Django does', async () => {
    const codec = new SessionDataCodec({ secretKey: KEY, salt: DB_SESSION_SALT });
    const good = await django.ask<string>({ op: 'encode', data: { username: 'ada' }, engine: 'db' });
    const [payload, ts, sig] = good.split(':') as [string, string, string];
    const forgedPayload = Buffer.from('{"username":"eve"}').toString('base64url');
    for (const bad of [`${forgedPayload}:${ts}:${sig}`, `${payload}:${ts}:${sig.slice(0, -1)}${sig.endsWith('A') ? 'B' : 'A'}`, `${payload}:${ts}`, good.slice(0, -3), '', ':::', 'x'.repeat(10_000)]) {
      assert.equal(codec.decode(bad), null, bad.slice(0, 60));
      assert.deepEqual(await django.ask({ op: 'decode', text: bad, engine: 'db' }), {}, 'Django refuses it too');
    }
    const otherSalt = new SessionDataCodec({ secretKey: KEY, salt: 'django.contrib.sessions.backends.signed_cookies' });
    assert.equal(otherSalt.decode(good), null);
  });

  it('honours max_age like signing.loads', async () => {
    const signer = new DjangoSigner({ secretKey: KEY, salt: 's', now: () => (T + 100) * 1000 });
    const text = await django.ask<string>({ op: 'dumps', obj: { a: 1 }, salt: 's', time: T });
    assert.deepEqual(signer.loads(text, 100)?.value, { a: 1 });
    assert.equal(signer.loads(text, 99), null);
  });

  it("computes _auth_user_hash as get_session_auth_hash does", async () => {
    const hash = 'pbkdf2_sha256$1000000$salt$abcdefghijklmnopqrstuvwxyz0123456789ABCDEF=';
    const ours = saltedHmac('django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash', hash, KEY).toString('hex');
    assert.equal(ours, await django.ask({ op: 'auth_hash', password: hash, secret: KEY }));
  });
});

describe('Django signing helpers (no Django needed)', () => {
  it('base62 round-trips and refuses junk', () => {
    for (const n of [0, 1, 61, 62, 3843, T, -5]) assert.equal(b62Decode(b62Encode(n)), n);
    assert.ok(Number.isNaN(b62Decode('a*b')));
    assert.ok(Number.isNaN(b62Decode('')));
  });

  it('formats and parses datetimes as Python does', () => {
    assert.equal(pythonIsoFormat(Date.UTC(2026, 0, 1)), '2026-01-01T00:00:00+00:00');
    assert.equal(pythonIsoFormat(Date.UTC(2026, 0, 1, 2, 3, 4, 50)), '2026-01-01T02:03:04.050000+00:00');
    assert.equal(parseDjangoDateTime('2026-01-01T02:03:04.050123+00:00'), Date.UTC(2026, 0, 1, 2, 3, 4, 50));
    assert.equal(parseDjangoDateTime('2026-01-01 02:03:04'), Date.UTC(2026, 0, 1, 2, 3, 4));
    assert.equal(parseDjangoDateTime('2026-01-01T02:03:04+02:00'), Date.UTC(2026, 0, 1, 0, 3, 4));
    assert.ok(Number.isNaN(parseDjangoDateTime('tomorrow')));
  });

  it('refuses an empty SECRET_KEY', () => {
    assert.throws(() => new DjangoSigner({ secretKey: '', salt: 's' }), { code: 'ERR_SESSION_CONFIG' });
  });
});
