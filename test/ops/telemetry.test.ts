/**
 * Issue 13 §2: OpenTelemetry metrics and spans, read back through the SDK's in-memory metric
 * and span exporters; and the promise that nothing loads `@opentelemetry/api` unless
 * `cloakroom/telemetry` is imported.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader, type DataPoint, type Histogram } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { SessionManager, MemoryStore, Signer, SessionError, type SessionStore } from '../../src/index.ts';
import { openTelemetry } from '../../src/core/telemetry.ts';

const SECRET = 'ops-telemetry-secret-0123456789abcdefghijk';
const pair = (setCookie: string | undefined) => setCookie!.split(';')[0]!;

/** A real memory store whose calls can be made to fail (a dead network store) or hang. */
class SwitchableStore extends MemoryStore {
  mode: 'up' | 'down' | 'hung' = 'up';
  override get(key: string, now: number) {
    if (this.mode === 'down') return Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    if (this.mode === 'hung') return new Promise<never>(() => {});
    return Promise.resolve(super.get(key, now));
  }
}

function setup() {
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 });
  const meterProvider = new MeterProvider({ readers: [reader] });
  const spanExporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spanExporter)] });
  const store = new SwitchableStore({ sweepInterval: 0 });
  const manager = new SessionManager<Record<string, unknown>>({
    store,
    secrets: [SECRET],
    storeTimeout: 50,
    logger: false,
    telemetry: openTelemetry({ meterProvider, tracerProvider }),
  });
  /** Every metric's data points by name, as exported now. */
  const collect = async () => {
    await reader.forceFlush();
    const out = new Map<string, DataPoint<number | Histogram>[]>();
    for (const resource of metricExporter.getMetrics()) for (const scope of resource.scopeMetrics) for (const metric of scope.metrics) out.set(metric.descriptor.name, metric.dataPoints as DataPoint<number | Histogram>[]);
    metricExporter.reset();
    return out;
  };
  return { store, manager, collect, spans: () => spanExporter.getFinishedSpans() as ReadableSpan[], tracer: tracerProvider.getTracer('test'), close: () => meterProvider.shutdown() };
}

const sum = (points: DataPoint<number | Histogram>[] | undefined, attrs: Record<string, string> = {}) =>
  (points ?? []).filter((p) => Object.entries(attrs).every(([k, v]) => p.attributes[k] === v)).reduce((n, p) => n + (typeof p.value === 'number' ? p.value : p.value.count), 0);

describe('telemetry: OpenTelemetry metrics', () => {
  it('counts store calls by kind and operation, sessions created and destroyed, refusals by reason, errors, timeouts and the outage state', async () => {
    const { store, manager, collect, close } = setup();
    try {
      const s = await manager.load(undefined);
      s.set('username', 'ada');
      const cookie = pair((await manager.commit(s, { status: 200 })).setCookie);
      const again = await manager.load(cookie);
      again.set('theme', 'dark');
      await manager.commit(again, { status: 200 });
      await manager.load(`sessionid=${new Signer(['some-other-secret-0123456789abcdefghijk']).sign('A'.repeat(32))}`);
      await manager.load('sessionid=garbage');
      assert.throws(() => manager.checkCsrf(again, 'POST', undefined));
      const out = await manager.load(cookie);
      out.flush();
      await manager.commit(out, { status: 302 });

      let m = await collect();
      const duration = m.get('cloakroom.store.operation.duration');
      assert.equal(sum(duration, { 'cloakroom.store.kind': 'switchable', 'cloakroom.store.operation': 'get' }), 2);
      assert.equal(sum(duration, { 'cloakroom.store.operation': 'create' }), 1);
      assert.equal(sum(duration, { 'cloakroom.store.operation': 'update' }), 1);
      assert.equal(sum(duration, { 'cloakroom.store.operation': 'destroy' }), 1);
      assert.equal(sum(m.get('cloakroom.sessions.created')), 1);
      assert.equal(sum(m.get('cloakroom.sessions.destroyed'), { 'cloakroom.session.end.reason': 'flush' }), 1);
      const refusals = m.get('cloakroom.security.refusals');
      assert.equal(sum(refusals, { 'cloakroom.refusal.reason': 'bad-signature' }), 1);
      assert.equal(sum(refusals, { 'cloakroom.refusal.reason': 'malformed-cookie' }), 1);
      assert.equal(sum(refusals, { 'cloakroom.refusal.reason': 'csrf-missing' }), 1);
      assert.equal(sum(m.get('cloakroom.store.outage')), 0, 'the outage series exists at 0');

      // Down: errors by operation and error.type, one outage; hung: a timeout.
      store.mode = 'down';
      await assert.rejects(manager.load(cookie), SessionError);
      await assert.rejects(manager.ready(), SessionError);
      m = await collect();
      assert.equal(sum(m.get('cloakroom.store.errors'), { 'cloakroom.store.operation': 'get', 'error.type': 'ECONNREFUSED' }), 2);
      assert.equal(sum(m.get('cloakroom.store.outage'), { 'cloakroom.store.kind': 'switchable' }), 1, 'down: the gauge reads 1');
      store.mode = 'hung';
      await assert.rejects(manager.ready(), SessionError);
      m = await collect();
      assert.equal(sum(m.get('cloakroom.store.timeouts'), { 'cloakroom.store.kind': 'switchable' }), 1);
      store.mode = 'up';
      await manager.ready();
      m = await collect();
      assert.equal(sum(m.get('cloakroom.store.outage')), 0, 'back up: the gauge reads 0');

      await manager.revokeUserSessions('nobody');
      m = await collect();
      assert.equal(sum(m.get('cloakroom.sessions.destroyed'), { 'cloakroom.session.end.reason': 'revoke' }), 0);
    } finally {
      await close();
    }
  });
});

describe('telemetry: spans', () => {
  before(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  });
  after(() => {
    context.disable();
  });

  it('one span per store call, a child of the active (request) span, with an error status on failure', async () => {
    const { store, manager, spans, tracer, close } = setup();
    try {
      const cookie = await tracer.startActiveSpan('GET /login', async (request) => {
        const s = await manager.load(undefined);
        s.set('username', 'ada');
        const result = await manager.commit(s, { status: 200 });
        request.end();
        return pair(result.setCookie);
      });
      await tracer.startActiveSpan('GET /home', async (request) => {
        await manager.load(cookie);
        store.mode = 'down';
        await manager.load(cookie).catch(() => undefined);
        request.end();
      });
      const finished = spans();
      const byName = (name: string) => finished.filter((s) => s.name === name);
      const [login] = byName('GET /login');
      const [home] = byName('GET /home');
      const [create] = byName('cloakroom.store.create');
      const gets = byName('cloakroom.store.get');
      assert.ok(login && home && create);
      assert.equal(gets.length, 2);
      const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
      assert.equal(parentOf(create), login.spanContext().spanId, 'the create is a child of the login request');
      for (const get of gets) assert.equal(parentOf(get), home.spanContext().spanId);
      assert.equal(create.spanContext().traceId, login.spanContext().traceId);
      assert.deepEqual(create.attributes, { 'cloakroom.store.kind': 'switchable', 'cloakroom.store.operation': 'create' });
      const failed = gets.find((g) => g.status.code === 2);
      assert.ok(failed, 'the failed get has an error status');
      assert.equal(failed.attributes['error.type'], 'ECONNREFUSED');
      assert.equal(failed.events[0]?.name, 'exception');
    } finally {
      await close();
    }
  });

  it('a synchronous store stays synchronous when instrumented', () => {
    const store = new MemoryStore({ sweepInterval: 0 });
    const instrumented = openTelemetry().instrumentStore!(store) as SessionStore;
    const answer = instrumented.get('x'.repeat(43), Date.now());
    assert.ok(!(answer instanceof Promise));
  });
});

describe('telemetry: nothing loads without it', () => {
  it('no module but cloakroom/telemetry imports @opentelemetry/api, and nothing imports that module', () => {
    const root = new URL('../../src/', import.meta.url);
    const offenders: string[] = [];
    for (const file of readdirSync(root, { recursive: true }) as string[]) {
      if (!file.endsWith('.ts') || file.endsWith('.test.ts')) continue;
      const text = readFileSync(new URL(file, root), 'utf8');
      const imports = [...text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/gms)].map((m) => m[1]!);
      const dynamic = [...text.matchAll(/import\(\s*'([^']+)'\s*\)|^\s*import\s+'([^']+)'/gm)].map((m) => (m[1] ?? m[2])!);
      for (const spec of [...imports, ...dynamic]) {
        const typeOnly = new RegExp(`import\\s+type\\s[^;]*?'${spec.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}'`, 's').test(text);
        if (spec.startsWith('@opentelemetry/') && file !== join('core', 'telemetry.ts')) offenders.push(`${file} imports ${spec}`);
        if (/telemetry\.js$/.test(spec) && !typeOnly) offenders.push(`${file} imports ${spec}`);
      }
    }
    assert.deepEqual(offenders, []);
  });
});
