import type { IncomingMessage } from 'node:http';
import { MAX_FORM_BYTES, readBoundedBody } from './bounded-body.js';

export { MAX_FORM_BYTES };

/**
 * Reads an `application/x-www-form-urlencoded` request body, never past `limit` bytes: a
 * declared or streamed body over it is refused with `ERR_SESSION_TOO_LARGE` (413) without
 * reading the rest, so a client cannot make the server buffer an endless body.
 * `withSession` answers that error with its 413 on its own.
 *
 * @example
 * const form = await readForm(req);
 * sessions.checkCsrf(session, req.method, form.get('csrf_token') ?? req.headers['x-csrf-token']);
 */
export async function readForm(req: IncomingMessage, limit = MAX_FORM_BYTES): Promise<URLSearchParams> {
  const body = await readBoundedBody(req, req.headers['content-length'], limit);
  return new URLSearchParams(new TextDecoder().decode(body));
}
