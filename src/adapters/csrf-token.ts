import { CSRF_FIELD } from '../core/csrf.js';

/**
 * The CSRF token a request sent: the `X-CSRF-Token` header when present, else the `csrf_token`
 * field of a body a parser already turned into an object. Whether it is valid is the core's
 * call (`SessionManager.checkCsrf`); this only finds it.
 *
 * @example
 * manager.checkCsrf(req.session, req.method, sentCsrfToken(req.get('x-csrf-token'), req.body));
 */
export function sentCsrfToken(header: unknown, body: unknown): unknown {
  if (header !== undefined && header !== '') return header;
  if (typeof body !== 'object' || body === null || !Object.hasOwn(body, CSRF_FIELD)) return undefined;
  return (body as Record<string, unknown>)[CSRF_FIELD];
}
