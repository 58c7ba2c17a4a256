/**
 * The seed demo as a Cloudflare Worker (`npm run start:workers`). The same pages as every other
 * mount (../app.ts) through cloakroom's fetch adapter; the store from `SESSION_STORE`:
 * `d1:` (the default: the `DB` binding), `durable-object:` (the `SESSIONS` binding, one object per
 * session), `memory:` (this isolate only) or `cookie:`.
 */
import { SessionError } from '../../../src/core/errors.ts';
import { SessionManager } from '../../../src/core/manager.ts';
import { splitSecrets } from '../../../src/core/secrets.ts';
import type { SessionStore, StatelessStore } from '../../../src/core/store.ts';
import { CookieStore } from '../../../src/stores/cookie.ts';
import { D1Store, type D1Like } from '../../../src/stores/d1.ts';
import { MemoryStore } from '../../../src/stores/memory.ts';
import { DurableObjectStore, type DurableObjectNamespaceLike } from '../../../src/stores/durable-object.ts';
import { handle, type DemoData } from '../app.ts';
import { demoFetchHandler } from '../fetch-handler.ts';

/** The Worker's bindings (wrangler.toml, and `--var` from workers-dev.ts). */
export interface Env {
  DB: D1Like;
  SESSIONS: DurableObjectNamespaceLike;
  SESSION_SECRET?: string;
  SESSION_STORE?: string;
}

/** The `SESSION_STORE` values a Worker accepts. */
export const WORKER_STORES = ['d1:', 'durable-object:', 'memory:', 'cookie:'] as const;

/** The Durable Object class the `SESSIONS` binding names (wrangler.toml). */
export { SessionObject } from '../../../src/stores/durable-object.ts';

/**
 * The store `url` names on a Worker.
 *
 * @example
 * workerStore('d1:', env, secrets); // D1Store on env.DB
 */
export function workerStore(url: string, env: Env, secrets: string[]): SessionStore | StatelessStore {
  switch (url) {
    case 'd1:':
      return new D1Store({ database: env.DB });
    case 'durable-object:':
      return new DurableObjectStore({ namespace: env.SESSIONS });
    case 'memory:':
      return new MemoryStore();
    case 'cookie:':
      return new CookieStore({ secrets });
    default:
      throw new SessionError('ERR_SESSION_CONFIG', `SESSION_STORE on Workers must be one of ${WORKER_STORES.join(', ')} (got ${JSON.stringify(url)}).`);
  }
}

let serve: ((request: Request) => Promise<Response>) | undefined;

/** One manager per isolate, built on its first request (bindings arrive with the request). */
function build(env: Env): (request: Request) => Promise<Response> {
  const secrets = splitSecrets(env.SESSION_SECRET ?? '');
  const manager = new SessionManager<DemoData>({ store: workerStore((env.SESSION_STORE || 'd1:').trim().toLowerCase(), env, secrets), secrets });
  return demoFetchHandler({ manager, handle: (request, session) => handle(request, session, manager) });
}

export default {
  fetch(request: Request, env: Env): Promise<Response> {
    serve ??= build(env);
    return serve(request);
  },
};
