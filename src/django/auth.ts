/**
 * Django's login state in a shared session: `_auth_user_id`, `_auth_user_backend` and
 * `_auth_user_hash`, written as `django.contrib.auth.login` writes them and verified as
 * `django.contrib.auth.get_user` verifies them, so a password change in Django ends the
 * TypeScript side's login too. The app supplies the user's password hash (the `password`
 * column of Django's user table), exactly what Django's hash is made from.
 */
import { timingSafeEqual } from 'node:crypto';
import type { Session } from '../core/session.js';
import { saltedHmac } from './signing.js';
import type { DjangoKeys } from './record.js';

/** Django's `SESSION_KEY`, `BACKEND_SESSION_KEY` and `HASH_SESSION_KEY`. */
export const AUTH_USER_ID = '_auth_user_id';
/** @see AUTH_USER_ID @example session.get(AUTH_USER_BACKEND) */
export const AUTH_USER_BACKEND = '_auth_user_backend';
/** @see AUTH_USER_ID @example session.get(AUTH_USER_HASH) */
export const AUTH_USER_HASH = '_auth_user_hash';
/** Django's default `AUTHENTICATION_BACKENDS` entry. @example djangoLogin(session, { backend: MODEL_BACKEND, … }) */
export const MODEL_BACKEND = 'django.contrib.auth.backends.ModelBackend';

const HASH_SALT = 'django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash';

/**
 * `AbstractBaseUser.get_session_auth_hash()` for a user whose `password` column is
 * `passwordHash`, under `secretKey`: hex HMAC-SHA256.
 *
 * @example
 * sessionAuthHash('pbkdf2_sha256$1000000$…', process.env.DJANGO_SECRET_KEY!);
 */
export function sessionAuthHash(passwordHash: string, secretKey: string): string {
  return saltedHmac(HASH_SALT, passwordHash, secretKey).toString('hex');
}

/** The login-state keys of a session (any data shape). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnySession = Session<any>;

/**
 * Options of `djangoLogin`.
 *
 * @example
 * djangoLogin(session, { userId: '42', passwordHash: row.password, keys });
 */
export interface DjangoLoginOptions {
  /** The user's primary key, as Django stores it in the session (a string). */
  userId: string | number;
  /** The user's `password` column (Django's hasher output), for `_auth_user_hash`. */
  passwordHash: string;
  /** The authentication backend path Django will load the user with. Default `ModelBackend`. */
  backend?: string;
  keys: DjangoKeys;
}

/**
 * Django's `login(request, user)` on a shared session: a session of another user (or with a
 * stale hash) is flushed, any other is cycled (a new key, against fixation), then the three
 * login keys are set. Django's `request.user` is then this user.
 *
 * @example
 * const user = await db.one('SELECT id, password FROM auth_user WHERE username = $1', [name]);
 * djangoLogin(session, { userId: user.id, passwordHash: user.password, keys });
 */
export function djangoLogin(session: AnySession, options: DjangoLoginOptions): void {
  const userId = String(options.userId);
  const hash = sessionAuthHash(options.passwordHash, options.keys.secretKey);
  if (session.has(AUTH_USER_ID)) {
    const sameUser = String(session.get(AUTH_USER_ID)) === userId;
    if (!sameUser || !hashesEqual(session.get(AUTH_USER_HASH), hash)) session.flush();
    else session.cycleKey();
  } else {
    session.cycleKey();
  }
  session.set(AUTH_USER_ID, userId);
  session.set(AUTH_USER_BACKEND, options.backend ?? MODEL_BACKEND);
  session.set(AUTH_USER_HASH, hash);
}

/**
 * Django's `logout(request)`: the session is flushed (data and record gone, on both sides).
 *
 * @example
 * djangoLogout(session);
 */
export function djangoLogout(session: AnySession): void {
  session.flush();
}

/**
 * Options of `djangoUser`.
 *
 * @example
 * await djangoUser(session, { keys, passwordHash: (id) => db.password(id) });
 */
export interface DjangoUserOptions {
  keys: DjangoKeys;
  /** The user's current `password` column, or null when there is no such user. */
  passwordHash: (userId: string) => string | null | Promise<string | null>;
  /** Django's `AUTHENTICATION_BACKENDS`. Default `[ModelBackend]`. */
  backends?: readonly string[];
}

/**
 * Django's `get_user(request)`: the logged-in user's ID, or null. The session's
 * `_auth_user_hash` must match the user's current password hash under `SECRET_KEY`; one made
 * under a `SECRET_KEY_FALLBACKS` key is accepted and re-made (with a new session key, as Django
 * does); any other mismatch (the password changed) flushes the session, on both sides.
 *
 * @example
 * const userId = await djangoUser(session, { keys, passwordHash: async (id) => (await db.user(id))?.password ?? null });
 * if (userId === null) return redirectToLogin();
 */
export async function djangoUser(session: AnySession, options: DjangoUserOptions): Promise<string | null> {
  const rawId: unknown = session.get(AUTH_USER_ID);
  const backend: unknown = session.get(AUTH_USER_BACKEND);
  if ((typeof rawId !== 'string' && typeof rawId !== 'number') || typeof backend !== 'string') return null;
  if (!(options.backends ?? [MODEL_BACKEND]).includes(backend)) return null;
  const userId = String(rawId);
  const passwordHash = await options.passwordHash(userId);
  if (passwordHash === null) return null; // no such user: anonymous, the session is left alone (as Django)
  const stored: unknown = session.get(AUTH_USER_HASH);
  const current = sessionAuthHash(passwordHash, options.keys.secretKey);
  if (hashesEqual(stored, current)) return userId;
  const fallbacks = options.keys.secretKeyFallbacks ?? [];
  if (typeof stored === 'string' && stored !== '' && fallbacks.some((key) => hashesEqual(stored, sessionAuthHash(passwordHash, key)))) {
    session.cycleKey();
    session.set(AUTH_USER_HASH, current);
    return userId;
  }
  session.flush();
  return null;
}

function hashesEqual(given: unknown, expected: string): boolean {
  if (typeof given !== 'string' || given.length !== expected.length) return false;
  return timingSafeEqual(Buffer.from(given, 'latin1'), Buffer.from(expected, 'latin1'));
}
