/**
 * Events as log lines. Two calling conventions cover the loggers people use:
 * - pino, bunyan and their kin take `(fields, message)`: the event's fields become structured
 *   keys (`event`, `handle`, `store`, …) and the message is one sentence;
 * - the console (and the default logger, which is the console's `warn` and `error` only) takes
 *   one text line: `[cloakroom] <sentence> (<type> key=value …)`.
 * Nothing here sees a session ID, a cookie value or session data: events do not carry them.
 */
import type { SessionEvent } from './events.js';

/**
 * A logger: pino, bunyan, the console, or anything with `error` and `warn` (and `info`/`debug`
 * to receive those levels). A logger that is not the console is called as `logger.warn(fields,
 * message)`, the pino convention; wrap one that wants the message first.
 *
 * @example
 * new SessionManager({ store, secrets, logger: pino({ level: 'info' }) });
 */
export interface SessionLogger {
  /** Store outages (of the store or one of its tiers) as they begin; a tier given up on. */
  error(...args: unknown[]): unknown;
  /** Security refusals, and a store outage's end. */
  warn(...args: unknown[]): unknown;
  /** Not used by cloakroom's events today; accepted so any common logger fits. */
  info?(...args: unknown[]): unknown;
  /** Everything else (sessions created, loaded, saved, …; each failed store call). */
  debug?(...args: unknown[]): unknown;
  /** pino's: lets the manager skip building debug events the logger would drop. */
  isLevelEnabled?(level: string): boolean;
}

/** Loggers written to as text lines rather than `(fields, message)`. */
const TEXT_LOGGERS = new WeakSet<object>();

/**
 * @internal The logger used when none is given: the console's `warn` and `error`, nothing
 * else, so a dead store or a forged cookie is never silent and a healthy app prints nothing.
 */
export function defaultLogger(): SessionLogger {
  const logger: SessionLogger = {
    error: (...args: unknown[]) => console.error(...args),
    warn: (...args: unknown[]) => console.warn(...args),
  };
  TEXT_LOGGERS.add(logger);
  return logger;
}

/**
 * @internal Writes one event to `logger` at the event's level (a logger without that method
 * gets nothing).
 */
export function logEvent(logger: SessionLogger, event: SessionEvent): void {
  const write = logger[event.level];
  if (typeof write !== 'function') return;
  const { type, level: _level, ...fields } = event;
  const message = describeEvent(event);
  if (logger === globalThis.console || TEXT_LOGGERS.has(logger)) {
    write.call(logger, `[cloakroom] ${message} (${[type, ...Object.entries(fields).filter(([, v]) => v != null).map(([k, v]) => `${k}=${formatValue(v)}`)].join(' ')})`);
  } else {
    write.call(logger, { event: type, ...fields }, `cloakroom: ${message}`);
  }
}

function formatValue(value: unknown): string {
  return typeof value === 'string' && /^[\w.:/@,|+-]*$/.test(value) ? value : JSON.stringify(value);
}

/**
 * One sentence per event, for people reading logs.
 *
 * @example
 * describeEvent({ type: 'security.bad-signature', level: 'warn' }); // 'a session cookie with a bad signature was ignored …'
 */
export function describeEvent(event: SessionEvent): string {
  switch (event.type) {
    case 'session.created':
      return 'session created';
    case 'session.loaded':
      return 'session loaded';
    case 'session.saved':
      return 'session saved';
    case 'session.renewed':
      return 'session expiry renewed';
    case 'session.key-cycled':
      return 'session moved to a new ID (login or cycleKey); the old record was deleted';
    case 'session.flushed':
      return 'session ended and its record deleted (logout, flush or emptied)';
    case 'session.expired':
      return 'a signed session cookie found no live record (expired or deleted); treated as no session';
    case 'session.revoked':
      return `${event.count} session(s) revoked`;
    case 'session.resigned':
      return 'a session cookie signed by an older secret was re-signed with the newest one';
    case 'security.bad-signature':
      return 'a session cookie with a bad signature was ignored (tampered, forged, or signed by a retired secret)';
    case 'security.malformed-cookie':
      return event.reason === 'oversized' ? 'an oversized session cookie was ignored' : 'a malformed session cookie was ignored';
    case 'security.corrupted-record':
      return 'the store returned a corrupted session record; treated as no session';
    case 'security.interrupted':
      return "a request's session changes were refused: the session was deleted while it ran (logout elsewhere)";
    case 'security.csrf-refused':
      return `a state-changing request was refused: CSRF token ${event.reason}`;
    case 'store.failed':
      return event.tier ? `session store ${event.tier} call failed: ${event.error}` : `session store call failed: ${event.error}`;
    case 'store.timeout':
      return `session store did not answer within ${event.timeoutMs} ms`;
    case 'store.outage-began':
      return event.tier
        ? `session store ${event.store}: its ${event.tier} is failing (${event.error}); requests are served without it until it recovers`
        : `session store ${event.store} is failing (${event.error}); requests that need it answer 503 until it recovers`;
    case 'store.outage-ended':
      return `session store ${event.store}${event.tier ? `: its ${event.tier}` : ''} answers again after ${formatDuration(event.durationMs)} (${event.failures} failed calls)`;
    case 'store.tier-bypassed':
      return `session store ${event.store}: its ${event.tier} is bypassed in this process until a restart (${event.reason})`;
  }
}

function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}
