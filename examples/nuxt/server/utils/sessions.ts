// One SessionManager for the app, configured exactly as the root `npm start`: SESSION_SECRET and
// SESSION_STORE (default sqlite:./data/sessions.db) as the seed reads them.
import { SessionManager, SessionError } from 'cloakroom';
import { createStore } from 'cloakroom/stores/from-url';
import type { H3Event } from 'h3';
import { createError } from 'h3';
import { configFromEnv } from '../../../seed/config.ts';
import type { DemoData } from '../../../seed/app.ts';

const config = configFromEnv(process.env);

/**
 * The manager, once its store is open. Opened at startup without a top-level await: in Nitro's
 * bundle the store's lazily imported module shares a chunk with this one, and a top-level await
 * across that cycle never settles. A store that cannot be opened ends the process, as the root
 * `npm start` does.
 */
const opening = createStore(config.store, { secrets: config.secrets }).then(
  (store) =>
    new SessionManager<DemoData>({
      store,
      secrets: config.secrets,
      ...(config.cookieAge !== undefined ? { cookie: { maxAge: config.cookieAge } } : {}),
    }),
  (err: unknown) => {
    console.error(`Error: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);

/** The app's SessionManager (waits only for the first requests, while the store opens). */
export const openSessions = () => opening;

/** This request's session, put there by server/middleware/session.ts. */
export function sessionOf(event: H3Event) {
  return event.context.session as import('cloakroom').Session<DemoData>;
}

/**
 * The posted form, after cloakroom's CSRF check (the `csrf_token` hidden field every form of
 * the pages carries): a missing or foreign token is a 403, before anything is changed.
 */
export async function readCheckedForm(event: H3Event): Promise<Record<string, string | undefined>> {
  const form = ((await readBody(event)) ?? {}) as Record<string, string | undefined>;
  try {
    (await opening).checkCsrf(sessionOf(event), event.method, form.csrf_token);
  } catch (err) {
    if (err instanceof SessionError) throw createError({ statusCode: err.status, statusMessage: 'Forbidden' });
    throw err;
  }
  return form;
}
