import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { MemoryStore, SessionManager } from '../../src/index.ts';
import { captureWarnings, settle } from '../helpers/warnings.ts';
import { withSession, sendSessionError } from '../../src/adapters/node.ts';
import { adapterSuite, listen, readForm } from './suite.ts';

adapterSuite('node:http', async (manager, routes) =>
  listen(
    createServer(
      withSession(manager, async (req, res, session) => {
        const url = new URL(req.url ?? '/', 'http://local');
        const route = routes.find((r) => r.method === req.method && r.path === url.pathname);
        if (!route) return void res.writeHead(404).end();
        if (route.csrf) {
          const form = await readForm(req);
          try {
            manager.checkCsrf(session, req.method, req.headers['x-csrf-token'] ?? form.get('csrf_token'));
          } catch (err) {
            return sendSessionError(res, err);
          }
        }
        const out = route.handler(session, { method: req.method ?? 'GET', url: req.url ?? '/' });
        if (out.redirect) return void res.writeHead(302, { location: out.redirect }).end();
        res.writeHead(out.status ?? 200, { 'content-type': 'text/plain; charset=utf-8' }).end(out.body ?? '');
      }),
    ),
  ),
);

describe('node:http: a handler bug', () => {
  it("is answered 500 and reported as a 'CloakroomHandlerError' warning whose cause is the handler's error", async () => {
    const manager = new SessionManager({ store: new MemoryStore({ sweepInterval: 0 }), secrets: 'node-adapter-secret-0123456789-abcdefghijklmnop' });
    const bug = new Error('test: handler bug');
    const app = await listen(
      createServer(
        withSession(manager, () => {
          throw bug;
        }),
      ),
    );
    const warnings = captureWarnings(['CloakroomHandlerError']);
    try {
      const res = await fetch(`${app.url}/`);
      assert.equal(res.status, 500);
      assert.equal(await res.text(), 'Internal Server Error');
      await settle();
      const [warning, ...more] = warnings.take();
      assert.deepEqual(more, []);
      assert.equal(warning?.name, 'CloakroomHandlerError');
      assert.equal(warning.cause, bug);
      assert.match(warning.message, /test: handler bug/);
    } finally {
      warnings.stop();
      await app.close();
    }
  });
});
