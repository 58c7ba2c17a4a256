/** Child of memory-footprint.ts: prints the memory store's figures as JSON. Needs --expose-gc. */
import { MemoryStore } from '../src/stores/memory.ts';
import { generateSessionId, storeKeyFor } from '../src/core/session-id.ts';
import type { SessionRecord } from '../src/core/store.ts';

const SESSIONS = 100_000;
const BOUND = 10_000;
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');

/** A session like the seed app's after login: a username, a CSRF secret, a counter. */
function record(i: number, now: number): SessionRecord {
  return {
    data: { username: JSON.stringify(`user${i}`), $csrf: JSON.stringify(generateSessionId()), visits: JSON.stringify(i % 100) },
    expiresAt: now + 1_209_600_000,
    createdAt: now,
    lastSeenAt: now,
    userId: null,
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
  };
}

function heap(): number {
  gc!();
  gc!();
  return process.memoryUsage().heapUsed;
}

const now = Date.now();
const store = new MemoryStore({ maxEntries: SESSIONS, sweepInterval: 0 });
const before = heap();
// Keys are made after the first reading: a session's cost includes its key string (and 8 bytes of this array).
const keys = Array.from({ length: SESSIONS }, () => storeKeyFor(generateSessionId()));
for (let i = 0; i < SESSIONS; i++) await store.create(keys[i]!, record(i, now));
const after = heap();

const bounded = new MemoryStore({ maxEntries: BOUND, sweepInterval: 0 });
for (let i = 0; i < SESSIONS; i++) await bounded.create(keys[i]!, record(i, now));
// The newest sessions must be the ones kept (LRU eviction), the oldest gone.
const newestKept = (await bounded.get(keys[SESSIONS - 1]!, now)) !== null;
const oldestGone = (await bounded.get(keys[0]!, now)) === null;

process.stdout.write(
  JSON.stringify({
    sessions: SESSIONS,
    bytesPerSession: Math.round((after - before) / SESSIONS),
    recordBytes: JSON.stringify(record(1, now)).length,
    boundMax: BOUND,
    sizeAfter: bounded.size,
    boundHeld: bounded.size === BOUND && newestKept && oldestGone,
  }),
);
await store.close();
await bounded.close();
