/**
 * cloakroom's express-session drop-in on Express 5: express-session's bench app (same routes,
 * same options, same store objects) with only the import changed, as a user would switch.
 */
import { repoModuleUrl } from './common.ts';
import { expressSessionStarter, type ExpressSessionModule } from './express-session.ts';

/** The drop-in's entry, from the bench's compiled snapshot when there is one. */
export const DROP_IN = 'src/express-session/index.ts';

type DropIn = typeof import('../../src/express-session/index.ts');

export function starter(kind: 'memory' | 'redis') {
  return expressSessionStarter(kind, async () => {
    const { default: session } = (await import(repoModuleUrl(DROP_IN, import.meta.url))) as DropIn;
    return { session, MemoryStore: session.MemoryStore } as unknown as ExpressSessionModule;
  });
}
