/**
 * One cloakroom manager for the app, configured exactly as the root `npm start`: SESSION_STORE
 * (default sqlite:./data/sessions.db), SESSION_SECRET, SESSION_COOKIE_AGE. Opened on first use,
 * not at import: `next build` imports this module to prerender, and must open no store.
 * (instrumentation.ts opens it when the server starts, so a mistake stops `next start` at once.)
 */
import 'server-only';
import { SessionManager, type Session } from 'cloakroom';
import { nextSessions, type NextSessions } from 'cloakroom/next';
import { createStore } from 'cloakroom/stores/from-url';
import { configFromEnv } from '../../seed/config.ts';
import type { DemoData } from '../../seed/app.ts';

export type DemoSession = Session<DemoData>;

let opened: Promise<NextSessions<DemoData>> | undefined;

/** The app's sessions, opening the store on first call. */
export function app(): Promise<NextSessions<DemoData>> {
  return (opened ??= (async () => {
    const config = configFromEnv(seedEnv());
    const store = await createStore(config.store, { secrets: config.secrets });
    const manager = new SessionManager<DemoData>({
      store,
      secrets: config.secrets,
      ...(config.cookieAge !== undefined ? { cookie: { maxAge: config.cookieAge } } : {}),
    });
    return nextSessions<DemoData>(manager);
  })());
}

/** The request's session: read-only in Server Components, writable inside `action(…)`/`route(…)`. */
export async function getSession(): Promise<DemoSession> {
  return (await app()).getSession();
}

/** A Server Action whose session changes are committed before its response leaves. */
export function action<Args extends unknown[], Result>(fn: (...args: Args) => Promise<Result>): (...args: Args) => Promise<Result> {
  return async (...args) => (await app()).action(fn)(...args);
}

/** A Route Handler whose session changes are committed with its response. */
export function route<Context>(fn: (request: Request, context: Context) => Response | Promise<Response>): (request: Request, context: Context) => Promise<Response> {
  return async (request, context) => (await app()).route(fn)(request, context);
}

export function themeOf(session: DemoSession): 'light' | 'dark' {
  return session.get('theme') === 'dark' ? 'dark' : 'light';
}

/**
 * The environment as the root `npm start` sees it. The framework's server sets
 * NODE_ENV=production for itself; the seed's rule (no SESSION_SECRET: a development secret
 * unless NODE_ENV=production) follows the NODE_ENV the user started it with (package.json's
 * `start` passes it on as SEED_NODE_ENV).
 */
function seedEnv(): NodeJS.ProcessEnv {
  if (!('SEED_NODE_ENV' in process.env)) return process.env;
  return { ...process.env, NODE_ENV: process.env.SEED_NODE_ENV || undefined } as NodeJS.ProcessEnv;
}
