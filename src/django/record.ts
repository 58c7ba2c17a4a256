/**
 * What every Django-backed store shares: the keys option, the record made from a Django
 * session, and where tampered data is reported (Django logs it to
 * `django.security.SuspiciousSession`; we emit a process warning unless told otherwise).
 */
import type { SessionRecord } from '../core/store.js';

/**
 * Django's signing keys, as the Django project's settings have them.
 *
 * @example
 * const keys: DjangoKeys = { secretKey: process.env.DJANGO_SECRET_KEY!, secretKeyFallbacks: ['old-key'] };
 */
export interface DjangoKeys {
  /** Django's `SECRET_KEY`. */
  secretKey: string;
  /** Django's `SECRET_KEY_FALLBACKS`: verify only. */
  secretKeyFallbacks?: readonly string[];
  /** Injectable clock (epoch ms) for the signer's timestamp. */
  now?: () => number;
}

/**
 * A tampered or unreadable Django session, as reported to `onSuspicious`.
 *
 * @example
 * onSuspicious: (event) => logger.warn({ event }, 'suspicious session')
 */
export interface SuspiciousSessionEvent {
  /** The store's name (no passwords). */
  store: string;
  reason: string;
}

/**
 * Receives each suspicious-session event.
 *
 * @example
 * const onSuspicious: SuspiciousHandler = (e) => console.warn(e.store, e.reason);
 */
export type SuspiciousHandler = (event: SuspiciousSessionEvent) => void;

/**
 * The default `onSuspicious`: a process warning named `CloakroomSuspiciousSession`.
 *
 * @example
 * process.on('warning', (w) => { if (w.name === 'CloakroomSuspiciousSession') alert(w.message); });
 */
export function reportSuspicious(event: SuspiciousSessionEvent): void {
  process.emitWarning(`Session data corrupted (${event.store}): ${event.reason}.`, 'CloakroomSuspiciousSession');
}

/**
 * A cloakroom record for a Django session's data. Django keeps no creation time, activity or
 * user agent: those read as `now` and null; the bound user is Django's `_auth_user_id`.
 *
 * @example
 * recordFromDjango({ username: '"ada"' }, expireDate, Date.now());
 */
export function recordFromDjango(data: Record<string, string>, expiresAt: number, now: number): SessionRecord {
  let userId: string | null = null;
  const raw = data._auth_user_id;
  if (raw !== undefined) {
    try {
      const parsed: unknown = JSON.parse(raw);
      if (typeof parsed === 'string' || typeof parsed === 'number') userId = String(parsed);
    } catch {
      // not a user ID
    }
  }
  return { data, expiresAt, createdAt: now, lastSeenAt: now, userId, userAgent: null };
}
