import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { errorAnswer } from './error-answer.js';
import { applySessionHeaders, type CommitResult, type HeaderTarget, type SessionManager } from '../core/manager.js';
import type { Session, SessionDataShape } from '../core/session.js';
import { HEAD_METHODS, instanceMethods, type HeadMethod, type ResponseMethods } from './response-methods.js';

/**
 * HeaderTarget over a node:http response (Express's `res` is one too).
 *
 * @example
 * applySessionHeaders(result, nodeHeaderTarget(res));
 */
export function nodeHeaderTarget(res: ServerResponse): HeaderTarget {
  return new ResponseHeaders(res);
}

/** A class rather than an object of closures: one small allocation on every response. */
class ResponseHeaders implements HeaderTarget {
  readonly #res: ServerResponse;
  constructor(res: ServerResponse) {
    this.#res = res;
  }
  get(name: string): string | undefined {
    const value = this.#res.getHeader(name);
    if (value === undefined) return undefined;
    return Array.isArray(value) ? value.join(', ') : String(value);
  }
  set(name: string, value: string): void {
    this.#res.setHeader(name, value);
  }
  append(name: string, value: string): void {
    this.#res.appendHeader(name, value);
  }
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
 * the bug this prevents: the redirect raced the save). The first call of `writeHead`, `write`,
 * `end` or `flushHeaders` starts the commit. A commit that answers at once (a synchronous
 * store) lets that call straight through; a pending one queues the calls and replays them in
 * order once it settles. If the commit fails, the handler's response is dropped, calls it makes
 * afterwards are ignored, and a bounded error answer is sent instead. `methods` says how the
 * four methods are replaced (default: on the response object itself).
 *
 * @example
 * commitBeforeHeaders(res, (status) => sessions.commit(session, { status }));
 */
export function commitBeforeHeaders(
  res: ServerResponse,
  commit: (status: number) => CommitResult | Promise<CommitResult>,
  methods: ResponseMethods = instanceMethods(res),
): void {
  const { original } = methods;
  const queue: Array<() => void> = [];
  let state: 'open' | 'pending' | 'failed' = 'open';

  const install = () => {
    for (const name of HEAD_METHODS) methods.replace(name, wrapped[name]);
  };
  const restore = () => {
    for (const name of HEAD_METHODS) methods.restore(name);
  };
  const succeed = (result: CommitResult) => {
    restore();
    if (!res.headersSent) applySessionHeaders(result, nodeHeaderTarget(res));
  };
  const fail = (err: unknown) => {
    state = 'failed';
    queue.length = 0;
    restore();
    sendSessionError(res, err);
    // The handler may still be writing: its calls must not reach the finished response.
    install();
  };

  const defer = (name: HeadMethod, statusOf: (args: unknown[]) => number, result: (args: unknown[]) => unknown) =>
    function (this: ServerResponse, ...args: unknown[]) {
      if (state === 'failed') return result(args);
      if (state === 'open') {
        state = 'pending';
        let outcome: CommitResult | Promise<CommitResult>;
        try {
          outcome = commit(statusOf(args));
        } catch (err) {
          fail(err);
          return result(args);
        }
        if (!(outcome instanceof Promise)) {
          succeed(outcome);
          return original[name].apply(res, args);
        }
        outcome.then(
          (done) => {
            succeed(done);
            for (const call of queue.splice(0)) call();
          },
          fail,
        );
      }
      queue.push(() => original[name].apply(res, args));
      return result(args);
    };

  const wrapped: Record<HeadMethod, AnyFn> = {
    writeHead: defer('writeHead', (args) => (typeof args[0] === 'number' ? args[0] : res.statusCode), () => res),
    flushHeaders: defer('flushHeaders', () => res.statusCode, () => undefined),
    write: defer('write', () => res.statusCode, () => true),
    end: defer('end', () => res.statusCode, () => res),
  };
  install();
}

/**
 * Commits `session` before `res`'s headers go out (see `commitBeforeHeaders`): with a store that
 * answers synchronously the commit runs inside the first head call and nothing waits; with an
 * asynchronous one the response is held until the commit settles. The session is then closed:
 * a change made once the headers are out is reported, never silently lost.
 *
 * @example
 * commitSessionBeforeHeaders(res, sessions, session);
 */
export function commitSessionBeforeHeaders<Data extends SessionDataShape>(
  res: ServerResponse,
  manager: SessionManager<Data>,
  session: Session<Data>,
  methods: ResponseMethods = instanceMethods(res),
): void {
  commitBeforeHeaders(
    res,
    (status) => {
      session.close();
      return manager.commitNow(session, status);
    },
    methods,
  );
}

/**
 * Request facts the core reads.
 *
 * @example
 * const session = await sessions.load(req.headers.cookie, loadContext(req));
 */
export function loadContext(req: IncomingMessage) {
  return contextOf(req.headers);
}

function contextOf(headers: IncomingHttpHeaders) {
  return { userAgent: headers['user-agent'] };
}

/**
 * Loads the request's session and hands it to `use` — at once when no store call is pending
 * (no cookie, a forged one, a synchronous store), else once the store answers. A failed load
 * (thrown at once by a synchronous store, or rejected) gets its bounded answer (503) instead.
 * The shared first step of the node:http and Express adapters. `headers`: the request's headers,
 * when the caller has already read them (`req.headers` is a getter, and on Express's requests
 * every property read is a slow lookup).
 *
 * @example
 * return loadThen(sessions, req, res, (req, res, session) => handler(req, res, session));
 */
export function loadThen<Data extends SessionDataShape>(
  manager: SessionManager<Data>,
  req: IncomingMessage,
  res: ServerResponse,
  use: (req: IncomingMessage, res: ServerResponse, session: Session<Data>) => void | Promise<void>,
  headers: IncomingHttpHeaders = req.headers,
): void | Promise<void> {
  let found: Session<Data> | Promise<Session<Data>>;
  try {
    found = manager.loadNow(headers.cookie, contextOf(headers));
  } catch (err) {
    sendSessionError(res, err);
    return;
  }
  if (!(found instanceof Promise)) return use(req, res, found);
  return found.then(
    (session) => use(req, res, session),
    (err: unknown) => sendSessionError(res, err),
  );
}
