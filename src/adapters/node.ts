import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SessionManager } from '../core/manager.js';
import type { Session, SessionDataShape } from '../core/session.js';
import type { HandlerSessionData } from './types.js';
import { commitSessionBeforeHeaders, loadContext, loadThen, sendSessionError } from './node-response.js';
import { isSessionError } from '../core/errors.js';

export { sendSessionError } from './node-response.js';
export { readForm, MAX_FORM_BYTES } from './node-form.js';

/**
 * Loads the session for a node:http request and arranges its commit before the response's
 * headers go out. Resolves null when the store failed; the 503 has then been sent.
 *
 * @example
 * const session = await attachSession(sessions, req, res);
 * if (!session) return;
 */
export async function attachSession<Data extends SessionDataShape>(
  manager: SessionManager<Data>,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<Session<HandlerSessionData<Data>> | null> {
  let session: Session<Data>;
  try {
    session = await manager.loadNow(req.headers.cookie, loadContext(req));
  } catch (err) {
    sendSessionError(res, err);
    return null;
  }
  commitSessionBeforeHeaders(res, manager, session);
  return session as Session<HandlerSessionData<Data>>;
}

/**
 * A node:http handler that also receives the request's session.
 *
 * @example
 * const handler: NodeSessionHandler<{ n: number }> = (req, res, session) => res.end(String(session.get('n') ?? 0));
 */
export type NodeSessionHandler<Data extends SessionDataShape> = (
  req: IncomingMessage,
  res: ServerResponse,
  session: Session<Data>,
) => unknown;

/**
 * Wraps a node:http handler so it receives the request's session as a third argument.
 * A handler that throws gets a 500 (and nothing is saved); a `SessionError` it throws (CSRF,
 * an oversized form) gets that error's own bounded answer.
 *
 * @example
 * http.createServer(withSession(sessions, (req, res, session) => {
 *   res.end(`Hello, ${session.get('username', 'Guest')}`);
 * }));
 */
export function withSession<Data extends SessionDataShape>(
  manager: SessionManager<Data>,
  handler: NodeSessionHandler<HandlerSessionData<Data>>,
): (req: IncomingMessage, res: ServerResponse) => void | Promise<void> {
  const run = (req: IncomingMessage, res: ServerResponse, session: Session<Data>): void | Promise<void> => {
    commitSessionBeforeHeaders(res, manager, session);
    try {
      const returned = handler(req, res, session as Session<HandlerSessionData<Data>>); // the same session, typed for the handler
      if (returned instanceof Promise) return returned.then(noop, (err: unknown) => handlerFailed(res, err));
    } catch (err) {
      handlerFailed(res, err);
    }
  };
  return (req, res) => loadThen(manager, req, res, run);
}

function noop(): void {}

function handlerFailed(res: ServerResponse, err: unknown): void {
  if (isSessionError(err)) {
    // CSRF refusals, oversized forms, store outages: their own bounded answer, not a 500.
    sendSessionError(res, err);
    return;
  }
  if (!res.headersSent && !res.writableEnded) {
    res.statusCode = 500;
    res.setHeader('content-type', 'text/plain; charset=utf-8');
    res.end('Internal Server Error');
  }
  // Surface the bug without crashing the process: this is the application's error, not ours.
  // A warning of its own (the handler's error as its cause): emitWarning ignores the type of an
  // Error it is given, so passing `err` itself would report it under the name 'Error'.
  const warning = new Error(`A request handler threw: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  warning.name = 'CloakroomHandlerError';
  if (err instanceof Error && err.stack) warning.stack = `${warning.name}: ${warning.message}\nCaused by: ${err.stack}`;
  process.emitWarning(warning);
}
