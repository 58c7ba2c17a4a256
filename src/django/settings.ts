/**
 * Django's session settings as cloakroom's cookie options: mirror the Django project's
 * `SESSION_COOKIE_*` values so both apps send the same cookie.
 */
import type { CookieOptions } from '../core/cookie.js';

/**
 * The Django settings that shape the session cookie (defaults as in Django).
 *
 * @example
 * const settings: DjangoSessionSettings = { SESSION_COOKIE_AGE: 3600, SESSION_COOKIE_SECURE: true };
 */
export interface DjangoSessionSettings {
  SESSION_COOKIE_NAME?: string;
  SESSION_COOKIE_AGE?: number;
  SESSION_COOKIE_DOMAIN?: string | null;
  SESSION_COOKIE_PATH?: string;
  SESSION_COOKIE_SECURE?: boolean;
  SESSION_COOKIE_HTTPONLY?: boolean;
  SESSION_COOKIE_SAMESITE?: 'Lax' | 'Strict' | 'None' | false;
  SESSION_EXPIRE_AT_BROWSER_CLOSE?: boolean;
  SESSION_SAVE_EVERY_REQUEST?: boolean;
}

/**
 * `SessionManager` options (cookie, expiry, save policy) that match a Django project's
 * settings. `rolling: false`: Django's sessions expire `SESSION_COOKIE_AGE` after the last save.
 *
 * @example
 * const sessions = new SessionManager({ store, secrets: keys.secretKey, ...djangoManagerOptions({ SESSION_COOKIE_SECURE: true }) });
 */
export function djangoManagerOptions(settings: DjangoSessionSettings = {}): {
  cookie: CookieOptions;
  expireAtBrowserClose: boolean;
  saveEveryRequest: boolean;
  rolling: boolean;
} {
  const sameSite = settings.SESSION_COOKIE_SAMESITE ?? 'Lax';
  const cookie: CookieOptions = {
    name: settings.SESSION_COOKIE_NAME ?? 'sessionid',
    maxAge: settings.SESSION_COOKIE_AGE ?? 1_209_600,
    path: settings.SESSION_COOKIE_PATH ?? '/',
    secure: settings.SESSION_COOKIE_SECURE ?? false,
    httpOnly: settings.SESSION_COOKIE_HTTPONLY ?? true,
  };
  if (sameSite !== false) cookie.sameSite = sameSite.toLowerCase() as 'lax' | 'strict' | 'none';
  if (settings.SESSION_COOKIE_DOMAIN) cookie.domain = settings.SESSION_COOKIE_DOMAIN;
  return {
    cookie,
    expireAtBrowserClose: settings.SESSION_EXPIRE_AT_BROWSER_CLOSE ?? false,
    saveEveryRequest: settings.SESSION_SAVE_EVERY_REQUEST ?? false,
    rolling: false,
  };
}
