import { createServer } from 'node:http';
import express, { type RequestHandler } from 'express';
import { csrfProtection, session } from '../../src/adapters/express.ts';
import { adapterSuite, listen } from './suite.ts';

adapterSuite('express', async (manager, routes) => {
  const app = express();
  app.set('env', 'test'); // the suite's deliberate handler bugs need no stack traces on stderr
  app.use(express.urlencoded({ extended: false, limit: '16kb' }), session(manager));
  for (const route of routes) {
    const guards: RequestHandler[] = route.csrf ? [csrfProtection(manager)] : [];
    app[route.method === 'GET' ? 'get' : 'post'](route.path, ...guards, (req, res) => {
      const out = route.handler(req.session, { method: req.method, url: req.originalUrl });
      if (out.redirect) res.redirect(302, out.redirect);
      else res.status(out.status ?? 200).type('text/plain').send(out.body ?? '');
    });
  }
  return listen(createServer(app));
});
