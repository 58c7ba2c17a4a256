import { H3, redirect, serve, HTTPError, type H3Event } from 'h3';
import { csrfProtection, session } from '../../src/adapters/h3.ts';
import { adapterSuite, type TestRoute } from './suite.ts';

adapterSuite('h3', async (manager, routes) => {
  const app = new H3({ silent: true, onError: (error) => new Response('Internal Server Error', { status: error.status }) });
  app.use(session(manager));
  const csrf = csrfProtection(manager);
  const run = (route: TestRoute) => (event: H3Event) => {
    const out = route.handler(event.context.session, { method: event.req.method, url: event.url.pathname + event.url.search });
    if (out.redirect) return redirect(out.redirect, 302);
    event.res.status = out.status ?? 200;
    return out.body ?? '';
  };
  for (const route of routes) app.on(route.method, route.path, run(route), route.csrf ? { middleware: [csrf] } : undefined);
  const server = serve(app, { port: 0, hostname: '127.0.0.1', silent: true, manual: true });
  await server.serve();
  await server.ready();
  return {
    url: server.url!.replace(/\/$/, '').replace('localhost', '127.0.0.1'),
    close: () => server.close(true),
  };
});
void HTTPError;
