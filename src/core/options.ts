import { SessionError } from './errors.js';
import { splitSecrets } from './secrets.js';
import { requireStrongSecrets } from './secret-strength.js';
import type { SessionManagerOptions } from './manager.js';

/**
 * The manager's options checked once, at startup: a value that would fail or misbehave on the
 * first request (a negative timeout, a weak secret, an idle timeout the renewal cannot keep up
 * with) throws `ERR_SESSION_CONFIG` here instead. Cookie attributes are checked by
 * `resolveCookieOptions`, secret lengths by the signer.
 */

/** The time options in milliseconds, resolved: absent limits are `undefined`. */
export interface ResolvedTimes {
  touchAfterMs: number;
  storeTimeout: number;
  absoluteTimeoutMs: number | undefined;
  idleTimeoutMs: number | undefined;
}

/**
 * Checks what the manager's constructor does not check elsewhere and resolves the time options.
 *
 * @example
 * const times = checkManagerOptions({ store, secrets, idleTimeout: 1800 }); // touchAfterMs 180_000
 */
export function checkManagerOptions(options: SessionManagerOptions): ResolvedTimes {
  if (!options || !options.store) throw new SessionError('ERR_SESSION_CONFIG', 'SessionManager needs a store.');
  const secrets = typeof options.secrets === 'string' ? splitSecrets(options.secrets) : options.secrets;
  if (Array.isArray(secrets)) requireStrongSecrets(secrets, 'session');
  const absolute = finite('absoluteTimeout', options.absoluteTimeout);
  const idle = finite('idleTimeout', options.idleTimeout);
  // With an idle timeout, a request is recorded at most once per touchAfter: by default a tenth
  // of the idle timeout (at most an hour), so the idle clock is never more than 10% behind.
  const touchAfter = finite('touchAfter', options.touchAfter, true) ?? (idle === undefined ? 3600 : Math.min(3600, idle / 10));
  if (idle !== undefined && touchAfter >= idle) {
    throw new SessionError('ERR_SESSION_CONFIG', `touchAfter (${touchAfter} s) must be shorter than idleTimeout (${idle} s), or the idle clock cannot keep up with an active user.`);
  }
  const storeTimeout = finite('storeTimeout', options.storeTimeout) ?? 1000;
  return {
    touchAfterMs: touchAfter * 1000,
    storeTimeout,
    absoluteTimeoutMs: absolute === undefined ? undefined : absolute * 1000,
    idleTimeoutMs: idle === undefined ? undefined : idle * 1000,
  };
}

function finite(name: string, value: number | undefined, zeroAllowed = false): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (value === 0 && !zeroAllowed)) {
    throw new SessionError('ERR_SESSION_CONFIG', `${name} must be a ${zeroAllowed ? 'non-negative' : 'positive'} finite number; got ${String(value)}.`);
  }
  return value;
}
