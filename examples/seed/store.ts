/**
 * Opens the store named by `SESSION_STORE` with cloakroom's `createStore(url)`; the demo's
 * secrets go along for the `cookie:` store, which seals sessions with them.
 */
import type { SessionStore, StatelessStore } from '../../src/core/store.ts';
import { createStore, type CreateStoreOptions } from '../../src/stores/from-url.ts';

/**
 * The store for `url` (`memory:`, `sqlite:PATH`, `redis://…`, …), connected: an unreachable
 * store is a startup error naming the URL.
 *
 * @example
 * const store = await openStore('sqlite:./data/sessions.db', { secrets });
 */
export function openStore(url: string, options: CreateStoreOptions = {}): Promise<SessionStore | StatelessStore> {
  return createStore(url, options);
}
