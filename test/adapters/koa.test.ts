import { createServer } from 'node:http';
import Koa from 'koa';
import { csrfProtection, session } from '../../src/adapters/koa.ts';
import { adapterSuite, listen, readForm } from './suite.ts';

adapterSuite('koa', async (manager, routes) => {
  const app = new Koa();
  app.silent = true; // the suite's deliberate handler bugs need no stack traces on stderr
  const csrf = csrfProtection(manager);
  app.use(session(manager));
  app.use(async (ctx) => {
    const route = routes.find((r) => r.method === ctx.method && r.path === ctx.path);
    if (!route) return; // Koa answers 404
    const run = async () => {
      const out = route.handler(ctx.session, { method: ctx.method, url: ctx.url });
      if (out.redirect) return ctx.redirect(out.redirect);
      ctx.status = out.status ?? 200;
      ctx.body = out.body ?? '';
    };
    if (!route.csrf) return run();
    // Koa brings no body parser (that is @koa/bodyparser's job): parse the form here.
    (ctx.request as { body?: unknown }).body = Object.fromEntries(await readForm(ctx.req));
    await csrf(ctx, run);
  });
  return listen(createServer(app.callback()));
});
