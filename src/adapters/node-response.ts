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
  new HeldResponse(res, commit, methods).install();
}

/** What each head method returns while it is held (as the real one would). */
const HELD_RESULT: Record<HeadMethod, (res: ServerResponse) => unknown> = {
  writeHead: (res) => res,
  flushHeaders: () => undefined,
  write: () => true,
  end: (res) => res,
};

/**
 * The state of one held response. A class, so that a response costs one object and the four
 * replacement functions, not a closure per step.
 */
class HeldResponse {
  readonly #res: ServerResponse;
  readonly #commit: (status: number) => CommitResult | Promise<CommitResult>;
  readonly #methods: ResponseMethods;
  #state: 'open' | 'pending' | 'failed' = 'open';
  /** Calls made while the commit is pending, replayed in order once it settles. */
  #queue: Array<() => void> | null = null;
  readonly #wrapped: Record<HeadMethod, AnyFn>;

  constructor(res: ServerResponse, commit: (status: number) => CommitResult | Promise<CommitResult>, methods: ResponseMethods) {
    this.#res = res;
    this.#commit = commit;
    this.#methods = methods;
    this.#wrapped = {
      writeHead: (...args: unknown[]) => this.#call('writeHead', args),
      flushHeaders: (...args: unknown[]) => this.#call('flushHeaders', args),
      write: (...args: unknown[]) => this.#call('write', args),
      end: (...args: unknown[]) => this.#call('end', args),
    };
  }

  install(): void {
    for (const name of HEAD_METHODS) this.#methods.replace(name, this.#wrapped[name]);
  }

  #restore(): void {
    for (const name of HEAD_METHODS) this.#methods.restore(name);
  }

  #call(name: HeadMethod, args: unknown[]): unknown {
    const res = this.#res;
    if (this.#state === 'failed') return HELD_RESULT[name](res);
    if (this.#state === 'open') {
      this.#state = 'pending';
      // `writeHead(status)` names the status; every other path sends `res.statusCode`.
      const status = name === 'writeHead' && typeof args[0] === 'number' ? args[0] : res.statusCode;
      let outcome: CommitResult | Promise<CommitResult>;
      try {
        outcome = this.#commit(status);
      } catch (err) {
        this.#fail(err);
        return HELD_RESULT[name](res);
      }
      if (!(outcome instanceof Promise)) {
        this.#succeed(outcome);
        return this.#methods.original[name].apply(res, args);
      }
      outcome.then(
        (done) => {
          this.#succeed(done);
          const queued = this.#queue ?? [];
          this.#queue = null;
          for (const call of queued) call();
        },
        (err: unknown) => this.#fail(err),
      );
    }
    (this.#queue ??= []).push(() => this.#methods.original[name].apply(res, args));
    return HELD_RESULT[name](res);
  }

  #succeed(result: CommitResult): void {
    this.#restore();
    if (!this.#res.headersSent) applySessionHeaders(result, nodeHeaderTarget(this.#res));
  }

  #fail(err: unknown): void {
    this.#state = 'failed';
    this.#queue = null;
    this.#restore();
    sendSessionError(this.#res, err);
    // The handler may still be writing: its calls must not reach the finished response.
    this.install();
  }
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
