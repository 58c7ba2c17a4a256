import { SessionError } from '../core/errors.js';
import type { Session, SessionDataShape } from '../core/session.js';

/**
 * The session as Server Components may use it: every read works; any call that would change it
 * throws, because Next.js lets only Server Actions and Route Handlers set cookies. The check is
 * the session's own state (changed, or a first CSRF token whose secret needs a cookie), so every
 * way of changing it is covered, present or future.
 *
 * @example
 * const view = readOnlyView(session);
 * view.get('username'); // works
 * view.set('username', 'x'); // throws ERR_SESSION_READ_ONLY naming action(…) and route(…)
 */
export function readOnlyView<Data extends SessionDataShape>(session: Session<Data>): Session<Data> {
  return new Proxy(session, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const before = needsCookie(target);
        const answer = (value as (...a: unknown[]) => unknown).apply(target, args);
        if (!before && needsCookie(target)) {
          throw new SessionError(
            'ERR_SESSION_READ_ONLY',
            `session.${String(property)}() changes the session, but this getSession() is read-only: Server Components cannot set cookies in Next.js. ` +
              'Change the session in a Server Action wrapped with action(…) or a Route Handler wrapped with route(…) from cloakroom/next.',
          );
        }
        return answer;
      };
    },
  });
}

/** Whether answering this request would now have to set a cookie. */
function needsCookie<Data extends SessionDataShape>(session: Session<Data>): boolean {
  return session.modified || session.csrfCookiePending;
}
