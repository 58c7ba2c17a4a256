import type { SessionManager } from '../core/manager.js';

export type { AppSessionData } from '../index.js';

/**
 * The manager a framework adapter takes. Its data type is left open on purpose: the adapters
 * type `req.session` by the app's `SessionData` augmentation, so a plain
 * `new SessionManager({ … })` (whose data type defaults to a record) fits once that is augmented.
 *
 * @example
 * declare module 'cloakroom' { interface SessionData { username: string } }
 * app.use(session(new SessionManager({ store, secrets }))); // req.session: Session<SessionData>
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AppSessionManager = SessionManager<any>;
