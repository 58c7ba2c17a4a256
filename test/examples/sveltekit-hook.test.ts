/**
 * cloakroom/sveltekit's handle hook in process, on the Responses SvelteKit's `resolve()` gives
 * back: a form action's redirect(), an error() page, a crash's 500, an immutable
 * Response.redirect(), a resolve that throws, and a store that is down. (The example test runs it
 * inside a real SvelteKit server.)
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RequestEvent } from '@sveltejs/kit';
import { MemoryStore, SessionManager, Signer, generateSessionId, type SessionRecord } from '../../src/index.ts';
import { session } from '../../src/adapters/sveltekit.ts';
import { captureEvents } from '../helpers/observe.ts';

const SECRET = 'sveltekit-hook-test-secret-0123456789-abcdefghij';

function setup(store = new MemoryStore({ sweepInterval: 0 })) {
  const captured = captureEvents();
  const hook = session(new SessionManager({ store, secrets: SECRET, ...captured.options }));
  const run = (answer: (locals: App.Locals) => Response | Promise<Response>, cookie?: string) => {
    const event = { request: new Request('http://app.test/', { headers: cookie ? { cookie } : {} }), locals: {} } as unknown as RequestEvent;
    return hook({ event, resolve: (e) => Promise.resolve(answer(e.locals)) }) as Promise<Response>;
  };
  return { store, run, warnings: captured.take };
}

describe('cloakroom/sveltekit handle hook', () => {
  it('commits on a form action’s redirect(): the cookie is on the 303 and the store has the data', async () => {
    const { run } = setup();
    const res = await run((locals) => (locals.session.set('username', 'Ada'), new Response(null, { status: 303, headers: { location: '/home/' } })));
    assert.equal(res.status, 303);
    const cookie = res.headers.getSetCookie()[0]!.split(';')[0]!;
    const home = await run((locals) => new Response(String(locals.session.get('username'))), cookie);
    assert.equal(await home.text(), 'Ada');
  });

  it('commits on an error() page (4xx), saves nothing on a 500', async () => {
    const { run } = setup();
    const notFound = await run((locals) => (locals.session.set('seen', true), new Response('Not found', { status: 404 })));
    assert.equal(notFound.headers.getSetCookie().length, 1);
    const crash = await run((locals) => (locals.session.set('seen', true), new Response('Internal Error', { status: 500 })));
    assert.deepEqual(crash.headers.getSetCookie(), []);
  });

  it('adds the cookie to an immutable Response.redirect()', async () => {
    const { run } = setup();
    const res = await run((locals) => (locals.session.set('n', 1), Response.redirect('http://app.test/home/', 302)));
    assert.equal(res.headers.get('location'), 'http://app.test/home/');
    assert.equal(res.headers.getSetCookie().length, 1);
  });

  it('sets no cookie for a response that never touched the session', async () => {
    const res = await setup().run(() => new Response('static'));
    assert.deepEqual(res.headers.getSetCookie(), []);
    assert.equal(res.headers.get('vary'), null);
  });

  it('rethrows what resolve throws, and answers 503 when the store is down', async () => {
    await assert.rejects(() => setup().run(() => Promise.reject(new Error('bug'))), /bug/);
    class DownStore extends MemoryStore {
      override async get(): Promise<SessionRecord | null> {
        throw new Error('connection refused');
      }
    }
    const { run: runDown, warnings } = setup(new DownStore({ sweepInterval: 0 }));
    const res = await runDown(() => new Response('unreached'), `sessionid=${new Signer(SECRET).sign(generateSessionId())}`);
    assert.equal(res.status, 503);
    assert.deepEqual(warnings(), ['store.outage-began']);
  });
});
