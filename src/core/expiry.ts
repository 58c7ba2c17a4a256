import { SessionError } from './errors.js';

/**
 * Everything about when a session ends, in one place: how `setExpiry` is stored in the session,
 * what it means at a given moment, and when a session's life is renewed (sliding expiry).
 * The tests that pin these rules are in `expiry.test.ts` beside this file.
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
}

/**
 * The stored form of `setExpiry(value)`: seconds (floored), `{ at }` for a Date, `undefined`
 * for `null` (back to the default). Throws `ERR_SESSION_EXPIRY` for anything else.
 *
 * @example
 * encodeExpiry(3600); // 3600
 */
export function encodeExpiry(value: number | Date | null): ExpirySetting {
  if (value === null) return undefined;
  if (value instanceof Date) {
    const at = value.getTime();
    if (!Number.isFinite(at)) throw new SessionError('ERR_SESSION_EXPIRY', 'setExpiry() got an invalid Date.');
    return { at };
  }
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new SessionError('ERR_SESSION_EXPIRY', 'setExpiry() takes seconds >= 0, a Date, or null.');
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
  if (typeof stored === 'number') return Number.isFinite(stored) && stored >= 0 ? stored : undefined;
  if (typeof stored === 'object' && stored !== null && typeof (stored as { at?: unknown }).at === 'number') {
    const at = (stored as { at: number }).at;
    return Number.isFinite(at) ? { at } : undefined;
  }
  return undefined;
}

/** Seconds of life left from `now` (Django's `get_expiry_age`). */
export function expiryAge(setting: ExpirySetting, policy: ExpiryPolicy, now: number): number {
  if (typeof setting === 'object') return Math.max(0, Math.floor((setting.at - now) / 1000));
  if (typeof setting === 'number' && setting > 0) return setting;
  return policy.maxAge;
}

/** When the session ends if nothing else happens, epoch ms (Django's `get_expiry_date`). */
export function expiryTime(setting: ExpirySetting, policy: ExpiryPolicy, now: number): number {
  if (typeof setting === 'object') return setting.at;
  return now + expiryAge(setting, policy, now) * 1000;
}

/** True when the cookie is a browser-session cookie (sent without Max-Age/Expires). */
export function endsAtBrowserClose(setting: ExpirySetting, policy: ExpiryPolicy): boolean {
  return setting === undefined ? policy.expireAtBrowserClose : setting === 0;
}

/**
 * The expiry a save (or renewal) writes: the session's expiry time, except that browser-close
 * sessions still end on the server after the default age, as in Django.
 */
export function expiresAtOnSave(setting: ExpirySetting, policy: ExpiryPolicy, now: number): number {
  if (endsAtBrowserClose(setting, policy)) return now + policy.maxAge * 1000;
  return expiryTime(setting, policy, now);
}

/**
 * Sliding expiry: a session stored until `storedExpiresAt` is renewed once more than
 * `touchAfterMs` of its life have passed. Absolute dates (`setExpiry(Date)`) never slide, and
 * nothing slides with `rolling: false` (Django's "expires after the last save").
 */
export function renewalDue(setting: ExpirySetting, storedExpiresAt: number, policy: ExpiryPolicy, now: number): boolean {
  if (!policy.rolling || typeof setting === 'object') return false;
  return storedExpiresAt - now < expiryAge(setting, policy, now) * 1000 - policy.touchAfterMs;
}
