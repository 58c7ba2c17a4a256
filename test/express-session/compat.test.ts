/**
 * Switching does not log anyone out: the drop-in signs exactly as express-session
 * (cookie-signature's `s:` + id + `.` + unpadded base64 HMAC-SHA256) and reads the sessions it
 * stored. No service needed: express-session's own MemoryStore, shared in one process.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import express, { type Request } from 'express';
import realSession from 'express-session';
import session from '../../src/express-session/index.ts';
import type { SessionRequest } from '../../src/express-session/session.ts';
import { SessionIdSigner } from '../../src/express-session/signature.ts';
import { Client, listen, type Running } from './helpers.ts';

const require = createRequire(import.meta.url);
// express-session's own signing dependency, resolved from where express-session loads it.
const signature = require(require.resolve('cookie-signature', { paths: [require.resolve('express-session')] })) as {
  sign(value: string, secret: string): string;
  unsign(value: string, secret: string): string | false;
};

const servers: Running[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

async function serve(impl: 'real' | 'drop-in', store: object, secret: string | string[], cookie: Record<string, unknown> = {}) {
  const app = express();
  const options = { secret, resave: false, saveUninitialized: false, store, cookie };
  app.use(impl === 'real' ? realSession(options as unknown as realSession.SessionOptions) : session(options as never));
  const s = (req: Request) => (req as unknown as SessionRequest).session as unknown as Record<string, unknown> & { cookie: { originalMaxAge: number | null } };
  app.get('/login', (req, res) => {
    s(req).user = { name: 'ada', roles: ['admin'] };
    res.send('ok');
  });
  app.get('/whoami', (req, res) => {
    res.json({ user: s(req).user ?? null, originalMaxAge: s(req).cookie.originalMaxAge });
  });
  app.get('/visit', (req, res) => {
    s(req).visits = ((s(req).visits as number | undefined) ?? 0) + 1;
    res.json(s(req).visits);
  });
  const server = await listen(app);
  servers.push(server);
  return server;
}

describe('signing is byte-for-byte express-session’s', () => {
  it('matches cookie-signature for random IDs and secrets, and verifies its output', () => {
    for (let i = 0; i < 200; i++) {
      const id = randomBytes(24).toString('base64url');
      const secret = i % 3 === 0 ? `sëcret ☂ ${i}` : randomBytes(1 + (i % 40)).toString('hex');
      assert.equal(new SessionIdSigner([secret]).sign(id), `s:${signature.sign(id, secret)}`);
      assert.equal(new SessionIdSigner(['other', secret]).unsign(`s:${signature.sign(id, secret)}`), id);
      assert.equal(signature.unsign(new SessionIdSigner([secret, 'other']).sign(id).slice(2), secret), id);
    }
  });

  it('refuses forged, truncated and unprefixed values', () => {
    const signer = new SessionIdSigner(['secret']);
    const value = signer.sign('abc');
    assert.equal(signer.unsign(value), 'abc');
    assert.equal(signer.unsign(value.slice(0, -1)), undefined);
    assert.equal(signer.unsign(value.slice(2)), undefined);
    assert.equal(signer.unsign(`${value}=`), undefined, 'the padded spelling is not the same MAC');
    assert.equal(new SessionIdSigner(['wrong']).unsign(value), undefined);
    assert.equal(signer.unsign('s:.'), undefined);
    assert.equal(signer.unsign('s:'), undefined);
  });
});

describe('sessions minted by the real express-session', () => {
  for (const secret of ['keyboard cat', ['newest secret', 'keyboard cat']]) {
    it(`stay valid after the switch (secret ${JSON.stringify(secret)}), data and cookie settings intact`, async () => {
      const store = new realSession.MemoryStore();
      const before = new Client((await serve('real', store, 'keyboard cat', { maxAge: 3_600_000 })).url);
      await before.get('/login');
      await before.get('/visit');
      const minted = before.jar.get('connect.sid')!;

      const after = new Client((await serve('drop-in', store, secret, { maxAge: 3_600_000 })).url);
      after.jar.set('connect.sid', minted);
      const who = JSON.parse((await after.get('/whoami')).body) as { user: unknown; originalMaxAge: number };
      assert.deepEqual(who.user, { name: 'ada', roles: ['admin'] });
      // express-session's own touch() drifts originalMaxAge down by a millisecond now and then.
      assert.ok(who.originalMaxAge > 3_590_000 && who.originalMaxAge <= 3_600_000, String(who.originalMaxAge));
      assert.equal((await after.get('/visit')).body, '2');

      // And back: a rollback to express-session (same secret list) keeps the drop-in's writes.
      const back = new Client((await serve('real', store, secret, { maxAge: 3_600_000 })).url);
      back.jar.set('connect.sid', after.jar.get('connect.sid')!);
      assert.equal((await back.get('/visit')).body, '3');
    });
  }
});
