import { createServer } from 'node:http';
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
