/**
 * What a `SessionManager` reports: one typed union of events, each with a `type` and a `level`,
 * delivered to the `onEvent` listener, the `logger` and the `telemetry` of its options.
 *
 * Events never carry a session ID, a cookie value or session data. A session is named by its
 * handle: the first characters of its store key (the SHA-256 of the ID that stores already keep
 * at rest, and that `listUserSessions` shows whole), so a log line can be matched to a row of
 * "your sessions" or of `cloakroom sessions` without anything in it that opens a session.
 *
 * Cost: the manager asks `wants(type)` before it builds anything, and debug-level events are
 * only built when someone takes them (an `onEvent` listener, telemetry, or a logger whose debug
 * level is enabled). With the defaults only warnings and errors are built, and those are rare.
 */
import { sessionHandle } from './handle.js';
import type { SessionStore } from './store.js';
import { defaultLogger, logEvent, type SessionLogger } from './log.js';

/**
 * How loud an event is: `warn` for security refusals, `error` when the store (or one of its
 * tiers) goes down, `debug` for the rest (the default logger prints `warn` and `error` only).
 *
 * @example
 * if (event.level !== 'debug') alert(event);
 */
export type SessionEventLevel = 'debug' | 'warn' | 'error';

/**
 * The fields of each event type, besides `type` and `level`. `handle` is `null` where the
 * session has no server record (the cookie store).
 *
 * @example
 * const fields: SessionEventFields['store.outage-ended'] = { store: 'redis://cache:6379', durationMs: 5000, failures: 12 };
 */
export interface SessionEventFields {
  /** A record was stored under a fresh ID (the first save of a session). */
  'session.created': { handle: string | null };
  /** A request's signed cookie found its live record. */
  'session.loaded': { handle: string | null };
  /** A request's changes were written to the session's record. */
  'session.saved': { handle: string | null };
  /** An unmodified session's expiry was moved on (sliding expiry). */
  'session.renewed': { handle: string | null };
  /** `cycleKey()` / `login()`: the data now lives under a new ID, the record of `previous` is gone. */
  'session.key-cycled': { handle: string | null; previous: string };
  /** `flush()` / `logout()`, or a session emptied by its handler: its record was deleted. */
  'session.flushed': { handle: string };
  /** A validly signed cookie whose record is gone or expired (stores do not tell the two apart). */
  'session.expired': { handle: string };
  /** `revokeUserSessions` / `revokeUserSession` ended `count` sessions (`handle` for a single one). */
  'session.revoked': { handle: string | null; count: number };
  /** A cookie signed by an older secret was signed again by the newest one (secret rotation). */
  'session.resigned': { handle: string | null };
  /** A session cookie whose signature verifies under no secret: tampered, forged, or signed by a retired secret. */
  'security.bad-signature': Record<never, never>;
  /** A session cookie that cannot be one: wrong shape (`format`) or longer than any we issue (`oversized`). */
  'security.malformed-cookie': { reason: 'format' | 'oversized' };
  /** The store returned something that is not a session record (hand-edited, or written by something else). */
  'security.corrupted-record': { handle: string };
  /** A request's changes were refused because the session was deleted meanwhile (a logout elsewhere won). */
  'security.interrupted': { handle: string };
  /** A state-changing request without a valid CSRF token was refused (403). */
  'security.csrf-refused': { handle: string | null; reason: 'missing' | 'invalid' };
  /**
   * One store call failed (each time; see the outage events for the once-per-outage report).
   * With `tier`, a call to that part of the store (a tiered store's `cache`) failed and the store
   * went on without it.
   */
  'store.failed': { store: string; tier?: string; error: string };
  /** One store call did not answer within `storeTimeout`. */
  'store.timeout': { store: string; timeoutMs: number };
  /**
   * The first failure after the store last answered: requests that need it get 503 from now on.
   * With `tier`, only that part of the store is failing, and the store serves requests without it.
   */
  'store.outage-began': { store: string; tier?: string; error: string };
  /** The first answer after an outage (of the store, or of its `tier`): how long it lasted and how many calls failed meanwhile. */
  'store.outage-ended': { store: string; tier?: string; durationMs: number; failures: number };
  /** The store stopped using its `tier` in this process (until a restart), for `reason`. */
  'store.tier-bypassed': { store: string; tier: string; reason: string };
}

/**
 * Every event's `type`.
 *
 * @example
 * const counts = new Map<SessionEventType, number>();
 */
export type SessionEventType = keyof SessionEventFields;

/**
 * One event: `{ type, level, ...fields }`, narrowed by `type`.
 *
 * @example
 * new SessionManager({ store, secrets, onEvent: (e) => { if (e.type === 'store.outage-began') page(e.store, e.error); } });
 */
export type SessionEvent = { [T in SessionEventType]: { type: T; level: SessionEventLevel } & SessionEventFields[T] }[SessionEventType];

/**
 * The level of each event type.
 *
 * @example
 * EVENT_LEVELS['security.bad-signature']; // 'warn'
 */
export const EVENT_LEVELS: Readonly<Record<SessionEventType, SessionEventLevel>> = Object.freeze({
  'session.created': 'debug',
  'session.loaded': 'debug',
  'session.saved': 'debug',
  'session.renewed': 'debug',
  'session.key-cycled': 'debug',
  'session.flushed': 'debug',
  'session.expired': 'debug',
  'session.revoked': 'debug',
  // Every active visitor is re-signed once during a rotation: expected, so not a warning.
  'session.resigned': 'debug',
  'security.bad-signature': 'warn',
  'security.malformed-cookie': 'warn',
  'security.corrupted-record': 'warn',
  'security.interrupted': 'warn',
  'security.csrf-refused': 'warn',
  'store.failed': 'debug',
  'store.timeout': 'debug',
  'store.outage-began': 'error',
  // Recovery is printed by the default logger (warn and up), so an outage never ends silently.
  'store.outage-ended': 'warn',
  'store.tier-bypassed': 'error',
});


/**
 * What telemetry plugs into a manager (`cloakroom/telemetry` makes one for OpenTelemetry): it
 * sees every event, and may wrap the store to time and trace each call.
 *
 * @example
 * const telemetry: SessionTelemetry = { onEvent: (e) => counters.add(e.type), instrumentStore: (s) => s };
 */
export interface SessionTelemetry {
  /** Receives every event, whatever its level. */
  onEvent(event: SessionEvent): void;
  /** Called once by the manager: the store to call instead of `store` (the same calls, observed). */
  instrumentStore?(store: SessionStore): SessionStore;
}

/**
 * Who listens to a manager's events (the manager's options of the same names).
 *
 * @example
 * new SessionEvents({ onEvent: (e) => seen.push(e), logger: pino() });
 */
export interface SessionEventOptions {
  onEvent?: ((event: SessionEvent) => void) | undefined;
  /** A logger (pino, console, …); `false` for none. Default: warnings and errors to the console. */
  logger?: SessionLogger | false | undefined;
  telemetry?: SessionTelemetry | undefined;
}

/**
 * @internal The manager's dispatcher: decides who wants an event before it is built, builds
 * it once, and hands it to each taker. A listener that throws is reported once as a process
 * warning and never fails a request.
 */
export class SessionEvents {
  readonly #listeners: Array<(event: SessionEvent) => void> = [];
  readonly #logger: SessionLogger | null;
  /** Someone other than the logger takes every event (listener, telemetry). */
  readonly #takesAll: boolean;
  #listenerFailed = false;

  constructor(options: SessionEventOptions = {}) {
    if (options.onEvent) this.#listeners.push(options.onEvent);
    if (options.telemetry) {
      const telemetry = options.telemetry;
      this.#listeners.push((event) => telemetry.onEvent(event));
    }
    this.#takesAll = this.#listeners.length > 0;
    this.#logger = options.logger === false ? null : (options.logger ?? defaultLogger());
  }

  /** True when an event of `type` would reach anyone: the caller may skip building its fields. */
  wants(type: SessionEventType): boolean {
    if (this.#takesAll) return true;
    const logger = this.#logger;
    if (logger === null) return false;
    const level = EVENT_LEVELS[type];
    if (level !== 'debug') return true;
    // pino and its kin answer isLevelEnabled; a plain console-like logger takes debug when it has it.
    return typeof logger.debug === 'function' && (logger.isLevelEnabled ? logger.isLevelEnabled('debug') : true);
  }

  /**
   * Emits `type` for the session stored under `key` (its handle is derived here), with
   * `fields`. Does nothing, and allocates nothing, when nobody wants it.
   */
  emit(type: SessionEventType, key?: string | null, fields?: object): void {
    if (!this.wants(type)) return;
    const event = { type, level: EVENT_LEVELS[type], ...(key === undefined ? {} : { handle: key === null ? null : sessionHandle(key) }), ...fields } as SessionEvent;
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (err) {
        this.#reportListenerFailure(err);
      }
    }
    if (this.#logger !== null && (event.level !== 'debug' || typeof this.#logger.debug === 'function')) {
      try {
        logEvent(this.#logger, event);
      } catch (err) {
        this.#reportListenerFailure(err);
      }
    }
  }

  #reportListenerFailure(err: unknown): void {
    if (this.#listenerFailed) return;
    this.#listenerFailed = true;
    globalThis.process?.emitWarning?.(`A cloakroom event listener or logger threw (reported once): ${(err as Error)?.message ?? err}`, 'CloakroomEventListenerError');
  }
}
