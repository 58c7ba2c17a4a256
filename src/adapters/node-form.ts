import type { IncomingMessage } from 'node:http';
import { SessionError } from '../core/errors.js';

/** Default limit for `readForm`: 64 KiB is far more than any login or settings form needs. */
export const MAX_FORM_BYTES = 64 * 1024;

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
  const tooLarge = () => new SessionError('ERR_SESSION_TOO_LARGE', `Form body over ${limit} bytes.`);
  if (Number(req.headers['content-length']) > limit) throw tooLarge();
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    total += chunk.length;
    // Stop reading at once; the 413 goes out with `Connection: close` (see sendSessionError).
    if (total > limit) throw tooLarge();
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}
