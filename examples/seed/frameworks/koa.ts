/**
 * The demo on Koa 3: cloakroom's middleware sets `ctx.session`; the form is read from the
 * node request with the demo's size limit (Koa has no body parser of its own).
 */
import { createServer, type Server } from 'node:http';
import Koa from 'koa';
import { session } from '../../../src/adapters/koa.ts';
import { formErrorResponse, type DemoResponse } from '../app.ts';
import { readNodeForm } from '../body.ts';
import type { DemoApp } from '../demo.ts';
import { adapterManager, demoSession, pathOf } from './shared.ts';

/**
 * @example
 * mount(app).listen(3000);
 */
export function mount(app: DemoApp): Server {
  const web = new Koa();
  web.use(session(adapterManager(app.manager)));
  web.use(async (ctx) => {
    const typedSession = demoSession(ctx.session);
    let response: DemoResponse;
    if (ctx.method === 'POST') {
      const body = await readNodeForm(ctx.req);
      response = body.ok
        ? await app.handle({ method: ctx.method, path: pathOf(ctx.url), form: body.form }, typedSession)
        : formErrorResponse(typedSession, body.status);
    } else {
      response = await app.handle({ method: ctx.method, path: pathOf(ctx.url), form: new URLSearchParams() }, typedSession);
    }
    ctx.status = response.status;
    ctx.body = response.body;
    ctx.set(response.headers);
  });
  return createServer(web.callback());
}
