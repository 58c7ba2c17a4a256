// Run ON Bun (`bun test`) and Deno (`deno test`) by test/runtimes/{bun,deno}.test.ts: the adapter
// suite (test/adapters/suite.ts) against cloakroom's fetch adapter served by the runtime's own
// server (Bun.serve / Deno.serve), over real HTTP. Routes mounted as test/adapters/fetch.test.ts does.
import { checkCsrf, withSession } from '../../../src/adapters/fetch.ts';
import { adapterSuite, type ServedApp } from '../../adapters/suite.ts';

type Handler = (request: Request) => Promise<Response>;
type OnError = (error: unknown) => Response;
declare const Bun: { serve(options: { port: number; hostname: string; fetch: Handler; error: OnError }): { port: number; stop(force?: boolean): Promise<void> | void } } | undefined;
declare const Deno:
  | { serve(options: { port: number; hostname: string; onListen?: (addr: { port: number }) => void; onError: OnError }, handler: Handler): { shutdown(): Promise<void> } }
  | undefined;

// What the adapter rethrows (after committing a 500 that saves nothing) reaches the platform, which
// answers its own 500: the error hook is the app's, as Express's final handler is there.
const platform500: OnError = () => new Response('Internal Server Error', { status: 500 });

const runtime = typeof Bun !== 'undefined' ? 'Bun.serve' : 'Deno.serve';

function serveOnRuntime(handler: Handler): Promise<ServedApp> {
  if (typeof Bun !== 'undefined') {
    const server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: handler, error: platform500 });
    return Promise.resolve({ url: `http://127.0.0.1:${server.port}`, close: async () => void (await server.stop(true)) });
  }
  return new Promise((resolve) => {
    const server = Deno!.serve({ port: 0, hostname: '127.0.0.1', onError: platform500, onListen: ({ port }) => resolve({ url: `http://127.0.0.1:${port}`, close: () => server.shutdown() }) }, handler);
  });
}

adapterSuite(`fetch on ${runtime}`, async (manager, routes) =>
  serveOnRuntime(
    withSession(manager, async (request, session) => {
      const url = new URL(request.url);
      const route = routes.find((r) => r.method === request.method && r.path === url.pathname);
      if (!route) return new Response('Not Found', { status: 404 });
      if (route.csrf) await checkCsrf(manager, request, session);
      const out = route.handler(session, { method: request.method, url: url.pathname + url.search });
      if (out.redirect) return Response.redirect(new URL(out.redirect, url), 302);
      return new Response(out.body ?? '', { status: out.status ?? 200, headers: { 'content-type': 'text/plain; charset=utf-8' } });
    }),
  ),
);
