import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SessionManager, MemoryStore } from '../../src/index.ts';
import { captureEvents } from '../helpers/observe.ts';

const captured = captureEvents();
const manager = new SessionManager<Record<string, unknown>>({
  store: new MemoryStore({ sweepInterval: 0 }),
  secrets: ['session-api-secret-0123456789abcdefghij'],
  ...captured.options,
});
const fresh = () => manager.load(undefined);

describe('Session: the Django method set', () => {
  it('get / set / has / delete / pop / setDefault / update / keys / entries / clear / isEmpty', async () => {
    const s = await fresh();
    assert.equal(s.isEmpty(), true);
    assert.equal(s.get('a'), undefined);
    assert.equal(s.get('a', 'fallback'), 'fallback');
    s.set('a', 1);
    assert.equal(s.has('a'), true);
    assert.equal(s.get('a', 5), 1);
    assert.equal(s.setDefault('b', 2), 2);
    assert.equal(s.setDefault('b', 3), 2);
    s.update({ c: 3, d: [4] });
    assert.deepEqual(s.keys(), ['a', 'b', 'c', 'd']);
    assert.deepEqual(s.entries(), [['a', 1], ['b', 2], ['c', 3], ['d', [4]]]);
    assert.equal(s.pop('c'), 3);
    assert.equal(s.pop('c', 'gone'), 'gone');
    assert.equal(s.delete('a'), true);
    assert.equal(s.delete('a'), false);
    s.clear();
    assert.equal(s.isEmpty(), true);
    assert.equal(s.modified, true);
  });

  it('tracks accessed and modified exactly', async () => {
    const s = await fresh();
    assert.equal(s.accessed, false);
    assert.equal(s.modified, false);
    s.get('x');
    assert.equal(s.accessed, true);
    assert.equal(s.modified, false);
    s.set('x', 1);
    assert.equal(s.modified, true);
  });

  it('values are JSON: what get returns is what the next request sees', async () => {
    const s = await fresh();
    const when = new Date('2026-01-01T00:00:00Z');
    s.set('when', when);
    assert.equal(s.get('when'), '2026-01-01T00:00:00.000Z');
    const cart = ['a'];
    s.set('cart', cart);
    cart.push('b');
    assert.deepEqual(s.get('cart'), ['a'], 'mutating after set changes nothing');
    (s.get('cart') as string[]).push('c');
    s.markModified('cart');
    assert.deepEqual(s.get('cart'), ['a', 'c']);
  });

  it('refuses values JSON cannot keep and keys it reserves', async () => {
    const s = await fresh();
    assert.throws(() => s.set('f', () => 1), { code: 'ERR_SESSION_SERIALIZE' });
    assert.throws(() => s.set('u', undefined), { code: 'ERR_SESSION_SERIALIZE' });
    assert.throws(() => s.set('n', 10n), { code: 'ERR_SESSION_SERIALIZE' });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.throws(() => s.set('c', cyclic), { code: 'ERR_SESSION_SERIALIZE' });
    for (const key of ['__proto__', 'constructor', 'prototype', '$csrf', '']) {
      assert.throws(() => s.set(key, 1), { code: 'ERR_SESSION_KEY' }, key);
    }
    assert.equal(s.isEmpty(), true);
  });

  it('flash values are read once', async () => {
    const s = await fresh();
    s.flash('notice', 'Saved!');
    assert.deepEqual(s.keys(), [], 'flash storage is hidden from keys()');
    assert.equal(s.readFlash('notice'), 'Saved!');
    assert.equal(s.readFlash('notice'), undefined);
    assert.equal(s.isEmpty(), true);
  });

  it('flash survives to the next request and no further', async () => {
    const s = await fresh();
    s.flash('notice', 'Saved!');
    const cookie = (await manager.commit(s, { status: 302 })).setCookie!.split(';')[0]!;
    const next = await manager.load(cookie);
    assert.equal(next.readFlash('notice'), 'Saved!');
    await manager.commit(next, { status: 200 });
    assert.equal((await manager.load(cookie)).readFlash('notice'), undefined);
  });

  it('expiry accessors follow Django', async () => {
    const s = await fresh();
    assert.equal(s.expiryAge, 1_209_600);
    assert.equal(s.expiresAtBrowserClose, false);
    s.setExpiry(300);
    assert.equal(s.expiryAge, 300);
    assert.ok(Math.abs(s.expiryDate.getTime() - (Date.now() + 300_000)) < 1000);
    s.setExpiry(0);
    assert.equal(s.expiresAtBrowserClose, true);
    assert.throws(() => s.setExpiry(-1), { code: 'ERR_SESSION_EXPIRY' });
    assert.throws(() => s.setExpiry(new Date('nope')), { code: 'ERR_SESSION_EXPIRY' });
    assert.deepEqual(s.keys(), []);
  });
});

describe('CSRF', () => {
  it('a token verifies for its own session only, and is masked differently each time', async () => {
    const a = await fresh();
    const b = await fresh();
    const t1 = a.csrfToken();
    const t2 = a.csrfToken();
    assert.notEqual(t1, t2);
    assert.equal(a.verifyCsrfToken(t1), true);
    assert.equal(a.verifyCsrfToken(t2), true);
    b.csrfToken();
    assert.equal(b.verifyCsrfToken(t1), false, 'a token of another session is refused');
    for (const bad of [undefined, null, '', 'x', t1.slice(1), `${t1}x`, t1.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')), t1.slice(0, 40) + (t1[40] === 'A' ? 'B' : 'A') + t1.slice(41), 42, {}]) {
      assert.equal(a.verifyCsrfToken(bad), false, String(bad));
    }
  });

  it('checkCsrf refuses state-changing requests without a valid token (403) and lets safe ones through', async () => {
    captured.take();
    const s = await fresh();
    const token = s.csrfToken();
    for (const method of ['GET', 'HEAD', 'OPTIONS']) manager.checkCsrf(s, method, undefined);
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE', 'post']) {
      assert.throws(() => manager.checkCsrf(s, method, undefined), (e: any) => e.code === 'ERR_CSRF' && e.status === 403);
      manager.checkCsrf(s, method, token);
    }
    const other = await fresh();
    assert.throws(() => manager.checkCsrf(other, 'POST', token), { code: 'ERR_CSRF' });
    assert.deepEqual(captured.take(), [...Array(5).fill('security.csrf-refused missing'), 'security.csrf-refused invalid']);
  });
});
