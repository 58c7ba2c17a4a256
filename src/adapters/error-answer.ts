import { SessionError, publicMessage } from '../core/errors.js';

/**
 * A framework-neutral error response: what every adapter sends when a request cannot go on.
 *
 * @example
 * const answer: ErrorAnswer = errorAnswer(new SessionError('ERR_CSRF', 'bad token')); // status 403
 */
export interface ErrorAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * The bounded answer for an error that ended a request: a `SessionError`'s own status (503, 400,
 * 403, 413) with its `publicMessage`, anything else a bare 500. Never carries internals, and is
 * never cached (`no-store`); a 503 says when to retry (RFC 9110 §10.2.3).
 *
 * @example
 * const { status, headers, body } = errorAnswer(err);
 * res.writeHead(status, headers).end(body);
 */
export function errorAnswer(err: unknown): ErrorAnswer {
  const status = err instanceof SessionError ? err.status : 500;
  const body = err instanceof SessionError ? publicMessage(err) : 'Internal Server Error';
  const headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' };
  if (status === 503) headers['retry-after'] = '1';
  // The rest of an oversized body is not read: close instead of draining it for keep-alive.
  if (status === 413) headers.connection = 'close';
  return { status, headers, body };
}
