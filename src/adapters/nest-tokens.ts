/** cloakroom/nest's injection tokens and options type, shared by the module and its guards. */
import type { AppSessionManager } from './types.js';

/**
 * What `CloakroomModule` needs.
 *
 * @example
 * CloakroomModule.forRoot({ manager: sessions, loginUrl: '/' })
 */
export interface CloakroomModuleOptions {
  /** The manager every request's session comes from (its store, secrets and cookie). */
  manager: AppSessionManager;
  /**
   * Where `LoginRequiredGuard` sends a visitor who is not logged in: a 303 to this URL (Django's
   * `LOGIN_URL`). Without it the guard answers 403.
   */
  loginUrl?: string;
}

/**
 * Injection token of the `SessionManager` (for `listUserSessions`, `checkCsrf` and the like in
 * a service or controller).
 *
 * @example
 * constructor(@Inject(SESSION_MANAGER) private readonly sessions: SessionManager) {}
 */
export const SESSION_MANAGER: unique symbol = Symbol('cloakroom SessionManager');
/** Injection token of the module's `CloakroomModuleOptions` (for the guards). */
export const OPTIONS: unique symbol = Symbol('cloakroom options');
