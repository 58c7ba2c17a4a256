import type { SessionRecord } from './store.js';

/**
 * The one answer to "is this a session record?", for whatever a store hands back: the core
 * after `get`, and the stores that read records from files, cookies and caches they did not
 * just write. A store is outside the core's control (a third-party store, a hand-edited row, a
 * foreign file), so nothing it returns is trusted by its type alone.
 */

/**
 * True when `value` is exactly a `SessionRecord`: `data` a plain object of strings (the core's
 * JSON texts), `expiresAt`, `createdAt` and `lastSeenAt` finite numbers, `userId` and
 * `userAgent` each a string or null. Expiry is not judged here; see `isLiveSessionRecord`.
 *
 * @example
 * const parsed: unknown = JSON.parse(text);
 * return isSessionRecord(parsed) ? parsed : null;
 */
export function isSessionRecord(value: unknown): value is SessionRecord {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Partial<Record<keyof SessionRecord, unknown>>;
  return (
    isStringMap(r.data) &&
    isTime(r.expiresAt) &&
    isTime(r.createdAt) &&
    isTime(r.lastSeenAt) &&
    (r.userId === null || typeof r.userId === 'string') &&
    (r.userAgent === null || typeof r.userAgent === 'string')
  );
}

/**
 * `isSessionRecord`, and not expired at `now`: the core enforces expiry itself, whatever a
 * store returns, so a record whose `expiresAt` is not after `now` does not exist.
 *
 * @example
 * const record = await store.get(key, now);
 * if (!isLiveSessionRecord(record, now)) return newSession();
 */
export function isLiveSessionRecord(value: unknown, now: number): value is SessionRecord {
  return isSessionRecord(value) && value.expiresAt > now;
}

function isTime(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function isStringMap(value: unknown): value is Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  for (const key of Object.keys(value)) if (typeof (value as Record<string, unknown>)[key] !== 'string') return false;
  return true;
}
