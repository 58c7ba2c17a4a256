import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { handle, RECENT_LOGIN, type DemoData } from '../../examples/seed/app.ts';
import { MemoryStore, SessionManager } from '../../src/index.ts';
import { csrfFrom, SECRET } from './harness.ts';

// The demo's sudo-mode example: "Sign out all other sessions" needs a login from the last
// RECENT_LOGIN seconds (session.requireRecentLogin), else a 403 page that asks to sign in again.
describe('the demo: signing out other sessions needs a recent login', () => {
  it('works right after login, and answers 403 "sign in again" once the login is older', async () => {
    let clock = Date.UTC(2026, 0, 1);
    const manager = new SessionManager<DemoData>({ store: new MemoryStore({ sweepInterval: 0 }), secrets: [SECRET], now: () => clock });
    const cookies = new Map<string, string>();
    const request = async (method: string, path: string, form: Record<string, string> = {}) => {
      const session = await manager.load([...cookies.values()].join('; '));
      const page = await handle({ method, path, form: new URLSearchParams(form) }, session, manager);
      const { setCookie, csrfCookie } = await manager.commit(session, { status: page.status });
      for (const line of [setCookie, csrfCookie]) if (line) cookies.set(line.split('=')[0]!, line.split(';')[0]!);
      return page;
    };
    const token = csrfFrom((await request('GET', '/')).body);
    assert.equal((await request('POST', '/', { username: 'ada', csrf_token: token })).status, 302);
    const revokeOthers = async () => request('POST', '/sessions/', { action: 'revoke-others', csrf_token: csrfFrom((await request('GET', '/')).body) });

    assert.equal((await revokeOthers()).status, 303);
    clock += RECENT_LOGIN * 1000;
    const refused = await revokeOthers();
    assert.equal(refused.status, 403);
    assert.match(refused.body, /Please sign in again/);
    assert.match(refused.body, /<a href="\/">Sign in again<\/a>/);
  });
});
