/**
 * The bench routes as one web-standard handler, for the Bun.serve and Deno.serve rows
 * (bench/runtime-server.ts): bare, or cloakroom's fetch adapter with the memory, SQLite (the
 * runtime's own driver) or Redis store. The same routes and pages as cloakroom-node.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SessionManager } from '../../src/core/manager.ts';
import type { SessionStore } from '../../src/core/store.ts';
import { withSession } from '../../src/adapters/fetch.ts';
import { MemoryStore } from '../../src/stores/memory.ts';
import { createStore } from '../../src/stores/from-url.ts';
import { REDIS_URL } from './cloakroom-stores.ts';
import { ROUTES, SECRET, homePage, usernameFrom } from './common.ts';

export type RuntimeStoreKind = 'bare' | 'memory' | 'sqlite' | 'redis';

export interface RuntimeApp {
  fetch(request: Request): Response | Promise<Response>;
  close(): Promise<void>;
}

const HTML = { 'content-type': 'text/html; charset=utf-8' };
const text = (body: string, status = 200) => new Response(body, { status, headers: HTML });

/** The handler for `kind`. */
export async function runtimeApp(kind: RuntimeStoreKind): Promise<RuntimeApp> {
  if (kind === 'bare') {
    return {
      fetch(request) {
        const path = new URL(request.url).pathname;
        if (path === ROUTES.read) return text(homePage('Guest'));
        if (path === ROUTES.write) return text('visits 1');
        if (path === ROUTES.login || path === ROUTES.cookieless) return text('ok');
        return text('Not Found', 404);
      },
      close: async () => {},
    };
  }
  let cleanup = () => {};
  let store: SessionStore;
  if (kind === 'memory') store = new MemoryStore({ maxEntries: 100_000 });
  else if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'cloakroom-bench-'));
    cleanup = () => rmSync(dir, { recursive: true, force: true });
    store = (await createStore(`sqlite:${join(dir, 'sessions.db')}`)) as SessionStore;
  } else store = (await createStore(`${REDIS_URL}?prefix=cloakroom-bench:${Date.now().toString(36)}:`)) as SessionStore;
  const sessions = new SessionManager<{ username: string; visits: number }>({ store, secrets: SECRET });
  const fetch = withSession(sessions, (request, session) => {
    const path = new URL(request.url).pathname;
    if (path === ROUTES.login) {
      session.set('username', usernameFrom(request.url));
      session.set('visits', 0);
      return text('ok');
    }
    if (path === ROUTES.read) return text(homePage(session.get('username', 'Guest')));
    if (path === ROUTES.write) {
      const visits = session.get('visits', 0) + 1;
      session.set('visits', visits);
      return text(`visits ${visits}`);
    }
    if (path === ROUTES.cookieless) return text('ok');
    return text('Not Found', 404);
  });
  return {
    fetch,
    close: async () => {
      await store.close();
      cleanup();
    },
  };
}
