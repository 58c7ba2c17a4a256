import { applySessionHeaders, type CommitResult, type HeaderTarget } from '../core/manager.js';
import { errorAnswer } from './error-answer.js';

/** HeaderTarget over web-standard `Headers`. */
export function webHeaderTarget(headers: Headers): HeaderTarget {
  return {
    get: (name) => headers.get(name) ?? undefined,
    set: (name, value) => headers.set(name, value),
    append: (name, value) => headers.append(name, value),
  };
}

/**
 * `response` with a commit's headers added. Headers of `Response.redirect()` and of fetched
 * responses are immutable (Fetch standard, "headers guard"), so such a response is rebuilt with
 * copied headers; the first failed mutation throws before anything changed.
 *
 * @example
 * return withSessionHeaders(response, await manager.commit(session, response));
 */
export function withSessionHeaders(response: Response, result: CommitResult): Response {
  if (!result.vary && result.setCookie === undefined) return response;
  try {
    applySessionHeaders(result, webHeaderTarget(response.headers));
    return response;
  } catch {
    const { status, statusText } = response;
    const copy = new Response(response.body, { status, statusText, headers: new Headers(response.headers) });
    applySessionHeaders(result, webHeaderTarget(copy.headers));
    return copy;
  }
}

/**
 * The bounded `Response` for an error that ended a request (see `errorAnswer`).
 *
 * @example
 * catch (err) { return sessionErrorResponse(err); }
 */
export function sessionErrorResponse(err: unknown): Response {
  const { status, headers, body } = errorAnswer(err);
  return new Response(body, { status, headers });
}
