/**
 * cloakroom/react-router: the SessionStorage form against React Router's own contract
 * (get/set/has/unset/flash, commit/destroy), with cloakroom's guarantees underneath, and the
 * middleware form driven as React Router drives it (a RouterContextProvider and `next`).
 */
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RouterContextProvider, createMemorySessionStorage, isSession } from 'react-router';
import { SessionManager, MemoryStore, SessionError, storeKeyFor, CSRF_FIELD } from '../../src/index.ts';
import { createCloakroomSessionStorage, createSessionMiddleware } from '../../src/adapters/react-router.ts';
import { captureEvents } from '../helpers/observe.ts';

const SECRET = 'react-router-test-secret-0123456789abcdefghij';
const pair = (setCookie: string) => setCookie.split(';')[0]!;

function setup() {
  const store = new MemoryStore({ sweepInterval: 0 });
  // Kept, not printed: a test that provokes a warning takes it and asserts it; one it did not
  // take fails the test (afterEach below).
  const captured = captureEvents();
  untaken.push(captured.take);
  const manager = new SessionManager({ store, secrets: [SECRET], ...captured.options });
  const storage = createCloakroomSessionStorage<{ theme: string; cart: string[]; username: string }, { notice: string }>(manager);
  return { store, manager, storage, warnings: captured.take };
}
const untaken: Array<() => string[]> = [];
afterEach(() => assert.deepEqual(untaken.splice(0).flatMap((take) => take()), [], 'warnings no test expected'));

describe('cloakroom/react-router: createCloakroomSessionStorage', () => {
  it('is a React Router session: set, commit, and the next request reads it', async () => {
    const { storage } = setup();
    const first = await storage.getSession(null);
    assert.ok(isSession(first), "React Router's isSession accepts it");
    assert.equal(first.id, '', 'no ID before anything is saved');
    first.set('theme', 'dark');
    const cookie = await storage.commitSession(first);
    assert.match(cookie, /^sessionid=[^;]+; /);
    assert.match(cookie, /HttpOnly/i);
    const next = await storage.getSession(pair(cookie));
    assert.equal(next.get('theme'), 'dark');
    assert.equal(next.has('theme'), true);
    assert.deepEqual(next.data, { theme: 'dark' });
    next.unset('theme');
    assert.equal(next.has('theme'), false);
  });

  it('commitSession answers an empty string when nothing needs sending', async () => {
    const { storage } = setup();
    assert.equal(await storage.commitSession(await storage.getSession(undefined)), '');
  });

  it('a flashed value is read once, then gone', async () => {
    const { storage } = setup();
    const s = await storage.getSession(null);
    s.set('username', 'ada');
    s.flash('notice', 'Saved.');
    const cookie = pair(await storage.commitSession(s));
    const reading = await storage.getSession(cookie);
    assert.equal(reading.has('notice'), true);
    assert.equal(reading.get('notice'), 'Saved.');
    await storage.commitSession(reading);
    const after = await storage.getSession(cookie);
    assert.equal(after.has('notice'), false);
    assert.equal(after.get('notice'), undefined);
    assert.equal(after.get('username'), 'ada');
  });

  it('two parallel actions changing different keys both survive (React Router’s own storage loses one)', async () => {
    const { storage } = setup();
    const s = await storage.getSession(null);
    s.set('username', 'carol');
    const cookie = pair(await storage.commitSession(s));
    const [a, b] = await Promise.all([storage.getSession(cookie), storage.getSession(cookie)]);
    a.set('theme', 'dark');
    b.set('cart', ['umbrella']);
    await Promise.all([storage.commitSession(a), storage.commitSession(b)]);
    const after = await storage.getSession(cookie);
    assert.equal(after.get('theme'), 'dark');
    assert.deepEqual(after.get('cart'), ['umbrella']);
    assert.equal(after.get('username'), 'carol');

    // The same sequence on React Router's whole-session storage: the later commit wins.
    const theirs = createMemorySessionStorage<{ theme: string; cart: string[] }>({ cookie: { name: '__session', secrets: [SECRET] } });
    const t = await theirs.getSession();
    const theirCookie = pair(await theirs.commitSession(t));
    const [ta, tb] = await Promise.all([theirs.getSession(theirCookie), theirs.getSession(theirCookie)]);
    ta.set('theme', 'dark');
    tb.set('cart', ['umbrella']);
    await theirs.commitSession(ta);
    await theirs.commitSession(tb);
    assert.equal((await theirs.getSession(theirCookie)).get('theme'), undefined, 'the lost update cloakroom prevents');
  });

  it('destroySession ends the session for good: the old cookie is refused and a racing commit cannot bring it back', async () => {
    const { storage, warnings } = setup();
    const s = await storage.getSession(null);
    s.set('username', 'dave');
    const cookie = pair(await storage.commitSession(s));
    const [logout, racing] = await Promise.all([storage.getSession(cookie), storage.getSession(cookie)]);
    const cleared = await storage.destroySession(logout);
    assert.match(cleared, /^sessionid=;/, 'the cookie is deleted');
    racing.set('theme', 'dark');
    await assert.rejects(storage.commitSession(racing), (err: unknown) => err instanceof SessionError && err.code === 'ERR_SESSION_INTERRUPTED' && err.status === 400);
    const after = await storage.getSession(cookie);
    assert.equal(after.get('username'), undefined);
    assert.equal(after.get('theme'), undefined, 'not resurrected');
    assert.deepEqual(warnings(), ['security.interrupted']);
  });

  it('keeps IDs hashed at rest and lists and revokes a user’s sessions', async () => {
    const { store, storage } = setup();
    const s = await storage.sessionFor(new Request('http://x/', { headers: { 'user-agent': 'Laptop' } }));
    s.cloakroom.login('u1');
    s.set('username', 'erin');
    const cookie = pair(await storage.commitSession(s));
    const id = s.id;
    assert.notEqual(id, '');
    assert.equal(await store.get(id, Date.now()), null, 'the raw ID is no key in the store');
    assert.notEqual(await store.get(storeKeyFor(id), Date.now()), null);
    const list = await storage.manager.listUserSessions('u1', s.cloakroom);
    assert.equal(list.length, 1);
    assert.equal(list[0]!.userAgent, 'Laptop');
    assert.equal(list[0]!.current, true);
    assert.equal(await storage.manager.revokeUserSessions('u1'), 1);
    assert.equal((await storage.getSession(cookie)).get('username'), undefined);
  });

  it('refuses to commit a session it did not make', async () => {
    const { storage } = setup();
    const foreign = await createMemorySessionStorage({ cookie: { name: '__session', secrets: [SECRET] } }).getSession();
    await assert.rejects(storage.commitSession(foreign as never), (err: unknown) => err instanceof SessionError && err.code === 'ERR_SESSION_CONFIG');
  });
});

describe('cloakroom/react-router: createSessionMiddleware', () => {
  function run(middleware: ReturnType<typeof createSessionMiddleware>['sessionMiddleware'], request: Request, next: () => Promise<Response>) {
    const context = new RouterContextProvider();
    return { context, response: middleware({ request, context, params: {}, unstable_pattern: '/', url: new URL(request.url) } as never, next) as Promise<Response> };
  }

  it('hands loaders the session through the context and commits before the response leaves (immutable redirect headers too)', async () => {
    const { manager } = setup();
    const { sessionMiddleware, sessionContext } = createSessionMiddleware(manager);
    const ran = run(sessionMiddleware, new Request('http://app/login', { method: 'POST' }), async () => {
      ran.context.get(sessionContext).set('username', 'fay');
      return Response.redirect('http://app/home/', 302);
    });
    const response = await ran.response;
    assert.equal(response.status, 302);
    const cookie = response.headers.get('set-cookie');
    assert.match(cookie ?? '', /^sessionid=/);
    assert.equal((await manager.load(pair(cookie!))).get('username'), 'fay');
  });

  it('with csrf: a POST without this session’s token is 403 and no action runs; with it, the action runs', async () => {
    const { manager, warnings } = setup();
    const { sessionMiddleware, sessionContext } = createSessionMiddleware(manager, { csrf: true });
    let token = '';
    const page = run(sessionMiddleware, new Request('http://app/'), async () => {
      token = page.context.get(sessionContext).csrfToken();
      return new Response('form');
    });
    const cookie = pair((await page.response).headers.get('set-cookie')!);
    let actions = 0;
    const forged = run(sessionMiddleware, new Request('http://app/', { method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: 'username=m' }), async () => {
      actions++;
      return new Response('ok');
    });
    assert.equal((await forged.response).status, 403);
    assert.equal(actions, 0, 'removing the check would run the action');
    assert.deepEqual(warnings(), ['security.csrf-refused missing']);
    const body = new URLSearchParams({ username: 'gus', [CSRF_FIELD]: token });
    const real = run(sessionMiddleware, new Request('http://app/', { method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body }), async () => {
      actions++;
      return new Response('ok');
    });
    assert.equal((await real.response).status, 200);
    assert.equal(actions, 1);
  });

  it('a route that throws saves nothing but still ends a flushed session', async () => {
    const { manager } = setup();
    const s = await manager.load(null);
    s.set('username', 'hal');
    const cookie = pair((await manager.commit(s, { status: 200 })).setCookie!);
    const { sessionMiddleware, sessionContext } = createSessionMiddleware(manager);
    const ran = run(sessionMiddleware, new Request('http://app/logout/', { headers: { cookie } }), async () => {
      ran.context.get(sessionContext).flush();
      throw new Error('boom');
    });
    await assert.rejects(ran.response, /boom/);
    assert.equal((await manager.load(cookie)).get('username'), undefined);
  });

  it('a store that fails answers 503, never an unhandled error', async () => {
    const { store, manager, warnings } = setup();
    const s = await manager.load(null);
    s.set('username', 'ivy');
    const cookie = pair((await manager.commit(s, { status: 200 })).setCookie!);
    store.get = async () => {
      throw new Error('connection reset');
    };
    const { sessionMiddleware } = createSessionMiddleware(manager);
    const ran = run(sessionMiddleware, new Request('http://app/home/', { headers: { cookie } }), async () => new Response('never'));
    const response = await ran.response;
    assert.equal(response.status, 503);
    assert.deepEqual(warnings(), ['store.outage-began']);
  });
});
