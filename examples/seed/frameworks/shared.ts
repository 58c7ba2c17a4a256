/** Small conversions the framework mounts share. */
import type { ServerResponse } from 'node:http';
import type { SessionManager } from '../../../src/core/manager.ts';
import type { Session } from '../../../src/core/session.ts';
import type { AppSessionData } from '../../../src/index.ts';
import type { DemoManager, DemoResponse, DemoSession } from '../app.ts';

/**
 * The path of a request target without query or fragment. Not URL-parsed, so an odd target
 * such as `//evil.example/x` stays a path (and is a 404), never a host.
 *
 * @example
 * pathOf('/home/?x=1') === '/home/'
 */
export function pathOf(target: string | undefined): string {
  const url = target || '/';
  const end = url.search(/[?#]/);
  return end === -1 ? url : url.slice(0, end);
}

/**
 * Writes a page to a node:http response.
 *
 * @example
 * sendNode(res, await app.handle(request, session));
 */
export function sendNode(res: ServerResponse, response: DemoResponse): void {
  res.writeHead(response.status, response.headers);
  res.end(response.body);
}

/**
 * A page as a web-standard `Response`.
 *
 * @example
 * return toResponse(await app.handle(request, session));
 */
export function toResponse(response: DemoResponse): Response {
  const empty = response.body === '' || response.status === 204 || response.status === 304;
  return new Response(empty ? null : response.body, { status: response.status, headers: response.headers });
}

/**
 * The framework adapters are typed through cloakroom's `SessionData` augmentation, which an
 * application declares once for its whole program. The demo shares a program with the
 * library's tests, so instead of augmenting it views the same objects with its own type here.
 *
 * @example
 * app.use(session(adapterManager(demo.manager)));
 */
export function adapterManager(manager: DemoManager): SessionManager<AppSessionData> {
  return manager as unknown as SessionManager<AppSessionData>;
}

/** An adapter's session as the demo's typed session (see `adapterManager`). */
export function demoSession(session: Session<AppSessionData>): DemoSession;
export function demoSession(session: Session<AppSessionData> | null | undefined): DemoSession | null;
export function demoSession(session: Session<AppSessionData> | null | undefined): DemoSession | null {
  return (session ?? null) as unknown as DemoSession | null;
}
