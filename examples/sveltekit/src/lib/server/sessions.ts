// One SessionManager for the app, configured exactly as the root `npm start`: PORT and HOST are
// adapter-node's, SESSION_SECRET and SESSION_STORE (default sqlite:./data/sessions.db) the seed's.
import { SessionManager } from 'cloakroom';
import { createStore } from 'cloakroom/stores/from-url';
import { configFromEnv } from '../../../../seed/config.ts';

const config = configFromEnv(process.env);

export const sessions = new SessionManager({
  store: await createStore(config.store, { secrets: config.secrets }),
  secrets: config.secrets,
  ...(config.cookieAge !== undefined ? { cookie: { maxAge: config.cookieAge } } : {}),
});
