/**
 * The adapter suite's app inside a Worker (workerd): test/adapters/fetch-routes.ts behind
 * `cloakroom/fetch`, on a `SuiteBackend` (test/adapters/suite-app.ts) that lives in the Worker.
 * The suite runs in the Node test process and reaches the app over real HTTP; it steers the
 * backend through `POST /__steer` (a JSON `Steering`, answered with the `BackendState`), the
 * one route the suite's own routes do not have.
 *
 * Bindings: `STORE_KIND` ('async store' | 'synchronous store'), `SECURE` ('true' serves the
 * manager whose cookies are Secure).
 */
import { fetchRoutes } from '../../adapters/fetch-routes.ts';
import { ROUTES, STEER_PATH, SuiteBackend, type Steering, type StoreKind } from '../../adapters/suite-app.ts';

interface Env {
  STORE_KIND: StoreKind;
  SECURE: string;
}

let served: { backend: SuiteBackend; handle: (request: Request) => Promise<Response> } | undefined;

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    if (!served) {
      const backend = new SuiteBackend(env.STORE_KIND);
      served = { backend, handle: fetchRoutes(env.SECURE === 'true' ? backend.secureManager : backend.manager, ROUTES) };
    }
    if (new URL(request.url).pathname === STEER_PATH && request.method === 'POST') {
      return Response.json(served.backend.steer((await request.json()) as Steering));
    }
    // A handler bug is rethrown by the adapter (after a 500 that saves nothing) and reaches
    // workerd, which answers its own 500, as Bun.serve and Deno.serve do.
    return served.handle(request);
  },
};
