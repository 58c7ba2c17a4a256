import type { Handle } from '@sveltejs/kit';
import type { Session } from '../core/session.js';
import type { AppSessionData, AppSessionManager } from './types.js';
import { withSession } from './fetch.js';

declare global {
  // SvelteKit's own namespace for per-request types (src/app.d.ts): the hook fills `event.locals.session`.
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace App {
    interface Locals {
      /** This request's session (typed by augmenting cloakroom's `SessionData`). */
      session: Session<AppSessionData>;
    }
  }
}

/**
 * SvelteKit `handle` hook: `event.locals.session` in every load, form action and `+server`
 * route. `resolve(event)` gives back the finished `Response` — a page, a `redirect()` thrown
 * from a form action, the page of an `error()` — and the session is committed with its status
 * before the hook returns it, so the cookie is on it and the store has the data when the browser
 * follows the redirect. A request that never touched the session gets no cookie. A store failure
 * answers 503. Cross-site form posts are refused by SvelteKit's own origin check
 * (`kit.csrf.checkOrigin`, on by default) before any action runs; keep it on.
 * Combine with other hooks through `sequence()` from `@sveltejs/kit/hooks`.
 *
 * @example
 * // src/hooks.server.ts
 * export const handle = session(sessions);
 * // src/routes/home/+page.server.ts
 * export const load = ({ locals }) => ({ username: locals.session.get('username', 'Guest') });
 */
export function session(manager: AppSessionManager): Handle {
  return ({ event, resolve }) =>
    withSession(manager, (_request, current) => {
      event.locals.session = current;
      return resolve(event);
    })(event.request);
}
