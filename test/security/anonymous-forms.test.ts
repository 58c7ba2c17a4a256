import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CookieStore } from '../../src/stores/cookie.ts';
import { handle, type DemoData } from '../../examples/seed/app.ts';
import { countingStore } from '../helpers/counting-store.ts';
import { MemoryStore, SessionManager } from '../../src/index.ts';
import { csrfFrom } from '../demo/harness.ts';
import { pairOf, SECRET, setup } from './helpers.ts';
import { captureEvents } from '../helpers/observe.ts';

// Issue 13 §4 "Anonymous visitors cost no store write, even on pages with a form": the login
// page's CSRF token used to create a server session per GET (a crawler grew the table one row a
// hit; 10,000 hits evicted a signed-in user from the memory store). An anonymous form's secret
// now lives in a signed CSRF cookie (Django's default), bound to the session from login on.
const csrfPair = (setCookies: (string | undefined)[]) => setCookies.map((c) => c?.split(';')[0]).find((p) => p?.startsWith('csrftoken='));

describe('anonymous forms need no server session', () => {
  it('a form for a visitor without a session: a CSRF cookie, no session cookie, no store call', async () => {
    const { manager, store } = setup();
    const s = await manager.load(undefined);
    const token = s.csrfToken();
    assert.equal(token.length, 86);
    const result = await manager.commit(s, { status: 200 });
    assert.equal(store.total(), 0);
    assert.equal(result.setCookie, undefined);
    assert.match(result.csrfCookie!, /^csrftoken=csrf\.[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}; Max-Age=31449600; Path=\/; HttpOnly; SameSite=Lax$/);
    assert.equal(result.vary, true);

    // The POST that brings the cookie back verifies against it, still without a store call.
    const post = await manager.load(csrfPair([result.csrfCookie]));
    assert.doesNotThrow(() => manager.checkCsrf(post, 'POST', token));
    assert.equal(store.total(), 0);
    // A second form for the same visitor reuses the cookie: nothing new to set.
    const again = await manager.load(csrfPair([result.csrfCookie]));
    again.csrfToken();
    assert.equal((await manager.commit(again, { status: 200 })).csrfCookie, undefined);
  });

  it('refuses a token without its cookie, with another visitor\'s cookie, or with a forged cookie', async () => {
    const captured = captureEvents();
    const { manager } = setup(captured.options);
    const issue = async () => {
      const s = await manager.load(undefined);
      const token = s.csrfToken();
      return { token, cookie: csrfPair([(await manager.commit(s, { status: 200 })).csrfCookie])! };
    };
    const a = await issue();
    const b = await issue();
    const check = async (header: string | undefined, token: string) => manager.checkCsrf(await manager.load(header), 'POST', token);
    await assert.rejects(check(undefined, a.token), { code: 'ERR_CSRF' });
    await assert.rejects(check(b.cookie, a.token), { code: 'ERR_CSRF' });
    const [, secret] = /^csrftoken=csrf\.([^.]+)\./.exec(a.cookie)!;
    await assert.rejects(check(`csrftoken=csrf.${secret}.${'A'.repeat(43)}`, a.token), { code: 'ERR_CSRF' }, 'unsigned secret');
    await assert.doesNotReject(check(a.cookie, a.token));
    assert.deepEqual(captured.take(), Array(3).fill('security.csrf-refused invalid'));
  });

  it('a session cookie value is never a CSRF cookie, and the other way round', async () => {
    const captured = captureEvents();
    const { manager } = setup(captured.options);
    const s = await manager.load(undefined);
    s.set('k', 1);
    const token = s.csrfToken();
    const { setCookie } = await manager.commit(s, { status: 200 });
    const sessionValue = pairOf(setCookie).slice('sessionid='.length);
    await assert.rejects(async () => manager.checkCsrf(await manager.load(`csrftoken=${sessionValue}`), 'POST', token), { code: 'ERR_CSRF' });
    assert.deepEqual(captured.take(), ['security.csrf-refused invalid']);
  });

  it('from login on, the token is bound to the session: the anonymous cookie no longer counts', async () => {
    const captured = captureEvents();
    const { manager } = setup(captured.options);
    const anon = await manager.load(undefined);
    const anonToken = anon.csrfToken();
    const csrf = csrfPair([(await manager.commit(anon, { status: 200 })).csrfCookie])!;
    const login = await manager.load(csrf);
    manager.checkCsrf(login, 'POST', anonToken);
    login.login('ada');
    const session = pairOf((await manager.commit(login, { status: 302 })).setCookie);
    const after = await manager.load(`${session}; ${csrf}`);
    assert.throws(() => manager.checkCsrf(after, 'POST', anonToken), { code: 'ERR_CSRF' });
    assert.doesNotThrow(() => manager.checkCsrf(after, 'POST', after.csrfToken()));
    assert.deepEqual(captured.take(), ['security.csrf-refused invalid']);
  });

  it('works the same with the cookie store: no sealed session for an anonymous form', async () => {
    const { manager } = setup({ store: new CookieStore({ secrets: [SECRET] }) });
    const s = await manager.load(undefined);
    const token = s.csrfToken();
    const result = await manager.commit(s, { status: 200 });
    assert.equal(result.setCookie, undefined);
    assert.doesNotThrow(() => manager.checkCsrf(manager.loadNow(csrfPair([result.csrfCookie])) as never, 'POST', token));
  });

  it('the seed\'s login page: a crawler of 10,000 GETs of / leaves the store empty, and a signed-in user keeps their session', async () => {
    const memory = new MemoryStore({ sweepInterval: 0, maxEntries: 1000 });
    const store = countingStore(memory);
    const manager = new SessionManager<DemoData>({ store, secrets: [SECRET] });
    const request = async (method: string, path: string, cookie?: string, form = new URLSearchParams()) => {
      const session = await manager.load(cookie);
      const page = await handle({ method, path, form }, session, manager);
      const headers = await manager.commit(session, { status: page.status });
      return { page, headers };
    };
    // A user signs in first (through the login page, as a browser does).
    const form = await request('GET', '/');
    const csrf = csrfPair([form.headers.csrfCookie])!;
    const login = await request('POST', '/', csrf, new URLSearchParams({ username: 'ada', csrf_token: csrfFrom(form.page.body) }));
    assert.equal(login.page.status, 302);
    const user = pairOf(login.headers.setCookie);
    store.reset();

    for (let i = 0; i < 10_000; i++) {
      const { page, headers } = await request('GET', '/');
      assert.equal(headers.setCookie, undefined);
      if (i === 0) assert.equal(csrfFrom(page.body).length, 86);
    }
    assert.equal(store.calls.create + store.calls.update + store.calls.touch, 0, 'no store write');
    assert.equal(store.total(), 0, 'no store call at all');
    assert.deepEqual(await memory.stats(Date.now()), { live: 1, expired: 0 });
    const home = await request('GET', '/home/', user);
    assert.match(home.page.body, /Welcome, ada!/);
  });
});
