import { applySessionHeaders, type CommitResult, type HeaderTarget } from '../core/manager.js';
import { errorAnswer } from './error-answer.js';
import { SessionError } from '../core/errors.js';
import { CSRF_FIELD } from '../core/csrf.js';
import { chunksOf, MAX_FORM_BYTES, readBoundedBody } from './bounded-body.js';

/**
 * HeaderTarget over web-standard `Headers`.
 *
 * @example
 * applySessionHeaders(result, webHeaderTarget(response.headers));
 */
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
  if (!result.vary && result.setCookie === undefined && result.csrfCookie === undefined) return response;
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

/** Largest form body the CSRF check reads (64 KiB, as `readForm`); past it the request is refused with 413. */
export const MAX_CSRF_FORM_BYTES = MAX_FORM_BYTES;
const FORM_TYPE = /^(application\/x-www-form-urlencoded|multipart\/form-data)/i;

/**
 * The `csrf_token` field of a urlencoded or multipart form, read from a clone (the handler can
 * still read the body) and never past `maxBytes`: a larger body is refused with
 * `ERR_SESSION_TOO_LARGE` (413) without reading the rest. An unreadable form carries no token.
 *
 * @example
 * const token = request.headers.get('x-csrf-token') ?? (await formCsrfToken(request));
 */
export async function formCsrfToken(request: Request, maxBytes = MAX_CSRF_FORM_BYTES): Promise<string | null> {
  const type = request.headers.get('content-type') ?? '';
  if (!FORM_TYPE.test(type) || request.body === null) return null;
  const bytes = await readBoundedBody(chunksOf(request.clone().body!), request.headers.get('content-length'), maxBytes).catch((err: unknown) => {
    if (err instanceof SessionError) throw err;
    return null; // an aborted or broken stream carries no token
  });
  if (bytes === null) return null;
  try {
    if (/^application\/x-www-form-urlencoded/i.test(type)) return new URLSearchParams(new TextDecoder().decode(bytes)).get(CSRF_FIELD);
    const value = (await new Response(bytes, { headers: { 'content-type': type } }).formData()).get(CSRF_FIELD);
    return typeof value === 'string' ? value : null;
  } catch {
    return null;
  }
}
