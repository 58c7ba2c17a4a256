/** A manager over a counting memory store with an injectable clock, for the protection tests. */
import { SessionManager, MemoryStore, type SessionManagerOptions } from '../../src/index.ts';
import { countingStore } from '../helpers/counting-store.ts';

export const SECRET = 'security-test-secret-0123456789abcdefghijk';

export function setup(options: Partial<SessionManagerOptions> = {}) {
  let clock = Date.UTC(2026, 0, 1);
  const memory = new MemoryStore({ sweepInterval: 0 });
  const store = countingStore(memory);
  const manager = new SessionManager<Record<string, unknown>>({ store, secrets: [SECRET], now: () => clock, ...options });
  return { store, memory, manager, advance: (ms: number) => (clock += ms), now: () => clock };
}

/** The `name=value` part of a Set-Cookie line. */
export const pairOf = (setCookie: string | undefined): string => setCookie!.split(';')[0]!;
