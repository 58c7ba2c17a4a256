import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import express from 'express';
import { session } from '../../src/adapters/express.ts';
import { MemoryStore, SessionManager } from '../../src/index.ts';
import { listen, type ServedApp } from './suite.ts';

const HEAD_METHODS = ['writeHead', 'write', 'end', 'flushHeaders'];

/** What Express and node:http share between every app of the process, as property descriptors. */
function sharedPrototypes() {
  const describe = (o: object) => Object.getOwnPropertyNames(o).sort().map((n) => [n, Object.getOwnPropertyDescriptor(o, n)]);
  return {
    request: describe(express.request),
    response: describe(express.response),
    incoming: describe(IncomingMessage.prototype),
    server: describe(ServerResponse.prototype),
  };
}

describe('express (default): per-request objects only', () => {
  const SECRET = 'express-instance-secret-0123456789abcdef';
  const pristine = sharedPrototypes();
  let app: ServedApp;
  let other: ServedApp;
  const seen: { ownHead?: string[]; ownSession?: boolean; otherOwnHead?: string[] } = {};
  const late: { done?: () => void } = {};

  before(async () => {
    const sessions = new SessionManager<Record<string, unknown>>({ store: new MemoryStore({ sweepInterval: 0 }), secrets: SECRET });
    const main = express();
    main.use(session(sessions));
    main.get('/set', (req, res) => {
      req.session.set('n', Number(req.query.n));
      seen.ownHead = HEAD_METHODS.filter((m) => Object.hasOwn(res, m));
      seen.ownSession = Object.hasOwn(req, 'session');
      res.redirect('/read');
    });
    main.get('/read', (req, res) => res.send(String(req.session.get('n') ?? 'none')));
    main.get('/late', (req, res) => {
      res.on('finish', () => {
        req.session.set('n', 9);
        late.done?.();
      });
      res.send('sent');
    });
    app = await listen(createServer(main));
    // Another Express app in the same process, without cloakroom.
    const plain = express();
    plain.get('/', (_req, res) => {
      seen.otherOwnHead = HEAD_METHODS.filter((m) => Object.hasOwn(res, m));
      res.send('plain');
    });
    other = await listen(createServer(plain));
  });
  after(async () => {
    await app.close();
    await other.close();
  });

  const get = async (base: ServedApp, path: string, cookie?: string) => {
    const reply = await fetch(`${base.url}${path}`, { headers: cookie ? { cookie } : {}, redirect: 'manual' });
    return { status: reply.status, body: await reply.text(), cookie: reply.headers.getSetCookie()[0]?.split(';')[0] };
  };

  it('saves before the redirect leaves, holding the response on its own objects', async () => {
    const saved = await get(app, '/set?n=4');
    assert.equal(saved.status, 302);
    assert.ok(saved.cookie);
    assert.deepEqual(seen.ownHead, HEAD_METHODS, 'the held response lives on this response object');
    assert.equal(seen.ownSession, true, 'req.session is an own property of this request');
    assert.equal((await get(app, '/read', saved.cookie)).body, '4');
  });

  it("leaves Express's and node:http's shared prototypes exactly as they were", async () => {
    await get(app, '/set?n=1');
    assert.equal((await get(other, '/')).body, 'plain');
    assert.deepEqual(seen.otherOwnHead, [], 'another Express app in the process is not touched');
    assert.deepEqual(sharedPrototypes(), pristine);
  });

  it('a change after the response went out is reported, not saved', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      const finished = new Promise<void>((resolve) => (late.done = resolve));
      const first = await get(app, '/set?n=2');
      const reply = await get(app, '/late', first.cookie);
      await finished;
      await new Promise((resolve) => setImmediate(resolve)); // process warnings are emitted on the next tick
      assert.equal(reply.cookie, undefined);
      assert.deepEqual(warnings, ['CloakroomLateSessionChange']);
      assert.equal((await get(app, '/read', first.cookie)).body, '2');
    } finally {
      process.off('warning', onWarning);
    }
  });
});
