/**
 * The demo as one web-standard handler (`Request` → `Response`): the shape Bun, Deno and
 * workers serve, and what the `fetch` framework mount bridges to node:http.
 */
import { withSession } from '../../src/adapters/fetch.ts';
import { formErrorResponse, type DemoManager, type DemoRequest, type DemoResponse, type DemoSession } from './app.ts';
import { readRequestForm } from './body.ts';
import { pathOf, toResponse } from './frameworks/shared.ts';

/** What the handler needs of a demo app (a `DemoApp`, or a Worker's per-request one). */
export interface FetchDemo {
  manager: DemoManager;
  handle(request: DemoRequest, session: DemoSession): Promise<DemoResponse>;
}

/**
 * @example
 * Bun.serve({ port: 3000, fetch: demoFetchHandler(await createDemoApp(config)) });
 */
export function demoFetchHandler(app: FetchDemo): (request: Request) => Promise<Response> {
  return withSession(app.manager, async (request, session) => {
    let form = new URLSearchParams();
    if (request.method === 'POST') {
      const body = await readRequestForm(request);
      if (!body.ok) return toResponse(formErrorResponse(session, body.status));
      form = body.form;
    }
    return toResponse(await app.handle({ method: request.method, path: pathOf(new URL(request.url).pathname), form }, session));
  });
}
