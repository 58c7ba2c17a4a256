/**
 * What every benchmark server shares: the routes (identical for every configuration), the
 * secret, and the store-call counter. Each configuration is one module in this folder exporting
 * `start(ctx)`, run in its own child process by `bench/server.ts`.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The three measured routes plus the login that mints one session per load connection. */
export const ROUTES = {
  /** Creates a session holding `username` (and a `visits` counter): the seed's POST /. */
  login: '/__login',
  /** Reads the username: the seed's GET /home/. */
  read: '/home/',
  /** Changes one value (the visits counter) on every request. */
  write: '/write/',
  /** Does not touch the session. */
  cookieless: '/plain/',
} as const;

/** 40 characters: long enough for every library's minimum (cloakroom 32, iron-session 32, @fastify/session 32). */
export const SECRET = 'bench-secret-0123456789-abcdefghijklmnop';

/**
 * The routing the plain node:http reference apps share: sets the content type, answers the
 * login and cookieless routes with 'ok' and unknown paths with 404, and returns the measured
 * route (read or write) for the app to answer, or undefined when it is already answered.
 */
export function referenceRoute(req: IncomingMessage, res: ServerResponse): typeof ROUTES.read | typeof ROUTES.write | undefined {
  const path = req.url?.split('?')[0];
  res.setHeader('content-type', 'text/html; charset=utf-8');
  if (path === ROUTES.read || path === ROUTES.write) return path;
  if (path === ROUTES.login || path === ROUTES.cookieless) res.end('ok');
  else {
    res.statusCode = 404;
    res.end('Not Found');
  }
  return undefined;
}

/** The read route's page, as in the seed's home.html (HTML-escaped name). */
export function homePage(name: string): string {
  return `<h2>Welcome, ${escapeHtml(name)}!</h2><p><a href="/logout/">Clear Session (Logout)</a></p>`;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The username the login route stores, from `?u=`, bounded. */
export function usernameFrom(url: string | undefined): string {
  const q = url?.indexOf('?u=') ?? -1;
  return q < 0 ? 'bench' : decodeURIComponent(url!.slice(q + 3)).slice(0, 64);
}

/** Per-method store call counts, read over IPC around each measured window. */
export type CallCounts = Record<string, number>;

/**
 * Counts calls on a store's methods in place (the object stays the real store; every call is
 * forwarded unchanged, a synchronous answer stays synchronous). Works for cloakroom stores and
 * express-session-style stores.
 */
export function countCalls<T extends object>(store: T, methods: readonly string[], counts: CallCounts): T {
  return wrapCounted(store as T & Record<string, unknown>, methods, counts);
}

function wrapCounted<T extends Record<string, unknown>>(target: T, methods: readonly string[], counts: CallCounts): T {
  for (const m of methods) {
    const original = target[m];
    if (typeof original !== 'function') continue;
    counts[m] = 0;
    (target as Record<string, unknown>)[m] = function (this: unknown, ...args: unknown[]) {
      counts[m]!++;
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    };
  }
  return target;
}

export interface AppContext {
  /** Store call counts this app keeps up to date (empty when it has no server-side store). */
  counts: CallCounts;
  /** A unique prefix for keys, tables and files of this process. */
  prefix: string;
}

export interface RunningApp {
  server: Server;
  close(): Promise<void>;
}

/** Cloakroom store methods the counter wraps; "writes" are create + update + touch + destroy. */
export const CLOAKROOM_METHODS = ['get', 'create', 'update', 'touch', 'destroy'] as const;
/** express-session / @fastify/session store methods. */
export const CONNECT_METHODS = ['get', 'set', 'touch', 'destroy'] as const;

/**
 * URL of a repository module given by its source path (`src/stores/sqlite.ts`), from a module
 * in bench/apps/. In the compiled build (see bench/compile.ts) the file is `.js`.
 */
export function repoModuleUrl(sourcePath: string, from: string): string {
  // The bench's own compiled snapshot, when there is one: later edits of the tree do not leak in.
  const build = process.env.BENCH_BUILD_DIR;
  if (build) return pathToFileURL(join(build, sourcePath.replace(/\.ts$/, '.js'))).href;
  const url = new URL(`../../${sourcePath}`, from).href;
  return from.endsWith('.js') ? url.replace(/\.ts$/, '.js') : url;
}
