import type { SessionManager } from '../core/manager.js';
import type { AppSessionData } from '../index.js';

export type { AppSessionData };

/**
 * The data type the node:http and fetch adapters give a handler: the manager's own when it was
 * given one (`new SessionManager<{ n: number }>(…)`), else the app's `SessionData` augmentation,
 * as the other adapters do.
 *
 * @example
 * declare module 'cloakroom' { interface SessionData { username: string } }
 * withSession(new SessionManager({ store, secrets }), (req, res, session) => session.get('username')); // string | undefined
 */
export type HandlerSessionData<Data> = [Record<string, unknown>] extends [Data] ? AppSessionData : Data;

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
