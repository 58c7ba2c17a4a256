// Run ON Bun (`bun test`) and Deno (`deno test`) by test/runtimes/{bun,deno}.test.ts: the adapter
// suite (test/adapters/suite.ts) against cloakroom's fetch adapter served by the runtime's own
// server (Bun.serve / Deno.serve), over real HTTP. Routes mounted by test/adapters/fetch-routes.ts, as on Node.
import { fetchRoutes } from '../../adapters/fetch-routes.ts';
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

adapterSuite(`fetch on ${runtime}`, async (manager, routes) => serveOnRuntime(fetchRoutes(manager, routes)));
