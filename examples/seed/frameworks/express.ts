/**
 * The demo on Express 5: cloakroom's `session()` middleware, then one catch-all handler.
 *
 * The form is read with the demo's bounded reader rather than `express.urlencoded()`: on an
 * oversized body, body-parser reads and discards the rest of it before its 413 goes out (it
 * keeps the connection reusable), so a client could make the server swallow gigabytes. Here the
 * 413 is sent at once and the connection closed.
 */
import { createServer, type Server } from 'node:http';
import express from 'express';
import { session } from '../../../src/adapters/express.ts';
import { formErrorResponse } from '../app.ts';
import { readNodeForm } from '../body.ts';
import type { DemoApp } from '../demo.ts';
import { adapterManager, demoSession, pathOf, sendNode } from './shared.ts';

/**
 * @example
 * mount(app).listen(3000);
 */
export function mount(app: DemoApp): Server {
  const web = express();
  web.disable('x-powered-by');
  web.use(session(adapterManager(app.manager)));
  web.use(async (req, res) => {
    const typedSession = demoSession(req.session);
    let form = new URLSearchParams();
    if (req.method === 'POST') {
      const body = await readNodeForm(req);
      if (!body.ok) return sendNode(res, formErrorResponse(typedSession, body.status));
      form = body.form;
    }
    sendNode(res, await app.handle({ method: req.method, path: pathOf(req.originalUrl), form }, typedSession));
  });
  return createServer(web);
}
