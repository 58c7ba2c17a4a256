/**
 * The manager's events and logs (issue 13 §1): every event type from a real lifecycle, handles
 * instead of IDs, outages reported once each way, the default console logger (warnings and
 * errors only) and the real pino writing to a stream.
 */
import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { SessionManager, MemoryStore, Signer, storeKeyFor, sessionHandle, SessionError, type SessionManagerOptions, type SessionStore } from '../../src/index.ts';
import type { SessionEvent } from '../../src/core/events.ts';
import { captureWarnings, settle } from '../helpers/warnings.ts';
import { captureConsole } from '../helpers/observe.ts';

const SECRET = 'ops-events-test-secret-0123456789abcdefghij';
const OLD_SECRET = 'ops-events-old-secret-0123456789abcdefghijk';
const pair = (setCookie: string | undefined) => setCookie!.split(';')[0]!;

/** A real memory store that can be switched off: every call then fails like a dead network store. */
function switchableStore(): SessionStore & { down: boolean; inner: MemoryStore } {
  const inner = new MemoryStore({ sweepInterval: 0 });
  const state = { down: false };
  const guard =
    (name: keyof SessionStore & keyof MemoryStore) =>
    (...args: unknown[]) => {
      if (state.down) return Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379'));
      return Promise.resolve((inner[name] as (...a: unknown[]) => unknown).apply(inner, args));
    };
  const store = {
    name: 'switchable-memory',
    get: guard('get'),
    create: guard('create'),
    update: guard('update'),
    touch: guard('touch'),
    destroy: guard('destroy'),
    clearExpired: guard('clearExpired'),
    listByUser: guard('listByUser'),
    destroyByUser: guard('destroyByUser'),
    stats: guard('stats'),
    close: () => inner.close(),
    inner,
    get down() {
      return state.down;
    },
    set down(v: boolean) {
      state.down = v;
    },
  };
  return store as never;
}

function setup(options: Partial<SessionManagerOptions> = {}) {
  let clock = Date.UTC(2026, 0, 1);
  const events: SessionEvent[] = [];
  const store = switchableStore();
  const manager = new SessionManager<Record<string, unknown>>({
    store,
    secrets: [SECRET],
    now: () => clock,
    logger: false,
    onEvent: (e) => events.push(e),
    ...options,
  });
  return { store, manager, events, advance: (ms: number) => (clock += ms), types: () => events.splice(0).map((e) => e.type) };
}

/** pino writing JSON lines into an array. */
function pinoLines(level: string) {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level }, stream), lines };
}

describe('events: a session lifecycle, as events', () => {
  it('reports created, loaded, saved, renewed, key-cycled, flushed, expired and revoked with handles, never IDs', async () => {
    const { manager, events, advance, types } = setup({ touchAfter: 60 });
    const s1 = await manager.load(undefined);
    s1.set('secret', 'top-secret-value');
    const c1 = pair((await manager.commit(s1, { status: 200 })).setCookie);
    const id1 = s1.id!;
    const all: SessionEvent[] = [...events];
    assert.deepEqual(types(), ['session.created']);

    const s2 = await manager.load(c1);
    s2.set('more', 1);
    await manager.commit(s2, { status: 200 });
    all.push(...events);
    assert.deepEqual(types(), ['session.loaded', 'session.saved']);

    advance(120_000);
    const s3 = await manager.load(c1);
    await manager.commit(s3, { status: 200 });
    all.push(...events);
    assert.deepEqual(types(), ['session.loaded', 'session.renewed']);

    const s4 = await manager.load(c1);
    s4.login('ada');
    const c4 = pair((await manager.commit(s4, { status: 302 })).setCookie);
    const id4 = s4.id!;
    const cycled = events.find((e) => e.type === 'session.key-cycled');
    assert.ok(cycled && cycled.type === 'session.key-cycled');
    assert.equal(cycled.previous, sessionHandle(storeKeyFor(id1)));
    assert.equal(cycled.handle, sessionHandle(storeKeyFor(id4)));
    all.push(...events);
    assert.deepEqual(types(), ['session.loaded', 'session.key-cycled']);

    const old = await manager.load(c1);
    assert.equal(old.isNew, true);
    all.push(...events);
    assert.deepEqual(types(), ['session.expired'], 'the retired cookie finds no record');

    const s5 = await manager.load(c4);
    s5.flush();
    await manager.commit(s5, { status: 302 });
    all.push(...events);
    assert.deepEqual(types(), ['session.loaded', 'session.flushed']);

    const s6 = await manager.load(undefined);
    s6.login('ada');
    s6.set('username', 'ada');
    await manager.commit(s6, { status: 200 });
    assert.equal(await manager.revokeUserSessions('ada'), 1);
    all.push(...events);
    const revoked = events.find((e) => e.type === 'session.revoked');
    assert.ok(revoked && revoked.type === 'session.revoked' && revoked.count === 1);
    types();

    const text = JSON.stringify(all);
    for (const id of [id1, id4]) {
      assert.ok(!text.includes(id), 'no session ID in any event');
      assert.ok(!text.includes(storeKeyFor(id)), 'no whole store key either: only the short handle');
    }
    assert.ok(!text.includes('top-secret-value'), 'no session data');
    assert.ok(!text.includes(c1.split('=')[1]!), 'no cookie value');
    for (const e of all) assert.equal(e.level, 'debug', `${e.type} is a debug event`);
  });
});

describe('events: security refusals', () => {
  it('a forged signature, a malformed or oversized cookie, a CSRF refusal and a concurrent logout are warnings', async () => {
    const { manager, events, types } = setup();
    const forged = new Signer(['another-secret-entirely-0123456789abcdef']).sign('A'.repeat(32));
    await manager.load(`sessionid=${forged}`);
    assert.deepEqual(types(), ['security.bad-signature']);

    await manager.load('sessionid=not-a-session-cookie');
    await manager.load(`sessionid=${'x'.repeat(5000)}`);
    assert.deepEqual(
      events.splice(0).map((e) => [e.type, (e as { reason?: string }).reason]),
      [
        ['security.malformed-cookie', 'format'],
        ['security.malformed-cookie', 'oversized'],
      ],
    );

    const s = await manager.load(undefined);
    s.set('x', 1);
    s.csrfToken();
    const cookie = pair((await manager.commit(s, { status: 200 })).setCookie);
    types();
    const again = await manager.load(cookie);
    assert.throws(() => manager.checkCsrf(again, 'POST', undefined), (err: unknown) => err instanceof SessionError && err.code === 'ERR_CSRF');
    assert.throws(() => manager.checkCsrf(again, 'POST', 'wrong-token'));
    assert.deepEqual(
      events.splice(0).map((e) => [e.type, (e as { reason?: string }).reason]),
      [
        ['session.loaded', undefined],
        ['security.csrf-refused', 'missing'],
        ['security.csrf-refused', 'invalid'],
      ],
    );

    // A logout elsewhere wins over this request's write.
    const writer = await manager.load(cookie);
    const logout = await manager.load(cookie);
    logout.flush();
    await manager.commit(logout, { status: 302 });
    writer.set('late', true);
    await assert.rejects(manager.commit(writer, { status: 200 }), (err: unknown) => err instanceof SessionError && err.code === 'ERR_SESSION_INTERRUPTED');
    assert.deepEqual(types(), ['session.loaded', 'session.loaded', 'session.flushed', 'security.interrupted']);
    for (const e of events) assert.equal(e.level, 'warn');
  });

  it('a corrupted stored record is a warning, and a record the store keeps past its expiry is "expired"', async () => {
    const { manager, store, types } = setup();
    const s = await manager.load(undefined);
    s.set('x', 1);
    const cookie = pair((await manager.commit(s, { status: 200 })).setCookie);
    types();
    const realGet = store.get;
    store.get = async () => ({ data: { x: 1 }, expiresAt: 'never' }) as never;
    assert.equal((await manager.load(cookie)).isNew, true);
    assert.deepEqual(types(), ['security.corrupted-record']);
    store.get = realGet;
  });

  it('a cookie signed by an older secret is re-signed once, reported at debug', async () => {
    const { manager, types, advance } = setup({ secrets: [OLD_SECRET] });
    const s = await manager.load(undefined);
    s.set('x', 1);
    const cookie = pair((await manager.commit(s, { status: 200 })).setCookie);
    types();
    const rotated = new SessionManager({ store: (manager as unknown as { store: SessionStore }).store, secrets: [SECRET, OLD_SECRET], now: () => advance(0), logger: false, onEvent: (e) => seen.push(e.type) });
    const seen: string[] = [];
    const r = await rotated.load(cookie);
    r.set('y', 2);
    await rotated.commit(r, { status: 200 });
    assert.deepEqual(seen, ['session.loaded', 'session.saved', 'session.resigned']);
  });
});

describe('events: store outages', () => {
  it('many failing requests make one outage-began; the first answer makes one outage-ended', async () => {
    const { manager, store, events, advance } = setup();
    const s = await manager.load(undefined);
    s.set('x', 1);
    const cookie = pair((await manager.commit(s, { status: 200 })).setCookie);
    events.length = 0;
    store.down = true;
    for (let i = 0; i < 5; i++) {
      await assert.rejects(manager.load(cookie), (err: unknown) => err instanceof SessionError && err.code === 'ERR_STORE_UNAVAILABLE');
      advance(1000);
    }
    store.down = false;
    await manager.load(cookie);
    await manager.load(cookie);
    const outage = events.filter((e) => e.type.startsWith('store.outage'));
    assert.deepEqual(
      outage.map((e) => [e.type, e.level]),
      [
        ['store.outage-began', 'error'],
        ['store.outage-ended', 'warn'],
      ],
    );
    const [began, ended] = outage;
    assert.ok(began?.type === 'store.outage-began' && began.store === 'switchable-memory' && /ECONNREFUSED/.test(began.error));
    assert.ok(ended?.type === 'store.outage-ended');
    assert.equal(ended.failures, 5);
    assert.equal(ended.durationMs, 5000);
    assert.equal(events.filter((e) => e.type === 'store.failed').length, 5, 'each failed call is a debug event');
  });

  it('a call that outlives storeTimeout is a store.timeout and begins an outage', async () => {
    const { manager, store, events } = setup({ storeTimeout: 20 });
    store.get = () => new Promise(() => {});
    await assert.rejects(manager.load(`sessionid=${new Signer([SECRET]).sign('B'.repeat(32))}`));
    assert.deepEqual(
      events.map((e) => e.type),
      ['store.timeout', 'store.outage-began'],
    );
  });

  it('manager.ready() answers while the store does, and its probe ends an outage', async () => {
    const { manager, store, events } = setup();
    await manager.ready();
    store.down = true;
    await assert.rejects(manager.ready(), (err: unknown) => err instanceof SessionError && err.status === 503);
    store.down = false;
    await manager.ready();
    assert.deepEqual(
      events.filter((e) => e.level !== 'debug').map((e) => e.type),
      ['store.outage-began', 'store.outage-ended'],
    );
  });
});

describe('logs: the default logger', () => {
  let console_: ReturnType<typeof captureConsole> | undefined;
  afterEach(() => console_?.restore());

  it('prints nothing for a healthy lifecycle, one warning for a tampered cookie, one error and one warning for an outage', async () => {
    console_ = captureConsole();
    const { manager, store } = setup({ logger: undefined, onEvent: undefined });
    const s = await manager.load(undefined);
    s.set('username', 'ada');
    const cookie = pair((await manager.commit(s, { status: 200 })).setCookie);
    await manager.commit(await manager.load(cookie), { status: 200 });
    assert.equal(console_.lines.length, 0, 'a healthy app prints nothing');

    const [name, value] = cookie.split('=') as [string, string];
    const tampered = `${name}=${value.slice(0, -1)}${value.endsWith('A') ? 'B' : 'A'}`;
    await manager.load(tampered);
    assert.equal(console_.lines.length, 1);
    assert.equal(console_.lines[0]!.level, 'warn');
    assert.match(console_.lines[0]!.text, /^\[cloakroom\] a session cookie with a bad signature was ignored .*\(security\.bad-signature\)$/);
    assert.ok(!console_.lines[0]!.text.includes(value.slice(0, 32)), 'the cookie value is not logged');
    console_.lines.length = 0;

    store.down = true;
    for (let i = 0; i < 3; i++) await assert.rejects(manager.load(cookie));
    store.down = false;
    await manager.load(cookie);
    assert.deepEqual(
      console_.lines.map((l) => l.level),
      ['error', 'warn'],
    );
    assert.match(console_.lines[0]!.text, /^\[cloakroom\] session store switchable-memory is failing \(.*ECONNREFUSED.*\); requests that need it answer 503 until it recovers \(store\.outage-began store=switchable-memory error=/);
    assert.match(console_.lines[1]!.text, /^\[cloakroom\] session store switchable-memory answers again after \d+ ms \(3 failed calls\) \(store\.outage-ended /);
  });

  it('logger: console also receives debug events; logger: false prints nothing', async () => {
    console_ = captureConsole();
    const loud = setup({ logger: console, onEvent: undefined });
    const s = await loud.manager.load(undefined);
    s.set('x', 1);
    await loud.manager.commit(s, { status: 200 });
    assert.deepEqual(
      console_.lines.map((l) => [l.level, l.text.replace(/handle=[^ )]+/, 'handle=H')]),
      [['debug', '[cloakroom] session created (session.created handle=H)']],
    );
    console_.lines.length = 0;
    const quiet = setup({ logger: false, onEvent: undefined });
    await quiet.manager.load('sessionid=garbage');
    assert.deepEqual(console_.lines, []);
  });

  it('a listener that throws fails no request and is reported once as a process warning', async () => {
    const warnings = captureWarnings(['CloakroomEventListenerError']);
    try {
      const { manager } = setup({
        onEvent: () => {
          throw new Error('listener bug');
        },
      });
      for (let i = 0; i < 3; i++) {
        const s = await manager.load(undefined);
        s.set('x', i);
        await manager.commit(s, { status: 200 });
      }
      await settle();
      assert.deepEqual(
        warnings.take().map((w) => w.name),
        ['CloakroomEventListenerError'],
      );
    } finally {
      warnings.stop();
    }
  });
});

describe('logs: pino', () => {
  it('security at warn (40), outage at error (50) and its end at warn, structured fields, no IDs', async () => {
    const { logger, lines } = pinoLines('info');
    const { manager, store } = setup({ logger, onEvent: undefined });
    const s = await manager.load(undefined);
    s.set('username', 'ada');
    const cookie = pair((await manager.commit(s, { status: 200 })).setCookie);
    await manager.load(cookie);
    await manager.load(`sessionid=${new Signer(['a-different-secret-0123456789abcdefghij']).sign('C'.repeat(32))}`);
    store.down = true;
    await assert.rejects(manager.load(cookie));
    await assert.rejects(manager.load(cookie));
    store.down = false;
    await manager.load(cookie);
    logger.flush();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(
      lines.map((l) => [l.level, l.event]),
      [
        [40, 'security.bad-signature'],
        [50, 'store.outage-began'],
        [40, 'store.outage-ended'],
      ],
      'info level: no debug events',
    );
    assert.equal(lines[1]!.store, 'switchable-memory');
    assert.match(String(lines[1]!.msg), /^cloakroom: session store switchable-memory is failing/);
    assert.equal(lines[2]!.failures, 2);
    assert.ok(!JSON.stringify(lines).includes(cookie.split('=')[1]!.slice(0, 32)));
  });

  it('at debug level pino gets the session events too, with the handle as a field', async () => {
    const { logger, lines } = pinoLines('debug');
    const { manager } = setup({ logger, onEvent: undefined });
    const s = await manager.load(undefined);
    s.set('x', 1);
    await manager.commit(s, { status: 200 });
    logger.flush();
    await new Promise((r) => setImmediate(r));
    assert.equal(lines.length, 1);
    assert.equal(lines[0]!.level, 20);
    assert.equal(lines[0]!.event, 'session.created');
    assert.equal(lines[0]!.handle, sessionHandle(storeKeyFor(s.id!)));
  });
});
