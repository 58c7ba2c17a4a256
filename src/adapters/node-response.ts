import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorAnswer } from './error-answer.js';
import { applySessionHeaders, type CommitResult, type HeaderTarget } from '../core/manager.js';

/**
 * HeaderTarget over a node:http response (Express's `res` is one too).
 *
 * @example
 * applySessionHeaders(result, nodeHeaderTarget(res));
 */
export function nodeHeaderTarget(res: ServerResponse): HeaderTarget {
  return {
    get(name) {
      const value = res.getHeader(name);
      if (value === undefined) return undefined;
      return Array.isArray(value) ? value.join(', ') : String(value);
    },
    set(name, value) {
      res.setHeader(name, value);
    },
    append(name, value) {
      res.appendHeader(name, value);
    },
  };
}

/**
 * Ends a response with a `SessionError`'s bounded answer (503, 400, 403, 413) or a bare 500,
 * replacing whatever headers the handler had set. Never throws.
 *
 * @example
 * catch (err) { sendSessionError(res, err); }
 */
export function sendSessionError(res: ServerResponse, err: unknown): void {
  if (res.headersSent || res.writableEnded) {
    res.destroy(err instanceof Error ? err : undefined);
    return;
  }
  const { status, headers, body } = errorAnswer(err);
  for (const name of res.getHeaderNames()) res.removeHeader(name);
  res.writeHead(status, headers);
  res.end(body);
}

type AnyFn = (...args: any[]) => any;

/**
 * Holds back a response's head until the session is committed, so the Set-Cookie is on it and
 * the store already has the data when the client follows a redirect (express-session #360 is
 * the bug this prevents: the redirect raced the save). `writeHead`, `write`, `end` and
 * `flushHeaders` are queued from the first call, then replayed in order once `commit` settles.
 * If the commit fails, the queued response is dropped and a bounded error answer sent instead.
 *
 * @example
 * commitBeforeHeaders(res, (status) => sessions.commit(session, { status }));
 */
export function commitBeforeHeaders(res: ServerResponse, commit: (status: number) => Promise<CommitResult>): void {
  const original = { writeHead: res.writeHead, write: res.write, end: res.end, flushHeaders: res.flushHeaders };
  const queue: Array<() => void> = [];
  let started = false;

  const restore = () => {
    res.writeHead = original.writeHead;
    res.write = original.write;
    res.end = original.end;
    res.flushHeaders = original.flushHeaders;
  };

  const start = (status: number) => {
    started = true;
    commit(status).then(
      (result) => {
        restore();
        if (!res.headersSent) applySessionHeaders(result, nodeHeaderTarget(res));
        for (const call of queue.splice(0)) call();
      },
      (err: unknown) => {
        restore();
        queue.length = 0;
        sendSessionError(res, err);
      },
    );
  };

  const defer = (name: keyof typeof original, statusOf: (args: unknown[]) => number, result: (args: unknown[]) => unknown) =>
    function (this: ServerResponse, ...args: unknown[]) {
      if (!started) start(statusOf(args));
      queue.push(() => (original[name] as AnyFn).apply(res, args));
      return result(args);
    };

  res.writeHead = defer('writeHead', (args) => (typeof args[0] === 'number' ? args[0] : res.statusCode), () => res) as AnyFn as typeof res.writeHead;
  res.flushHeaders = defer('flushHeaders', () => res.statusCode, () => undefined) as AnyFn as typeof res.flushHeaders;
  res.write = defer('write', () => res.statusCode, () => true) as AnyFn as typeof res.write;
  res.end = defer('end', () => res.statusCode, () => res) as AnyFn as typeof res.end;
}

/**
 * Request facts the core reads.
 *
 * @example
 * const session = await sessions.load(req.headers.cookie, loadContext(req));
 */
export function loadContext(req: IncomingMessage) {
  return { userAgent: req.headers['user-agent'] };
}
