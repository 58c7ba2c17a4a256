/**
 * The adapter suite's routes as one web-standard handler behind `cloakroom/fetch`: the app that
 * test/adapters/fetch.test.ts serves on Node and test/runtimes serves on Bun, Deno and workerd.
 */
import { checkCsrf, withSession } from '../../src/adapters/fetch.ts';
import type { SessionManager } from '../../src/index.ts';
import type { TestRoute } from './suite-app.ts';

export function fetchRoutes(manager: SessionManager<Record<string, unknown>>, routes: readonly TestRoute[]): (request: Request) => Promise<Response> {
  return withSession(manager, async (request, session) => {
    const url = new URL(request.url);
    const route = routes.find((r) => r.method === request.method && r.path === url.pathname);
    if (!route) return new Response('Not Found', { status: 404 });
    if (route.csrf) await checkCsrf(manager, request, session);
    const out = route.handler(session, { method: request.method, url: url.pathname + url.search });
    // Response.redirect() has immutable headers: the adapter must still add its own.
    if (out.redirect) return Response.redirect(new URL(out.redirect, url), 302);
    return new Response(out.body ?? '', { status: out.status ?? 200, headers: { 'content-type': 'text/plain; charset=utf-8' } });
  });
}
