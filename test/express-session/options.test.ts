/**
 * express-session's own option matrix (its README, option by option) over real HTTP with
 * Express 5, on both kinds of store: express-session's real MemoryStore (the callback path)
 * and cloakroom's MemoryStore (the changed-keys, hashed-ID path).
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import express, { type Request } from 'express';
import realSession from 'express-session';
import session, { type SessionOptions } from '../../src/express-session/index.ts';
import type { Session, SessionRequest } from '../../src/express-session/session.ts';
import { MemoryStore as CoreMemoryStore } from '../../src/stores/memory.ts';
import { CookieStore } from '../../src/stores/cookie.ts';
import type { Awaitable, SessionChange, SessionRecord } from '../../src/core/store.ts';
import { Client, cookieAttribute, listen, SECRET, type Running } from './helpers.ts';

/** express-session's own MemoryStore, counting the writes the middleware makes. */
class CountingLegacyStore extends realSession.MemoryStore {
  writes = 0;
  touches = 0;
  override set(sid: string, sess: realSession.SessionData, cb?: (err?: unknown) => void): void {
    this.writes++;
    super.set(sid, sess, cb);
  }
  override touch(sid: string, sess: realSession.SessionData, cb?: () => void): void {
    this.touches++;
    super.touch(sid, sess, cb);
  }
  count(): Promise<number> {
    return new Promise((resolve) => this.length((_err, n) => resolve(n ?? 0)));
  }
}

/** cloakroom's MemoryStore, counting the writes the middleware makes. */
class CountingCoreStore extends CoreMemoryStore {
  writes = 0;
  touches = 0;
  override create(key: string, record: SessionRecord): Awaitable<boolean> {
    this.writes++;
    return super.create(key, record);
  }
  override update(key: string, change: SessionChange, now: number): Awaitable<boolean> {
    this.writes++;
    return super.update(key, change, now);
  }
  override touch(key: string, expiresAt: number, lastSeenAt: number, now: number): Awaitable<boolean> {
    this.touches++;
    return super.touch(key, expiresAt, lastSeenAt, now);
  }
  async count(): Promise<number> {
    return (await this.stats(Date.now())).live;
  }
}

type Counting = CountingLegacyStore | CountingCoreStore;

function sess(req: Request): Session {
  return (req as unknown as SessionRequest).session!;
}

const running: Running[] = [];
after(async () => {
  await Promise.all(running.map((r) => r.close()));
});

/** An Express 5 app with the drop-in and routes that exercise each part of the API. */
async function start(options: Partial<SessionOptions>, kind: 'legacy' | 'cloakroom', configure?: (app: express.Express) => void) {
  const store: Counting = kind === 'legacy' ? new CountingLegacyStore() : new CountingCoreStore({ sweepInterval: 0 });
  const app = express();
  // Deliberate handler errors (a write outside cookie.path, where req.session is undefined) get
  // Express's 500 without its stack trace on stderr.
  app.set('env', 'test');
  configure?.(app);
  app.use(session({ secret: SECRET, resave: false, saveUninitialized: false, store, ...options }));
  app.get('/noop', (_req, res) => {
    res.send('noop');
  });
  app.get('/set', (req, res) => {
    sess(req)[String(req.query.key)] = String(req.query.value);
    res.send('ok');
  });
  app.get('/get', (req, res) => {
    res.json(sess(req)?.[String(req.query.key)] ?? null);
  });
  app.get('/id', (req, res) => {
    res.send((req as unknown as SessionRequest).sessionID);
  });
  app.get('/cookie', (req, res) => {
    const c = sess(req).cookie;
    res.json({ maxAge: c.maxAge, originalMaxAge: c.originalMaxAge, expires: c.expires ?? null });
  });
  app.get('/regenerate', (req, res, next) => {
    const before = (req as unknown as SessionRequest).sessionID;
    sess(req).regenerate((err) => {
      if (err) return next(err);
      sess(req).after = 'regenerated';
      res.json({ before, after: (req as unknown as SessionRequest).sessionID });
    });
  });
  app.get('/destroy', (req, res, next) => {
    sess(req).destroy((err) => {
      if (err) return next(err);
      res.json({ session: (req as unknown as SessionRequest).session ?? null });
    });
  });
  app.get('/reload', (req, res, next) => {
    sess(req).user = 'changed-but-not-saved';
    sess(req).reload((err) => {
      if (err) return res.status(409).send(String((err as Error).message));
      res.json(sess(req).user ?? null);
    });
  });
  app.get('/save', (req, res, next) => {
    sess(req).saved = 'explicitly';
    sess(req).save((err) => {
      if (err) return next(err);
      res.send('saved');
    });
  });
  app.get('/touch', (req, res) => {
    const before = sess(req).cookie.maxAge;
    sess(req).touch();
    res.json({ before, after: sess(req).cookie.maxAge });
  });
  app.get('/set-redirect', (req, res) => {
    sess(req).a = String(req.query.value);
    res.redirect('/get?key=a');
  });
  app.get('/unset', (req, res) => {
    (req as unknown as SessionRequest).session = null;
    res.send('unset');
  });
  const server = await listen(app);
  running.push(server);
  return { client: new Client(server.url), store, url: server.url };
}

for (const kind of ['legacy', 'cloakroom'] as const) {
  describe(`express-session option matrix (${kind === 'legacy' ? "express-session's MemoryStore" : "cloakroom's MemoryStore"})`, () => {
    it('defaults: cookie connect.sid, Path=/, HttpOnly, a browser-session cookie signed s:<id>.<mac>', async () => {
      const { client } = await start({}, kind);
      const reply = await client.get('/set?key=a&value=1');
      assert.equal(reply.setCookies.length, 1);
      const line = reply.setCookies[0]!;
      assert.match(line, /^connect\.sid=s%3A[A-Za-z0-9_-]{32}\.[A-Za-z0-9%]+;/);
      assert.equal(cookieAttribute(line, 'Path'), '/');
      assert.equal(cookieAttribute(line, 'HttpOnly'), true);
      assert.equal(cookieAttribute(line, 'Expires'), undefined);
      assert.equal(cookieAttribute(line, 'Secure'), undefined);
      assert.equal((await client.get('/get?key=a')).body, '"1"');
    });

    it('saveUninitialized: false stores nothing and sets no cookie for an untouched session', async () => {
      const { client, store } = await start({ saveUninitialized: false }, kind);
      const reply = await client.get('/noop');
      assert.deepEqual(reply.setCookies, []);
      assert.equal(store.writes, 0);
      assert.equal(await store.count(), 0);
      assert.equal((await client.get('/set?key=a&value=1')).setCookies.length, 1);
      assert.equal(await store.count(), 1);
    });

    it('saveUninitialized: true stores and cookies a new session even when nothing was written', async () => {
      const { client, store } = await start({ saveUninitialized: true }, kind);
      const reply = await client.get('/noop');
      assert.equal(reply.setCookies.length, 1);
      assert.equal(await store.count(), 1);
    });

    it('resave: false writes an unmodified session never again, only touches it', async () => {
      const { client, store } = await start({ resave: false }, kind);
      await client.get('/set?key=a&value=1');
      const writes = store.writes;
      await client.get('/get?key=a');
      await client.get('/noop');
      assert.equal(store.writes, writes);
      assert.equal(store.touches, 2);
    });

    it('resave: true writes the session back on every request', async () => {
      const { client, store } = await start({ resave: true }, kind);
      await client.get('/set?key=a&value=1');
      const writes = store.writes;
      await client.get('/noop');
      await client.get('/noop');
      assert.equal(store.writes, writes + 2);
    });

    it('rolling: true re-sends the cookie on every response; false only when it changed and has an expiry', async () => {
      const rolling = await start({ rolling: true, cookie: { maxAge: 60_000 } }, kind);
      await rolling.client.get('/set?key=a&value=1');
      assert.equal((await rolling.client.get('/noop')).setCookies.length, 1);

      const fixed = await start({ rolling: false, cookie: { maxAge: 60_000 } }, kind);
      await fixed.client.get('/set?key=a&value=1');
      assert.deepEqual((await fixed.client.get('/noop')).setCookies, []);
      assert.equal((await fixed.client.get('/set?key=a&value=2')).setCookies.length, 1, 'modified + expires → cookie re-sent');

      const browser = await start({ rolling: false }, kind);
      await browser.client.get('/set?key=a&value=1');
      assert.deepEqual((await browser.client.get('/set?key=a&value=2')).setCookies, [], 'a browser-session cookie is not re-sent');
      assert.equal((await browser.client.get('/get?key=a')).body, '"2"');
    });

    it("unset: 'destroy' deletes the record when req.session is set to null; 'keep' leaves it", async () => {
      const destroying = await start({ unset: 'destroy' }, kind);
      await destroying.client.get('/set?key=a&value=1');
      assert.equal(await destroying.store.count(), 1);
      await destroying.client.get('/unset');
      assert.equal(await destroying.store.count(), 0);
      assert.equal((await destroying.client.get('/get?key=a')).body, 'null');

      const keeping = await start({ unset: 'keep' }, kind);
      await keeping.client.get('/set?key=a&value=1');
      await keeping.client.get('/unset');
      assert.equal(await keeping.store.count(), 1);
      assert.equal((await keeping.client.get('/get?key=a')).body, '"1"');
    });

    it('cookie.maxAge sets Expires (not Max-Age), counts down in req.session.cookie, and ends the session', async () => {
      // Long enough for the two requests below to fit inside it on a busy machine (each can take over a second).
      const MAX_AGE = 5000;
      const { client } = await start({ cookie: { maxAge: MAX_AGE } }, kind);
      const started = Date.now();
      const reply = await client.get('/set?key=a&value=1');
      const answered = Date.now();
      const expires = Date.parse(String(cookieAttribute(reply.setCookies[0]!, 'Expires')));
      // Expires has whole seconds: now + maxAge, where now is within the request.
      assert.ok(expires >= started + MAX_AGE - 1000 && expires <= answered + MAX_AGE, 'Expires = now + maxAge');
      assert.equal(cookieAttribute(reply.setCookies[0]!, 'Max-Age'), undefined);
      const cookie = JSON.parse((await client.get('/cookie')).body) as { maxAge: number; originalMaxAge: number };
      assert.equal(cookie.originalMaxAge, MAX_AGE);
      assert.ok(cookie.maxAge > 0 && cookie.maxAge <= MAX_AGE);
      await new Promise((r) => setTimeout(r, Math.max(0, answered + MAX_AGE + 200 - Date.now()))); // past the stored expiry
      assert.equal((await client.get('/get?key=a')).body, 'null', 'the server forgets it after maxAge');
    });

    it('cookie.expires sets that absolute date', async () => {
      const at = new Date(Date.now() + 3_600_000);
      at.setMilliseconds(0);
      const { client } = await start({ cookie: { expires: at } }, kind);
      const reply = await client.get('/set?key=a&value=1');
      assert.equal(cookieAttribute(reply.setCookies[0]!, 'Expires'), at.toUTCString());
    });

    it('cookie attributes: httpOnly false, path, domain, sameSite, partitioned, priority', async () => {
      const { client } = await start(
        { cookie: { httpOnly: false, path: '/', domain: '127.0.0.1', sameSite: 'strict', partitioned: true, priority: 'high', secure: false } },
        kind,
      );
      const line = (await client.get('/set?key=a&value=1')).setCookies[0]!;
      assert.equal(cookieAttribute(line, 'HttpOnly'), undefined);
      assert.equal(cookieAttribute(line, 'Domain'), '127.0.0.1');
      assert.equal(cookieAttribute(line, 'SameSite'), 'Strict');
      assert.equal(cookieAttribute(line, 'Partitioned'), true);
      assert.equal(cookieAttribute(line, 'Priority'), 'High');
    });

    it('requests outside cookie.path get no session (req.session undefined), as in express-session', async () => {
      const { client } = await start({ cookie: { path: '/app' } }, kind);
      assert.equal((await client.get('/get?key=a')).body, 'null');
      assert.deepEqual((await client.get('/set?key=a&value=1')).setCookies, [], 'outside the path the handler cannot write (no session)');
    });

    it("secure: 'auto' with proxy: true follows X-Forwarded-Proto", async () => {
      const { client } = await start({ proxy: true, cookie: { secure: 'auto' } }, kind);
      const https = await client.get('/set?key=a&value=1', { 'x-forwarded-proto': 'https' });
      assert.equal(cookieAttribute(https.setCookies[0]!, 'Secure'), true);
      const plain = await new Client(client.base).get('/set?key=a&value=1');
      assert.equal(cookieAttribute(plain.setCookies[0]!, 'Secure'), undefined);
    });

    it('secure: true over plain HTTP saves the session but sends no cookie; proxy: false ignores X-Forwarded-Proto', async () => {
      const { client, store } = await start({ proxy: false, cookie: { secure: true } }, kind);
      const reply = await client.get('/set?key=a&value=1', { 'x-forwarded-proto': 'https' });
      assert.deepEqual(reply.setCookies, []);
      assert.equal(await store.count(), 1);
    });

    it("proxy unset uses Express's req.secure (trust proxy)", async () => {
      const { client } = await start({ cookie: { secure: true } }, kind, (app) => app.set('trust proxy', true));
      const reply = await client.get('/set?key=a&value=1', { 'x-forwarded-proto': 'https' });
      assert.equal(cookieAttribute(reply.setCookies[0]!, 'Secure'), true);
    });

    it('genid(req) makes the session ID', async () => {
      let seenUrl = '';
      const { client } = await start(
        {
          genid: (req) => {
            seenUrl = req.url ?? '';
            return `custom-${Math.random().toString(36).slice(2)}`;
          },
        },
        kind,
      );
      await client.get('/set?key=a&value=1');
      const id = (await client.get('/id')).body;
      assert.match(id, /^custom-/);
      assert.equal(seenUrl, '/set?key=a&value=1');
      assert.ok(client.jar.get('connect.sid')!.startsWith(`s%3A${id}.`));
    });

    it('name sets the cookie name', async () => {
      const { client } = await start({ name: 'sid' }, kind);
      const reply = await client.get('/set?key=a&value=1');
      assert.match(reply.setCookies[0]!, /^sid=s%3A/);
      assert.equal((await client.get('/get?key=a')).body, '"1"');
    });

    it('a secret array rotates: old cookies still verify, new ones are signed with the first', async () => {
      const old = await start({ secret: 'old secret' }, kind);
      await old.client.get('/set?key=a&value=1');
      const oldCookie = old.client.jar.get('connect.sid')!;

      // Same store, new secret list: the old cookie still works.
      const app = express();
      app.use(session({ secret: ['new secret', 'old secret'], resave: false, saveUninitialized: false, rolling: true, store: old.store }));
      app.get('/get', (req, res) => res.json(sess(req)[String(req.query.key)] ?? null));
      app.get('/set', (req, res) => {
        sess(req)[String(req.query.key)] = String(req.query.value);
        res.send('ok');
      });
      const rotated = await listen(app);
      running.push(rotated);
      const client = new Client(rotated.url);
      client.jar.set('connect.sid', oldCookie);
      assert.equal((await client.get('/get?key=a')).body, '"1"');
      await client.get('/set?key=a&value=2');
      const id = decodeURIComponent(oldCookie).slice(2).split('.')[0]!;
      const { SessionIdSigner } = await import('../../src/express-session/signature.ts');
      assert.equal(decodeURIComponent(client.jar.get('connect.sid')!), new SessionIdSigner(['new secret']).sign(id), 're-signed with the first secret, same ID');

      // Without the old secret the old cookie is just a new visitor.
      const strict = await start({ secret: 'new secret', store: old.store }, kind);
      strict.client.jar.set('connect.sid', oldCookie);
      assert.equal((await strict.client.get('/get?key=a')).body, 'null');
    });

    it('regenerate(cb): a new ID, the old record gone, data written after it kept', async () => {
      const { client, store } = await start({}, kind);
      await client.get('/set?key=user&value=ada');
      const oldCookie = client.jar.get('connect.sid')!;
      const ids = JSON.parse((await client.get('/regenerate')).body) as { before: string; after: string };
      assert.notEqual(ids.before, ids.after);
      assert.equal((await client.get('/get?key=after')).body, '"regenerated"');
      assert.equal((await client.get('/get?key=user')).body, 'null', 'regenerate starts empty');
      assert.equal(await store.count(), 1, 'the old record is gone');
      const stale = new Client(client.base);
      stale.jar.set('connect.sid', oldCookie);
      assert.equal((await stale.get('/get?key=user')).body, 'null');
    });

    it('destroy(cb): the record is gone, req.session unset, no cookie sent', async () => {
      const { client, store } = await start({}, kind);
      await client.get('/set?key=a&value=1');
      const reply = await client.get('/destroy');
      assert.equal(reply.body, '{"session":null}');
      assert.deepEqual(reply.setCookies, []);
      assert.equal(await store.count(), 0);
      assert.equal((await client.get('/get?key=a')).body, 'null');
    });

    it('reload(cb): unsaved changes are replaced by the stored data; a deleted record is an error', async () => {
      const { client } = await start({}, kind);
      await client.get('/set?key=user&value=ada');
      assert.equal((await client.get('/reload')).body, '"ada"');
      assert.equal((await client.get('/get?key=user')).body, '"ada"');
      const other = new Client(client.base);
      other.jar.set('connect.sid', client.jar.get('connect.sid')!);
      await client.get('/destroy');
      const reply = await other.get('/reload');
      assert.equal(reply.status, 409);
      assert.equal(reply.body, 'failed to load session');
    });

    it('save(cb): written before the callback, and not written twice', async () => {
      const { client, store } = await start({}, kind);
      const before = store.writes;
      assert.equal((await client.get('/save')).body, 'saved');
      assert.equal(store.writes, before + 1);
      assert.equal((await client.get('/get?key=saved')).body, '"explicitly"');
    });

    it('touch() resets cookie.maxAge to originalMaxAge', async () => {
      const { client } = await start({ cookie: { maxAge: 60_000 } }, kind);
      await client.get('/set?key=a&value=1');
      await new Promise((r) => setTimeout(r, 300));
      const { before, after } = JSON.parse((await client.get('/touch')).body) as { before: number; after: number };
      assert.ok(before <= 59_700, `the stored expiry counted down (${before})`);
      assert.ok(after > 59_900 && after <= 60_000, `touch() restarted it (${after})`);
    });

    it('data written then redirected is readable by the very next request (express-session #360)', async () => {
      const { client } = await start({}, kind);
      for (let i = 0; i < 20; i++) {
        const reply = await client.get(`/set-redirect?value=v${i}`);
        assert.equal(reply.status, 302);
        assert.equal((await client.get('/get?key=a')).body, `"v${i}"`);
      }
    });

    it('tampered, unsigned, malformed or oversized cookies are a new visitor, never an error', async () => {
      const { client, store } = await start({}, kind);
      await client.get('/set?key=a&value=1');
      const good = client.jar.get('connect.sid')!;
      const bad = [
        good.slice(0, -2) + 'xx',
        good.replace('s%3A', ''),
        's%3A.',
        '%E0%A4%A',
        `s%3A${'a'.repeat(5000)}.x`,
        's:__proto__.abc',
      ];
      for (const value of bad) {
        const reply = await new Client(client.base).get('/get?key=a', { cookie: `connect.sid=${value}` });
        assert.equal(reply.status, 200, value);
        assert.equal(reply.body, 'null', value);
      }
      const dup = await new Client(client.base).get('/get?key=a', { cookie: `connect.sid=${good}; connect.sid=garbage` });
      assert.equal(dup.body, '"1"', 'the first of duplicated cookies counts, as in express-session');
      assert.equal(await store.count(), 1);
    });
  });
}

describe('express-session option validation', () => {
  it("refuses an empty secret array, a bad unset and a non-function genid at startup, with express-session's messages", () => {
    assert.throws(() => session({ secret: [], resave: false, saveUninitialized: false }), /^TypeError: secret option array must contain one or more strings$/);
    assert.throws(() => session({ secret: [''], resave: false, saveUninitialized: false }), /secret option must be a non-empty string or Buffer/);
    assert.throws(() => session({ secret: SECRET, unset: 'drop' as 'keep', resave: false, saveUninitialized: false }), /^TypeError: unset option must be "destroy" or "keep"$/);
    assert.throws(() => session({ secret: SECRET, genid: 'x' as unknown as () => string, resave: false, saveUninitialized: false }), /^TypeError: genid option must be a function$/);
    assert.throws(() => session({ secret: SECRET, store: {}, resave: false, saveUninitialized: false }), /store must be/);
    const stateless = new CookieStore({ secrets: ['stateless-store-secret-0123456789abcdefghij'] }); // a weak one is refused (issue 13)
    assert.throws(() => session({ secret: SECRET, store: stateless, resave: false, saveUninitialized: false }), /stateless/);
  });
});
