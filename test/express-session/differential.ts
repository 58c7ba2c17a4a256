/**
 * Differential testing: the same app code, run once on the real express-session and once on
 * the drop-in, over real HTTP. A transcript records, per request, what the client got (status,
 * body, the Set-Cookie's presence and attributes) and what the store saw (each call with its
 * arguments), with the random parts (session IDs, dates) replaced by stable labels. The two
 * transcripts must be equal.
 */
import { inherits } from 'node:util';
import express, { type Express } from 'express';
import realSession from 'express-session';
import dropIn from '../../src/express-session/index.ts';
import { listen, type Running } from './helpers.ts';
import { REQUEST_TIMEOUT_MS } from '../helpers/timed-request.ts';

export type Impl = 'real' | 'drop-in';
export const IMPLS: readonly Impl[] = ['real', 'drop-in'];

/** The module an app imports: express-session itself, or the drop-in. */
export function moduleOf(impl: Impl): typeof realSession {
  return (impl === 'real' ? realSession : dropIn) as unknown as typeof realSession;
}

type Callback = (err?: unknown, value?: unknown) => void;

/** How the recording store answers: on a later turn (every real store) or before returning. */
export type Timing = 'async' | 'sync';
/**
 * How the recording store is written: `function S(){ Store.call(this) }` + util.inherits, a
 * class, or a subclass of the module's own MemoryStore that records and calls `super`.
 */
export type Style = 'es5' | 'class' | 'memory';

export interface StoreCall {
  method: string;
  sid: string;
  data?: unknown;
}

/** Replaces random values (session IDs) with labels in order of first appearance: A, B, C… */
export class Labels {
  readonly #map = new Map<string, string>();
  of(value: string): string {
    let label = this.#map.get(value);
    if (!label) {
      label = `<sid ${String.fromCharCode(65 + this.#map.size)}>`;
      this.#map.set(value, label);
    }
    return label;
  }
  /** `text` with every known ID replaced by its label. */
  scrub(text: string): string {
    let out = text;
    for (const [value, label] of this.#map) out = out.split(value).join(label);
    return out;
  }
}

/** Milliseconds in whole minutes (as ms): time-dependent values compared at a stable precision. */
export function roundToMinutes(ms: number): number {
  return Math.round(ms / 60_000) * 60_000;
}

/** A stored session with the time-dependent parts of its cookie reduced to what is stable. */
export function normalizeSession(sess: unknown): unknown {
  if (typeof sess !== 'object' || sess === null) return sess;
  const copy = JSON.parse(JSON.stringify(sess)) as Record<string, unknown>;
  const cookie = copy.cookie as Record<string, unknown> | undefined;
  if (cookie) {
    if (typeof cookie.expires === 'string') cookie.expires = '<date>';
    // express-session's originalMaxAge drifts by a millisecond now and then (a second Date.now()),
    // and one derived from an absolute `expires` counts down: compared in whole minutes.
    if (typeof cookie.originalMaxAge === 'number') cookie.originalMaxAge = roundToMinutes(cookie.originalMaxAge);
    for (const key of Object.keys(cookie)) if (cookie[key] === undefined || cookie[key] === null) delete cookie[key];
  }
  return copy;
}

/**
 * A store written the way third-party stores are, that records every call. `base` is the
 * `Store` of the module under test, so it is extended exactly as a real store extends it.
 */
export function recordingStore(module: typeof realSession, style: Style, timing: Timing, labels: Labels) {
  const calls: StoreCall[] = [];
  const base = module.Store;
  if (style === 'memory') return recordingMemoryStore(module, calls, labels);
  const data = new Map<string, string>();
  const answer = (cb: Callback | undefined, err?: unknown, value?: unknown) => {
    if (!cb) return;
    if (timing === 'sync') cb(err, value);
    else setImmediate(() => cb(err, value));
  };
  const methods = {
    get(sid: string, cb: Callback) {
      calls.push({ method: 'get', sid: labels.of(sid) });
      const json = data.get(sid);
      answer(cb, null, json === undefined ? undefined : JSON.parse(json));
    },
    set(sid: string, sess: object, cb?: Callback) {
      calls.push({ method: 'set', sid: labels.of(sid), data: normalizeSession(sess) });
      data.set(sid, JSON.stringify(sess));
      answer(cb);
    },
    touch(sid: string, sess: { cookie: unknown }, cb?: Callback) {
      calls.push({ method: 'touch', sid: labels.of(sid), data: normalizeSession(sess) });
      const json = data.get(sid);
      if (json !== undefined) data.set(sid, JSON.stringify({ ...JSON.parse(json), cookie: sess.cookie }));
      answer(cb);
    },
    destroy(sid: string, cb?: Callback) {
      calls.push({ method: 'destroy', sid: labels.of(sid) });
      data.delete(sid);
      answer(cb);
    },
  };
  let store: Record<string, unknown>;
  if (style === 'es5') {
    function RecordingStore(this: object) {
      (base as unknown as (this: object) => void).call(this);
    }
    inherits(RecordingStore, base as never);
    Object.assign(RecordingStore.prototype, methods);
    store = new (RecordingStore as unknown as new () => Record<string, unknown>)();
  } else {
    class RecordingStore extends (base as unknown as new () => object) {}
    Object.assign(RecordingStore.prototype, methods);
    store = new RecordingStore() as Record<string, unknown>;
  }
  return { store, calls, data };
}

function recordingMemoryStore(module: typeof realSession, calls: StoreCall[], labels: Labels) {
  type Cb = (err?: unknown, value?: unknown) => void;
  type Parent = {
    get(sid: string, cb: Cb): void;
    set(sid: string, sess: object, cb?: Cb): void;
    touch(sid: string, sess: object, cb?: Cb): void;
    destroy(sid: string, cb?: Cb): void;
  };
  const Memory = module.MemoryStore as unknown as new () => Parent;
  class RecordingMemoryStore extends Memory {
    override get(sid: string, cb: Cb) {
      calls.push({ method: 'get', sid: labels.of(sid) });
      super.get(sid, cb);
    }
    override set(sid: string, sess: object, cb?: Cb) {
      calls.push({ method: 'set', sid: labels.of(sid), data: normalizeSession(sess) });
      super.set(sid, sess, cb);
    }
    override touch(sid: string, sess: object, cb?: Cb) {
      calls.push({ method: 'touch', sid: labels.of(sid), data: normalizeSession(sess) });
      super.touch(sid, sess, cb);
    }
    override destroy(sid: string, cb?: Cb) {
      calls.push({ method: 'destroy', sid: labels.of(sid) });
      super.destroy(sid, cb);
    }
  }
  return { store: new RecordingMemoryStore() as unknown as Record<string, unknown>, calls, data: new Map<string, string>() };
}

export interface Exchange {
  request: string;
  status: number;
  body: string;
  /** The session cookie as sent: value label and attributes (Expires reduced to its presence). */
  setCookie: string[];
  store: StoreCall[];
}

export interface ScenarioContext {
  impl: Impl;
  session: typeof realSession;
  store: Record<string, unknown>;
}

export interface Scenario {
  name: string;
  options?: Record<string, unknown> | ((ctx: ScenarioContext) => Record<string, unknown>);
  /** Middleware that runs before the session's (cookie-parser, trust proxy…). */
  before?: (app: Express, ctx: ScenarioContext) => void;
  routes: (app: Express, ctx: ScenarioContext) => void;
  /** The requests, in order; `parallel` sends a batch at once (its store calls are compared as a sorted set). */
  steps: Array<Step | Step[]>;
}

export interface Step {
  path: string;
  headers?: Record<string, string>;
  /** Send no cookie this time (a new visitor, or a client that lost it). */
  noCookie?: boolean;
  method?: string;
}

/** Runs one scenario on one implementation; the transcript it returns is what gets compared. */
export async function runScenario(impl: Impl, scenario: Scenario, style: Style, timing: Timing): Promise<Exchange[]> {
  const session = moduleOf(impl);
  const labels = new Labels();
  const recording = recordingStore(session, style, timing, labels);
  const ctx: ScenarioContext = { impl, session, store: recording.store };
  const app = express();
  app.set('env', 'production'); // error pages without stack traces, equal for both
  scenario.before?.(app, ctx);
  const extra = typeof scenario.options === 'function' ? scenario.options(ctx) : (scenario.options ?? {});
  const options = { resave: false, saveUninitialized: false, store: recording.store, ...extra };
  if (!('secret' in extra)) (options as Record<string, unknown>).secret = 'keyboard cat';
  app.use(impl === 'real' ? realSession(options as never) : dropIn(options as never));
  scenario.routes(app, ctx);
  const server = await listen(app);
  const jar = new Map<string, string>();
  const transcript: Exchange[] = [];
  try {
    for (const step of scenario.steps) {
      const batch = Array.isArray(step) ? step : [step];
      const before = recording.calls.length;
      const replies = await Promise.all(batch.map((s) => send(server, s, jar)));
      // A store call that lands after the response (none should) still belongs to this step.
      await new Promise((resolve) => setImmediate(resolve));
      const calls = recording.calls.slice(before);
      for (const [i, reply] of replies.entries()) {
        for (const line of reply.setCookies) remember(jar, line);
        transcript.push({
          request: batch[i]!.path,
          status: reply.status,
          body: labels.scrub(reply.body),
          setCookie: reply.setCookies.map((line) => normalizeSetCookie(line, labels)),
          store: i === 0 ? (batch.length > 1 ? sortCalls(calls) : calls) : [],
        });
      }
    }
  } finally {
    await server.close();
  }
  return transcript;
}

async function send(server: Running, step: Step, jar: Map<string, string>) {
  const headers: Record<string, string> = { ...step.headers };
  if (!step.noCookie && jar.size > 0 && headers.cookie === undefined) headers.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const res = await fetch(server.url + step.path, {
    method: step.method ?? 'GET',
    headers,
    redirect: 'manual',
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  return { status: res.status, body: await res.text(), setCookies: res.headers.getSetCookie() };
}

function remember(jar: Map<string, string>, line: string): void {
  const pair = line.split(';')[0]!;
  const eq = pair.indexOf('=');
  jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
}

/** `connect.sid=<sid A>; Path=/; Expires=<date>; HttpOnly` — the ID labelled, attribute names as sent. */
export function normalizeSetCookie(line: string, labels: Labels): string {
  const [pair, ...attrs] = line.split(';').map((p) => p.trim());
  const eq = pair!.indexOf('=');
  const name = pair!.slice(0, eq);
  const value = decodeURIComponent(pair!.slice(eq + 1));
  const match = /^s:(.*)\.[^.]+$/.exec(value);
  const shown = match ? `s:${labels.of(match[1]!)}.<mac>` : value;
  const rest = attrs.map((a) => (/^expires=/i.test(a) ? 'Expires=<date>' : a));
  return [`${name}=${shown}`, ...rest].join('; ');
}

function sortCalls(calls: StoreCall[]): StoreCall[] {
  return [...calls].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

/** Both transcripts of a scenario: `[real, dropIn]`. */
export async function runBoth(scenario: Scenario, style: Style = 'es5', timing: Timing = 'async'): Promise<[Exchange[], Exchange[]]> {
  const real = await runScenario('real', scenario, style, timing);
  const mine = await runScenario('drop-in', scenario, style, timing);
  return [real, mine];
}
