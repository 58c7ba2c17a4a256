/**
 * The demo as one web-standard handler (`Request` → `Response`), the shape Deno, Bun and
 * workers serve; here `@hono/node-server`'s listener bridges it to node:http.
 */
import { createServer, type Server } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import { withSession } from '../../../src/adapters/fetch.ts';
import { formErrorResponse } from '../app.ts';
import { readRequestForm } from '../body.ts';
import type { DemoApp } from '../demo.ts';
import { pathOf, toResponse } from './shared.ts';

/**
 * @example
 * mount(app).listen(3000);
 */
export function mount(app: DemoApp): Server {
  const handler = withSession(app.manager, async (request, session) => {
    let form = new URLSearchParams();
    if (request.method === 'POST') {
      const body = await readRequestForm(request);
      if (!body.ok) return toResponse(formErrorResponse(session, body.status));
      form = body.form;
    }
    return toResponse(await app.handle({ method: request.method, path: pathOf(new URL(request.url).pathname), form }, session));
  });
  return createServer(getRequestListener(handler));
}
