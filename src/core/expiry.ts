import { SessionError } from './errors.js';
import { MAX_COOKIE_AGE } from './cookie.js';

/**
 * Everything about when a session ends, in one place: how `setExpiry` is stored in the session,
 * what it means at a given moment, when a session's life is renewed (sliding expiry), and the
 * two limits no activity extends (OWASP ASVS V7.3): the absolute timeout, counted from the
 * session's creation (a login creates it anew), and the idle timeout, counted from the last
 * request that was recorded. The tests that pin these rules are in `expiry.test.ts` beside this file.
 */

/** The session key under which `setExpiry`'s setting is stored (hidden from `keys()`). */
export const EXPIRY_KEY = '$expiry';

/**
 * A `setExpiry` setting as stored in the session: seconds of life (`0` = at browser close),
 * or an absolute time. `undefined`: the manager's defaults apply.
 */
export type ExpirySetting = number | { at: number } | undefined;

/** The manager's expiry options, resolved. */
export interface ExpiryPolicy {
  /** Default lifetime in seconds (the cookie's Max-Age). */
  readonly maxAge: number;
  /** Django's SESSION_EXPIRE_AT_BROWSER_CLOSE, for sessions without a setting of their own. */
  readonly expireAtBrowserClose: boolean;
  /** Sliding expiry: a used session's life is renewed, at most once per `touchAfterMs`. */
  readonly rolling: boolean;
  readonly touchAfterMs: number;
  /** Milliseconds a session may live from its creation (its login), whatever the activity. Absent: no limit. */
  readonly absoluteTimeoutMs?: number;
  /** Milliseconds without a recorded request after which a session ends. Absent: no limit. */
  readonly idleTimeoutMs?: number;
}

/** What a stored record says about its own life (epoch ms). */
export interface RecordLife {
  readonly createdAt: number;
  readonly lastSeenAt: number;
  readonly expiresAt: number;
}

/**
 * The stored form of `setExpiry(value)`: seconds (floored), `{ at }` for a Date, `undefined`
 * for `null` (back to the default). Throws `ERR_SESSION_EXPIRY` at the call for anything else,
 * including a life longer than a browser keeps a cookie (`MAX_COOKIE_AGE`, 400 days): past it
 * the date is not even representable (`setExpiry(1e13)` once gave `Max-Age=NaN`).
 *
 * @example
 * encodeExpiry(3600, Date.now()); // 3600
 */
export function encodeExpiry(value: number | Date | null, now: number): ExpirySetting {
  if (value === null) return undefined;
  if (value instanceof Date) {
    const at = value.getTime();
    if (!Number.isFinite(at)) throw new SessionError('ERR_SESSION_EXPIRY', 'setExpiry() got an invalid Date.');
    if (at - now > MAX_COOKIE_AGE * 1000) {
      throw new SessionError('ERR_SESSION_EXPIRY', `setExpiry() got a Date more than ${MAX_COOKIE_AGE} seconds (400 days, the browsers' cookie cap) away.`);
    }
    return { at };
  }
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > MAX_COOKIE_AGE) {
    throw new SessionError('ERR_SESSION_EXPIRY', `setExpiry() takes seconds from 0 to ${MAX_COOKIE_AGE} (400 days), a Date, or null; got ${String(value)}.`);
  }
  return Math.floor(value);
}

/**
 * The setting read back from a session's stored value; anything malformed (a hand-edited or
 * corrupted record) counts as no setting, so the defaults apply.
 *
 * @example
 * decodeExpiry(JSON.parse('{"at":1767225600000}')); // { at: 1767225600000 }
 */
export function decodeExpiry(stored: unknown): ExpirySetting {
  if (typeof stored === 'number') return Number.isFinite(stored) && stored >= 0 && stored <= MAX_COOKIE_AGE ? stored : undefined;
  if (typeof stored === 'object' && stored !== null && typeof (stored as { at?: unknown }).at === 'number') {
    const at = (stored as { at: number }).at;
    return Number.isFinite(at) ? { at } : undefined;
  }
  return undefined;
}

/**
 * The moment the absolute timeout ends a session created (or logged in) at `createdAt`, epoch
 * ms; `Infinity` when there is no absolute timeout.
 *
 * @example
 * absoluteDeadline(record.createdAt, policy); // createdAt + absoluteTimeout
 */
export function absoluteDeadline(createdAt: number, policy: ExpiryPolicy): number {
  return policy.absoluteTimeoutMs === undefined ? Infinity : createdAt + policy.absoluteTimeoutMs;
}

/**
 * True when a record has outlived the limits no activity extends: its absolute timeout (from
 * `createdAt`) or its idle timeout (from `lastSeenAt`). The core asks this of every record a
 * store or a cookie returns, so a session used every day still ends, and a sealed cookie-store
 * cookie cannot be refreshed for ever.
 *
 * @example
 * if (outlived(record, policy, now)) return newSession();
 */
export function outlived(life: Pick<RecordLife, 'createdAt' | 'lastSeenAt'>, policy: ExpiryPolicy, now: number): boolean {
  if (now >= absoluteDeadline(life.createdAt, policy)) return true;
  return policy.idleTimeoutMs !== undefined && now >= life.lastSeenAt + policy.idleTimeoutMs;
}

/** Seconds of life left from `now` (Django's `get_expiry_age`), never past the absolute deadline. */
export function expiryAge(setting: ExpirySetting, policy: ExpiryPolicy, now: number, deadline = Infinity): number {
  let age: number;
  if (typeof setting === 'object') age = Math.max(0, Math.floor((setting.at - now) / 1000));
  else if (typeof setting === 'number' && setting > 0) age = setting;
  else age = policy.maxAge;
  return deadline === Infinity ? age : Math.max(0, Math.min(age, Math.floor((deadline - now) / 1000)));
}

/** When the session ends if nothing else happens, epoch ms (Django's `get_expiry_date`). */
export function expiryTime(setting: ExpirySetting, policy: ExpiryPolicy, now: number, deadline = Infinity): number {
  if (typeof setting === 'object') return Math.min(setting.at, deadline);
  return Math.min(now + expiryAge(setting, policy, now) * 1000, deadline);
}

/** True when the cookie is a browser-session cookie (sent without Max-Age/Expires). */
export function endsAtBrowserClose(setting: ExpirySetting, policy: ExpiryPolicy): boolean {
  return setting === undefined ? policy.expireAtBrowserClose : setting === 0;
}

/**
 * The expiry a save (or renewal) writes: the session's expiry time, except that browser-close
 * sessions still end on the server after the default age, as in Django; never past the
 * absolute deadline of a session created at `createdAt`.
 */
export function expiresAtOnSave(setting: ExpirySetting, policy: ExpiryPolicy, now: number, createdAt = now): number {
  const deadline = absoluteDeadline(createdAt, policy);
  if (endsAtBrowserClose(setting, policy)) return Math.min(now + policy.maxAge * 1000, deadline);
  return expiryTime(setting, policy, now, deadline);
}

/**
 * What a request owes a stored session that it did not change: `'renew'` (sliding expiry: more
 * than `touchAfterMs` would be added to its life), `'seen'` (only the idle clock needs the
 * request recorded: with an idle timeout, `lastSeenAt` is refreshed every `touchAfterMs`), or
 * null. Absolute dates (`setExpiry(Date)`) never slide, nothing slides with `rolling: false`
 * (Django's "expires after the last save"), and nothing slides past the absolute deadline.
 *
 * @example
 * renewal(undefined, record, policy, Date.now()); // 'renew' | 'seen' | null
 */
export function renewal(setting: ExpirySetting, stored: RecordLife, policy: ExpiryPolicy, now: number): 'renew' | 'seen' | null {
  if (policy.rolling && typeof setting !== 'object' && expiresAtOnSave(setting, policy, now, stored.createdAt) - stored.expiresAt > policy.touchAfterMs) return 'renew';
  if (policy.idleTimeoutMs !== undefined && now - stored.lastSeenAt > policy.touchAfterMs) return 'seen';
  return null;
}
