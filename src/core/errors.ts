/**
 * Every error cloakroom throws is a `SessionError` with a stable `code`, so callers
 * branch on codes, never on message text (the jose/Lucia convention). The set is closed:
 * a new failure gets a new code here (and a row in docs/API.md), never a reused one.
 *
 * Statuses: a failure of the store's server or of its setup that an operator fixes without
 * changing the application is 503 (the next request may succeed); a programming or
 * configuration error in the application is 500; the rest answer the client (400, 403, 413).
 *
 * @example
 * if (isSessionError(err) && err.code === 'ERR_SESSION_INTERRUPTED') showSignedOutNotice();
 */
export type SessionErrorCode =
  | 'ERR_SESSION_CONFIG' // bad options at startup: missing or weak secret, bad store URL
  | 'ERR_SESSION_READ_ONLY' // a change to a read-only session (Next.js Server Components cannot set cookies)
  | 'ERR_SESSION_INTERRUPTED' // the record was deleted while this request ran (concurrent logout)
  | 'ERR_SESSION_KEY' // a key that may not be stored (reserved prefix, prototype names)
  | 'ERR_SESSION_EXPIRY' // setExpiry() got something other than seconds >= 0, a Date or null
  | 'ERR_SESSION_USER_ID' // login() got something other than a non-empty string of <= 256 characters
  | 'ERR_SESSION_SERIALIZE' // a value that cannot be stored as JSON
  | 'ERR_SESSION_TOO_LARGE' // a value or payload larger than the store accepts
  | 'ERR_STORE_UNAVAILABLE' // the store failed or timed out
  | 'ERR_STORE_SCHEMA' // the store's table is missing: create it (its schema SQL) and the next call succeeds
  | 'ERR_STORE_KEY' // a store was called with a key that storeKeyFor() did not make (a caller bug)
  | 'ERR_STORE_UNSUPPORTED' // the store cannot do this (e.g. revocation on a stateless store)
  | 'ERR_CSRF' // a state-changing request without a valid CSRF token
  | 'ERR_SESSION_REAUTH'; // requireRecentLogin(): the login is older than the action allows (re-authenticate)

/** @example if (err instanceof SessionError && err.code === 'ERR_STORE_UNAVAILABLE') retryLater(); */
export class SessionError extends Error {
  readonly code: SessionErrorCode;
  /** The HTTP status an adapter answers with when this error ends a request. */
  readonly status: number;
  constructor(code: SessionErrorCode, message: string, options: { cause?: unknown; status?: number } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SessionError';
    this.code = code;
    this.status = options.status ?? statusForCode(code);
  }
}

function statusForCode(code: SessionErrorCode): number {
  switch (code) {
    case 'ERR_STORE_UNAVAILABLE':
    // A missing table is fixed by a migration, not a code change, and the store checks again on
    // its next call: to a client and a load balancer it is the store being unavailable.
    case 'ERR_STORE_SCHEMA':
      return 503;
    case 'ERR_CSRF':
    case 'ERR_SESSION_REAUTH':
      return 403;
    case 'ERR_SESSION_TOO_LARGE':
      return 413;
    // Django answers SessionInterrupted with 400 Bad Request: the request's own session ended
    // under it (a logout in another tab), and its writes were deliberately not applied.
    case 'ERR_SESSION_INTERRUPTED':
      return 400;
    default:
      return 500;
  }
}

/**
 * True for errors an adapter should turn into a bounded HTTP answer rather than rethrow.
 *
 * @example
 * catch (err) { if (isSessionError(err)) return reply(err.status, publicMessage(err)); throw err; }
 */
export function isSessionError(err: unknown): err is SessionError {
  return err instanceof SessionError;
}

/**
 * The short text an adapter sends with a `SessionError`'s status: no internals, no stack.
 *
 * @example
 * res.writeHead(err.status, { 'content-type': 'text/plain' }).end(publicMessage(err));
 */
export function publicMessage(err: SessionError): string {
  switch (err.code) {
    case 'ERR_STORE_UNAVAILABLE':
      return 'Service Unavailable: the session store did not answer. Please try again shortly.';
    case 'ERR_STORE_SCHEMA':
      return 'Service Unavailable: the session store is not ready. Please try again shortly.';
    case 'ERR_SESSION_INTERRUPTED':
      return 'Bad Request: your session ended while this request was running (signed out elsewhere?). Nothing was saved.';
    case 'ERR_CSRF':
      return 'Forbidden: CSRF token missing or invalid.';
    case 'ERR_SESSION_TOO_LARGE':
      return 'Payload Too Large.';
    case 'ERR_SESSION_REAUTH':
      return 'Forbidden: please confirm your password to continue.';
    default:
      return 'Internal Server Error';
  }
}
