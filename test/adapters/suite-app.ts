/**
 * What the adapter suite (./suite.ts) serves, with no Node-only import, so that the same app runs
 * in a Node test process, on Bun and Deno, and inside a Worker under workerd: the routes, the
 * managers, and the observed stores behind them (`SuiteBackend`). The suite steers and reads the
 * backend through `steer`, in process or over HTTP (test/runtimes/workers/adapter-worker.ts).
 */
import { MemoryStore, SessionManager } from '../../src/index.ts';
import { primitives, type CryptoPrimitives } from '../../src/core/crypto.ts';
import type { Session, SessionChange, SessionEventType, SessionRecord } from '../../src/index.ts';

export type TestSession = Session<Record<string, unknown>>;

export interface RouteRequest {
  method: string;
  /** Path and query, as received. */
  url: string;
}

export interface RouteResult {
  status?: number;
  body?: string;
  /** A 302 to this path, sent with the framework's own redirect helper. */
  redirect?: string;
}

export interface TestRoute {
  method: 'GET' | 'POST';
  path: string;
  /** Mount the adapter's CSRF protection in front of this route (the form body is urlencoded). */
  csrf?: boolean;
  handler: (session: TestSession, request: RouteRequest) => RouteResult;
}

export const SUITE_SECRET = 'adapter-suite-secret-0123456789-abcdefghijklmnop';
export const SUITE_MAX_AGE = 1_209_600;
const param = (request: RouteRequest, name: string) => new URL(request.url, 'http://local').searchParams.get(name);

export const HANDLER_BUG = 'test: handler bug';

/** A handler bug: every framework answers it with its own 500. */
function fail(): never {
  throw new Error(HANDLER_BUG);
}

export const ROUTES: readonly TestRoute[] = [
  { method: 'GET', path: '/plain', handler: () => ({ body: 'plain' }) },
  { method: 'GET', path: '/read', handler: (s) => ({ body: JSON.stringify(s.get('value') ?? null) }) },
  { method: 'GET', path: '/set', handler: (s, r) => (s.set('value', param(r, 'value')), { body: 'ok' }) },
  { method: 'GET', path: '/set-redirect', handler: (s, r) => (s.set('value', param(r, 'value')), { redirect: '/read' }) },
  { method: 'GET', path: '/set-fail', handler: (s, r) => (s.set('value', param(r, 'value')), { status: 500, body: 'broken' }) },
  { method: 'GET', path: '/set-throw', handler: (s, r) => (s.set('value', param(r, 'value')), fail()) },
  { method: 'GET', path: '/logout-throw', handler: (s) => (s.flush(), fail()) },
  { method: 'GET', path: '/logout', handler: (s) => (s.flush(), { redirect: '/read' }) },
  { method: 'GET', path: '/cycle', handler: (s) => (s.cycleKey(), { body: 'cycled' }) },
  { method: 'GET', path: '/csrf-token', handler: (s) => ({ body: s.csrfToken() }) },
  { method: 'POST', path: '/protected', csrf: true, handler: (s) => (s.set('posted', true), { body: 'accepted' }) },
];

/**
 * A real MemoryStore that counts the calls it gets, can be made slow (to expose a response
 * that leaves before its save) or failing (to check the 503 path). Counting, not faking.
 * Its operations answer with promises, so the core uses it as an async store: the
 * promise-driven paths of the lifecycle and the adapters.
 */
export class ObservedStore extends MemoryStore {
  calls = 0;
  writeDelayMs = 0;
  failing = false;
  async #enter(write: boolean): Promise<void> {
    this.calls++;
    if (this.failing) throw new Error('connection refused (test: store down)');
    if (write && this.writeDelayMs > 0) await new Promise((r) => setTimeout(r, this.writeDelayMs));
  }
  override async get(key: string, now: number) {
    await this.#enter(false);
    return super.get(key, now);
  }
  override async create(key: string, record: SessionRecord) {
    await this.#enter(true);
    return super.create(key, record);
  }
  override async update(key: string, change: SessionChange, now: number) {
    await this.#enter(true);
    return super.update(key, change, now);
  }
  override async touch(key: string, expiresAt: number, lastSeenAt: number, now: number) {
    await this.#enter(true);
    return super.touch(key, expiresAt, lastSeenAt, now);
  }
  override async destroy(key: string) {
    await this.#enter(true);
    return super.destroy(key);
  }
}

/**
 * The same observations on a store that answers synchronously, as memory and SQLite do: the
 * paths with no promise and no held-back queue. A synchronous store cannot be slow in the way
 * an async one is (its save is done before the response is written at all), so `writeDelayMs`
 * changes nothing here.
 */
export class ObservedSyncStore extends MemoryStore {
  calls = 0;
  writeDelayMs = 0;
  failing = false;
  #enter(): void {
    this.calls++;
    if (this.failing) throw new Error('connection refused (test: store down)');
  }
  override get(key: string, now: number) {
    this.#enter();
    return super.get(key, now);
  }
  override create(key: string, record: SessionRecord) {
    this.#enter();
    return super.create(key, record);
  }
  override update(key: string, change: SessionChange, now: number) {
    this.#enter();
    return super.update(key, change, now);
  }
  override touch(key: string, expiresAt: number, lastSeenAt: number, now: number) {
    this.#enter();
    return super.touch(key, expiresAt, lastSeenAt, now);
  }
  override destroy(key: string) {
    this.#enter();
    return super.destroy(key);
  }
}


/** Which of the two observed stores a suite run puts behind the app. */
export type StoreKind = 'async store' | 'synchronous store';

/** What a test may change of the backend; each field left out stays as it is. */
export interface Steering {
  /** Every store call fails ("connection refused") while true. */
  failing?: boolean;
  /** Writes of the async store wait this long (to expose a response that leaves before its save). */
  writeDelayMs?: number;
  /** Added to the managers' clock (to reach expiry without waiting). */
  clockOffsetMs?: number;
}

/** Where a suite app served in another process takes a `Steering` (POST, JSON) and answers the `BackendState`. */
export const STEER_PATH = '/__steer';

/** What the backend reports after each steer. */
export interface BackendState {
  /** Store calls since the backend was made. */
  calls: number;
  /** Whether the store answers without promises (the kind the run meant to test). */
  synchronous: boolean;
  /**
   * The plain manager's warning and error events so far, oldest first (`security.*`,
   * `store.outage-*`): what an operator's logger would have printed. The suite asserts them
   * instead of letting the console print them.
   */
  warnings: SessionEventType[];
  /** The cryptography the core runs on where the app runs (the portable one in a Worker without nodejs_compat). */
  crypto: CryptoPrimitives['kind'];
}

/** The store and the two managers (plain, and with `Secure` cookies) that one suite run serves. */
export class SuiteBackend {
  readonly store: ObservedStore | ObservedSyncStore;
  readonly manager: SessionManager<Record<string, unknown>>;
  readonly secureManager: SessionManager<Record<string, unknown>>;
  readonly #synchronous: boolean;
  readonly #warnings: SessionEventType[] = [];
  #clockOffsetMs = 0;

  constructor(kind: StoreKind) {
    this.store = kind === 'async store' ? new ObservedStore({ sweepInterval: 0 }) : new ObservedSyncStore({ sweepInterval: 0 });
    const probe = this.store.get('0'.repeat(64), Date.now());
    this.#synchronous = !(probe instanceof Promise);
    if (probe instanceof Promise) void probe.catch(() => undefined);
    this.store.calls = 0;
    const onEvent = (event: { type: SessionEventType; level: string }) => {
      if (event.level === 'warn' || event.level === 'error') this.#warnings.push(event.type);
    };
    this.manager = new SessionManager({ store: this.store, secrets: SUITE_SECRET, now: () => Date.now() + this.#clockOffsetMs, logger: false, onEvent });
    this.secureManager = new SessionManager({ store: new MemoryStore({ sweepInterval: 0 }), secrets: SUITE_SECRET, cookie: { secure: true }, logger: false });
  }

  steer(steering: Steering): BackendState {
    if (steering.failing !== undefined) this.store.failing = steering.failing;
    if (steering.writeDelayMs !== undefined) this.store.writeDelayMs = steering.writeDelayMs;
    if (steering.clockOffsetMs !== undefined) this.#clockOffsetMs = steering.clockOffsetMs;
    return { calls: this.store.calls, synchronous: this.#synchronous, warnings: [...this.#warnings], crypto: primitives.kind };
  }

  async close(): Promise<void> {
    await this.store.close();
  }
}
