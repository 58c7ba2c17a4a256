import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SessionManager, MemoryStore } from '../../src/index.ts';
import { MAX_COOKIE_AGE } from '../../src/core/cookie.ts';
import { SECRET, setup } from './helpers.ts';

// Issue 13 §4 "Bad values fail at the call": setExpiry(1e13) used to pass and then write
// Max-Age=NaN (the memory store lost the session, SQLite failed the save with a 503 that read as
// an outage). Out-of-range values are refused where they are passed, with a clear code.
describe('out-of-range expiry values are refused at the call', () => {
  it('setExpiry(1e13) and friends throw ERR_SESSION_EXPIRY, and the session is unchanged', async () => {
    const { manager } = setup();
    const s = await manager.load(undefined);
    for (const bad of [1e13, MAX_COOKIE_AGE + 1, -1, Number.NaN, Infinity, new Date(8.64e15), new Date(Date.UTC(2026, 0, 1) + (MAX_COOKIE_AGE + 60) * 1000)]) {
      assert.throws(() => s.setExpiry(bad), { name: 'SessionError', code: 'ERR_SESSION_EXPIRY' }, String(bad));
    }
    assert.equal(s.modified, false);
    s.setExpiry(MAX_COOKIE_AGE);
    s.set('k', 1);
    const { setCookie } = await manager.commit(s, { status: 200 });
    assert.match(setCookie!, new RegExp(`Max-Age=${MAX_COOKIE_AGE};`));
  });

  it('maxAge <= 0, NaN or beyond 400 days is refused at startup (ERR_SESSION_CONFIG)', () => {
    const store = new MemoryStore({ sweepInterval: 0 });
    for (const maxAge of [0, -1, Number.NaN, Infinity, MAX_COOKIE_AGE + 1, '60' as unknown as number]) {
      assert.throws(() => new SessionManager({ store, secrets: [SECRET], cookie: { maxAge } }), { code: 'ERR_SESSION_CONFIG' }, String(maxAge));
    }
    assert.ok(new SessionManager({ store, secrets: [SECRET], cookie: { maxAge: 1 } }));
  });

  it('timeouts and touchAfter out of range are refused at startup', () => {
    const store = new MemoryStore({ sweepInterval: 0 });
    for (const bad of [{ absoluteTimeout: 0 }, { idleTimeout: -5 }, { touchAfter: Number.NaN }, { storeTimeout: 0 }, { idleTimeout: 600, touchAfter: 600 }]) {
      assert.throws(() => new SessionManager({ store, secrets: [SECRET], ...bad }), { code: 'ERR_SESSION_CONFIG' }, JSON.stringify(bad));
    }
  });
});
