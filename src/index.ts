/**
 * cloakroom: server-side sessions. The core is framework-free; adapters live in
 * `cloakroom/node`, `cloakroom/express`, `cloakroom/fetch`, stores in `cloakroom/stores/*`.
 */
export { Session, type SessionDataShape } from './core/session.js';
export {
  SessionManager,
  applySessionHeaders,
  privateCacheControl,
  type SessionManagerOptions,
  type LoadContext,
  type CommitResult,
  type HeaderTarget,
  type UserSession,
} from './core/manager.js';
export type { SessionEvent, SessionEventType, SessionEventLevel, SessionEventFields, SessionTelemetry } from './core/events.js';
export type { SessionLogger } from './core/log.js';
export { SessionError, isSessionError, publicMessage, type SessionErrorCode } from './core/errors.js';
export { Signer, MIN_SECRET_LENGTH } from './core/signing.js';
export { splitSecrets } from './core/secrets.js';
export { generateSessionId, isValidSessionId, storeKeyFor, SESSION_ID_LENGTH, STORE_KEY_PATTERN } from './core/session-id.js';
export { DEFAULT_COOKIE_NAME, DEFAULT_MAX_AGE, type CookieOptions, type ResolvedCookieOptions } from './core/cookie.js';
export { CSRF_FIELD, CSRF_HEADER, isStateChangingMethod } from './core/csrf.js';
export { sessionHandle, HANDLE_LENGTH } from './core/handle.js';
export {
  applyChange,
  type SessionStore,
  type Awaitable,
  type SessionRecord,
  type SessionChange,
  type UserSessionInfo,
  type ClearExpiredOptions,
  type StoreStats,
  type StatelessStore,
  type SessionIdScheme,
  type StoreTierReport,
  isStatelessStore,
} from './core/store.js';
export { MemoryStore, type MemoryStoreOptions } from './stores/memory.js';

/**
 * Augment this interface to type `req.session` in the framework adapters:
 *
 * @example
 * declare module 'cloakroom' { interface SessionData { username: string } }
 */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface SessionData {}

/**
 * `SessionData` once augmented; an untyped record until then.
 *
 * @example
 * const name: string | undefined = (session as Session<AppSessionData>).get('username');
 */
export type AppSessionData = keyof SessionData extends never ? Record<string, unknown> : SessionData;
