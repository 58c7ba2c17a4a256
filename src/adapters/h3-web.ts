import { applySessionHeaders } from '../core/manager.js';
import { isSessionError } from '../core/errors.js';
import type { Session } from '../core/session.js';
import type { AppSessionData, AppSessionManager } from './types.js';
import { sessionErrorResponse, webHeaderTarget, withSessionHeaders } from './web.js';

/** The part of an h3 v2 event the commit uses (`event.res` holds the headers h3 merges into its answer). */
export interface H3v2Event {
  req: Request;
  res: { status?: number | undefined; headers: Headers; errHeaders?: Headers };
  context: Record<string, unknown>;
}

/** h3 v2's "no route matched" value: it becomes a 404 HTTPError, which takes `event.res.errHeaders`. */
const NOT_FOUND = Symbol.for('h3.notFound');

/**
 * Commits the session for what `next()` returned or threw, before h3 turns it into a response.
 * h3 v2 builds the response only after the middleware returns, merging `event.res.headers`
 * into a success and `event.res.errHeaders` into an error: the commit's headers go where h3 will
 * take them. A thrown error of 5xx (or no status) commits as a 500 and is rethrown; a thrown
 * `SessionError` (CSRF, 413) gets its bounded answer; a failed commit answers 503.
 */
export async function commitWebResult(
  manager: AppSessionManager,
  session: Session<AppSessionData>,
  event: H3v2Event,
  value: unknown,
  thrown: boolean,
): Promise<unknown> {
  try {
    if (thrown && isSessionError(value)) value = sessionErrorResponse(value);
    else if (thrown) {
      const status = statusOf(value);
      if (status === undefined || status >= 500) {
        await manager.commitAfterThrow(session);
        throw value;
      }
      applySessionHeaders(await manager.commit(session, { status }), webHeaderTarget(errorHeaders(event)));
      throw value;
    }
    if (value instanceof Response) return withSessionHeaders(value, await manager.commit(session, value));
    if (value === NOT_FOUND) {
      applySessionHeaders(await manager.commit(session, { status: 404 }), webHeaderTarget(errorHeaders(event)));
      return value;
    }
    // A string, an object, or h3's HTTPResponse (`redirect()`, `html()`): h3 merges event.res.headers into it.
    const status = statusOf(value) ?? event.res.status ?? 200;
    applySessionHeaders(await manager.commit(session, { status }), webHeaderTarget(event.res.headers));
    return value;
  } catch (err) {
    if (err === value && thrown) throw err;
    if (isSessionError(err)) return sessionErrorResponse(err);
    throw err;
  }
}

/** The status an h3 `HTTPError` or `HTTPResponse` carries, if any. */
function statusOf(value: unknown): number | undefined {
  const status = (value as { status?: unknown } | null)?.status;
  return typeof value === 'object' && Number.isInteger(status) ? (status as number) : undefined;
}

function errorHeaders(event: H3v2Event): Headers {
  if (!event.res.errHeaders) throw new TypeError('cloakroom/h3 needs h3 2.0 or later (event.res.errHeaders).');
  return event.res.errHeaders;
}
