/**
 * The demo on Hono 4 (served by `@hono/node-server`): cloakroom's middleware puts the session
 * in `c.get('session')`; the form is read from the web `Request` with the demo's size limit.
 */
import { createServer, type Server } from 'node:http';
import { Hono } from 'hono';
import { getRequestListener } from '@hono/node-server';
import { session } from '../../../src/adapters/hono.ts';
import { formErrorResponse } from '../app.ts';
import { readRequestForm } from '../body.ts';
import type { DemoApp } from '../demo.ts';
import { adapterManager, demoSession, pathOf, toResponse } from './shared.ts';

/**
 * @example
 * mount(app).listen(3000);
 */
export function mount(app: DemoApp): Server {
  const web = new Hono();
  web.use(session(adapterManager(app.manager)));
  web.all('*', async (c) => {
    const typedSession = demoSession(c.get('session'));
    let form = new URLSearchParams();
    if (c.req.method === 'POST') {
      const body = await readRequestForm(c.req.raw);
      if (!body.ok) return toResponse(formErrorResponse(typedSession, body.status));
      form = body.form;
    }
    const url = new URL(c.req.url);
    return toResponse(await app.handle({ method: c.req.method, path: pathOf(url.pathname), form }, typedSession));
  });
  return createServer(getRequestListener(web.fetch));
}
