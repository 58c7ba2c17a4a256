/**
 * One cloakroom manager for the app, configured exactly as the root `npm start`: SESSION_STORE
 * (default sqlite:./data/sessions.db), SESSION_SECRET, SESSION_COOKIE_AGE; a mistake stops the
 * server at startup with one line naming the variable.
 */
import { SessionManager } from 'cloakroom';
import { createSessionMiddleware } from 'cloakroom/react-router';
import { createStore } from 'cloakroom/stores/from-url';
import { configFromEnv } from '../../seed/config.ts';
import type { DemoData } from '../../seed/app.ts';

let config;
try {
  config = configFromEnv(seedEnv());
} catch (err) {
  console.error(`Error: ${(err as Error).message}`);
  process.exit(1);
}
const store = await createStore(config.store, { secrets: config.secrets });

export const sessions = new SessionManager<DemoData>({
  store,
  secrets: config.secrets,
  ...(config.cookieAge !== undefined ? { cookie: { maxAge: config.cookieAge } } : {}),
});

/** Every POST needs this session's CSRF token (the forms carry it in a hidden input). */
export const { sessionMiddleware, sessionContext } = createSessionMiddleware<DemoData>(sessions, { csrf: true });

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
