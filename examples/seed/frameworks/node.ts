/**
 * The demo on bare node:http: `withSession` hands each request its session; the form is read
 * with a size limit before the pages see it.
 */
import { createServer, type Server } from 'node:http';
import { withSession } from '../../../src/adapters/node.ts';
import { formErrorResponse } from '../app.ts';
import { readNodeForm } from '../body.ts';
import type { DemoApp } from '../demo.ts';
import { pathOf, sendNode } from './shared.ts';

/**
 * @example
 * mount(app).listen(3000);
 */
export function mount(app: DemoApp): Server {
  return createServer(
    withSession(app.manager, async (req, res, session) => {
      const method = req.method ?? 'GET';
      let form = new URLSearchParams();
      if (method === 'POST') {
        const body = await readNodeForm(req);
        if (!body.ok) return sendNode(res, formErrorResponse(session, body.status));
        form = body.form;
      }
      sendNode(res, await app.handle({ method, path: pathOf(req.url), form }, session));
    }),
  );
}
