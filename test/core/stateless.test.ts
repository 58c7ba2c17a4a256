import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SessionManager } from '../../src/index.ts';
import { CookieStore } from '../../src/stores/cookie.ts';

const secrets = ['stateless-secret-0123456789abcdefghijklmn'];
const pair = (setCookie: string | undefined) => setCookie!.split(';')[0]!;

function setup(extra: { now?: () => number; touchAfter?: number } = {}) {
  return new SessionManager<Record<string, unknown>>({ store: new CookieStore({ secrets }), secrets, ...extra });
}

describe('manager with the stateless cookie store', () => {
  it('round-trips the whole session through the cookie', async () => {
    const manager = setup();
    const s = await manager.load(undefined);
    s.set('username', 'ada');
    s.set('cart', [{ sku: 'x', qty: 2 }]);
    const r = await manager.commit(s, { status: 302 });
    assert.match(r.setCookie!, /^sessionid=[^;]{100,}; Max-Age=1209600; Path=\/; Expires=[^;]+; HttpOnly; SameSite=Lax$/);
    const next = await manager.load(pair(r.setCookie));
    assert.equal(next.isNew, false);
    assert.equal(next.get('username'), 'ada');
    assert.deepEqual(next.get('cart'), [{ sku: 'x', qty: 2 }]);
  });

  it('an unmodified read sends no cookie; a tampered cookie is no session and is deleted', async () => {
    const manager = setup();
    const s = await manager.load(undefined);
    s.set('username', 'ada');
    const cookie = pair((await manager.commit(s, { status: 200 })).setCookie);
    const read = await manager.load(cookie);
    read.get('username');
    assert.equal((await manager.commit(read, { status: 200 })).setCookie, undefined);
    const tampered = cookie.slice(0, -3) + (cookie.endsWith('A') ? 'BBB' : 'AAA');
    const bad = await manager.load(tampered);
    assert.equal(bad.isNew, true);
    assert.match((await manager.commit(bad, { status: 200 })).setCookie!, /Max-Age=0/);
  });

  it('flush deletes the cookie; 5xx saves nothing', async () => {
    const manager = setup();
    const s = await manager.load(undefined);
    s.set('username', 'ada');
    const cookie = pair((await manager.commit(s, { status: 200 })).setCookie);
    const fail = await manager.load(cookie);
    fail.set('username', 'mallory');
    assert.equal((await manager.commit(fail, { status: 500 })).setCookie, undefined);
    const out = await manager.load(cookie);
    out.flush();
    assert.match((await manager.commit(out, { status: 302 })).setCookie!, /^sessionid=; Max-Age=0/);
  });

  it('expiry is inside the sealed value: a replayed old cookie is refused after it', async () => {
    let clock = Date.UTC(2026, 0, 1);
    const manager = setup({ now: () => clock });
    const s = await manager.load(undefined);
    s.set('a', 1);
    s.setExpiry(60);
    const cookie = pair((await manager.commit(s, { status: 200 })).setCookie);
    clock += 61_000;
    assert.equal((await manager.load(cookie)).isNew, true);
  });

  it('refuses, at save time, a session too large for a cookie (413, clear code)', async () => {
    const manager = setup();
    const s = await manager.load(undefined);
    s.set('blob', 'x'.repeat(5000));
    await assert.rejects(manager.commit(s, { status: 200 }), (e: any) => e.code === 'ERR_SESSION_TOO_LARGE' && e.status === 413);
  });

  it('server-side listing and revocation are refused with ERR_STORE_UNSUPPORTED', async () => {
    const manager = setup();
    await assert.rejects(manager.listUserSessions('ada'), { code: 'ERR_STORE_UNSUPPORTED' });
    await assert.rejects(manager.revokeUserSessions('ada'), { code: 'ERR_STORE_UNSUPPORTED' });
  });
});
