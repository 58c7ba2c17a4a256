/**
 * OpenTelemetry metrics and traces for a `SessionManager` (`cloakroom/telemetry`). This module
 * is the only one that imports `@opentelemetry/api` (an optional peer dependency): an app that
 * does not import it loads nothing and pays nothing.
 *
 * Names follow the OpenTelemetry semantic-convention style (dot-separated namespaces, units in
 * UCUM, durations in seconds, `error.type` on failures):
 *
 * | instrument | kind | attributes |
 * |---|---|---|
 * | `cloakroom.store.operation.duration` | histogram, s | `cloakroom.store.kind`, `cloakroom.store.operation`, `error.type` on failure |
 * | `cloakroom.store.errors` | counter | `cloakroom.store.kind`, `cloakroom.store.operation`, `error.type` |
 * | `cloakroom.store.timeouts` | counter | `cloakroom.store.kind` |
 * | `cloakroom.store.outage` | up-down counter (1 while down) | `cloakroom.store.kind`, `cloakroom.store.tier` for a tier's outage (a tiered store's `cache`) |
 * | `cloakroom.sessions.created` | counter | |
 * | `cloakroom.sessions.destroyed` | counter | `cloakroom.session.end.reason` (`flush`, `revoke`) |
 * | `cloakroom.security.refusals` | counter | `cloakroom.refusal.reason` |
 *
 * Spans: one per store call, `cloakroom.store.<operation>`, a child of the active span (the
 * request's, when an HTTP instrumentation made one), with the same attributes; the store call
 * runs inside it, so a driver's own spans (pg, ioredis instrumentations) nest under it.
 */
import { context, metrics, trace, SpanKind, SpanStatusCode, type Attributes, type MeterProvider, type TracerProvider } from '@opentelemetry/api';
import type { SessionEvent, SessionTelemetry } from './events.js';
import type { SessionStore } from './store.js';

/**
 * Options of `openTelemetry()`.
 *
 * @example
 * openTelemetry({ meterProvider, tracerProvider }); // default: the global providers
 */
export interface OpenTelemetryOptions {
  /** Default: the global one (`metrics.getMeterProvider()`), which the OpenTelemetry SDK sets up. */
  meterProvider?: MeterProvider;
  /** Default: the global one (`trace.getTracerProvider()`). */
  tracerProvider?: TracerProvider;
}

/** The instrumentation scope's name, as exporters show it. */
const SCOPE = 'cloakroom';

const OPERATIONS = ['get', 'create', 'update', 'touch', 'destroy', 'clearExpired', 'listByUser', 'destroyByUser', 'stats'] as const;
type Operation = (typeof OPERATIONS)[number];

/** Stores that talk to a server: their spans are CLIENT spans. */
const NETWORKED = new Set(['redis', 'postgres', 'mysql', 'tiered']);

/**
 * Metrics and spans for a manager, through `@opentelemetry/api`: pass it as the manager's
 * `telemetry` option. With no OpenTelemetry SDK registered the API's no-op providers answer,
 * so it is safe to leave on.
 *
 * @example
 * import { openTelemetry } from 'cloakroom/telemetry';
 * const sessions = new SessionManager({ store, secrets, telemetry: openTelemetry() });
 */
export function openTelemetry(options: OpenTelemetryOptions = {}): SessionTelemetry {
  const meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter(SCOPE);
  const tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(SCOPE);
  const duration = meter.createHistogram('cloakroom.store.operation.duration', {
    description: 'Duration of session store operations.',
    unit: 's',
    // Session stores answer in well under a millisecond to a few hundred: finer low buckets than the SDK's default.
    advice: { explicitBucketBoundaries: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] },
  });
  const errors = meter.createCounter('cloakroom.store.errors', { description: 'Session store operations that failed.', unit: '{operation}' });
  const timeouts = meter.createCounter('cloakroom.store.timeouts', { description: 'Session store operations that outlived storeTimeout.', unit: '{operation}' });
  const outage = meter.createUpDownCounter('cloakroom.store.outage', { description: '1 while the session store is failing, 0 while it answers.', unit: '{outage}' });
  const created = meter.createCounter('cloakroom.sessions.created', { description: 'Sessions stored under a fresh ID.', unit: '{session}' });
  const destroyed = meter.createCounter('cloakroom.sessions.destroyed', { description: 'Sessions ended by logout, flush or revocation.', unit: '{session}' });
  const refusals = meter.createCounter('cloakroom.security.refusals', { description: 'Cookies, records and requests refused for security reasons.', unit: '{refusal}' });

  /** Store names to their kind, for events (which name the store). */
  const kinds = new Map<string, string>();
  const kindOf = (storeName: string) => ({ 'cloakroom.store.kind': kinds.get(storeName) ?? 'unknown' });
  /** A tier's outage is its own series: alerts on the store as a whole (no tier) stay true to "visitors get 503". */
  const placeOf = (event: { store: string; tier?: string | undefined }) => (event.tier ? { ...kindOf(event.store), 'cloakroom.store.tier': event.tier } : kindOf(event.store));

  function onEvent(event: SessionEvent): void {
    switch (event.type) {
      case 'session.created':
        created.add(1);
        break;
      case 'session.flushed':
        destroyed.add(1, { 'cloakroom.session.end.reason': 'flush' });
        break;
      case 'session.revoked':
        destroyed.add(event.count, { 'cloakroom.session.end.reason': 'revoke' });
        break;
      case 'security.bad-signature':
      case 'security.corrupted-record':
      case 'security.interrupted':
        refusals.add(1, { 'cloakroom.refusal.reason': event.type.slice('security.'.length) });
        break;
      case 'security.malformed-cookie':
        refusals.add(1, { 'cloakroom.refusal.reason': event.reason === 'oversized' ? 'oversized-cookie' : 'malformed-cookie' });
        break;
      case 'security.csrf-refused':
        refusals.add(1, { 'cloakroom.refusal.reason': `csrf-${event.reason}` });
        break;
      case 'store.timeout':
        timeouts.add(1, kindOf(event.store));
        break;
      case 'store.outage-began':
        outage.add(1, placeOf(event));
        break;
      case 'store.outage-ended':
        outage.add(-1, placeOf(event));
        break;
      default:
        break;
    }
  }

  function instrumentStore(store: SessionStore): SessionStore {
    const kind = kindName(store);
    kinds.set(store.name, kind);
    // The series exists from the start, so "0" and "never reported" are not confused by alerts.
    outage.add(0, { 'cloakroom.store.kind': kind });
    const spanKind = NETWORKED.has(kind) ? SpanKind.CLIENT : SpanKind.INTERNAL;

    const observed = <A extends unknown[], R>(operation: Operation, call: (...args: A) => R) => {
      const attributes: Attributes = { 'cloakroom.store.kind': kind, 'cloakroom.store.operation': operation };
      return (...args: A): R => {
        const span = tracer.startSpan(`cloakroom.store.${operation}`, { kind: spanKind, attributes });
        const start = performance.now();
        const finish = (err?: unknown) => {
          const seconds = (performance.now() - start) / 1000;
          if (err === undefined) {
            duration.record(seconds, attributes);
          } else {
            const failed = { ...attributes, 'error.type': errorType(err) };
            duration.record(seconds, failed);
            errors.add(1, failed);
            span.setAttribute('error.type', failed['error.type']);
            span.recordException(err instanceof Error ? err : String(err));
            span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
          }
          span.end();
        };
        let answer: R;
        try {
          answer = context.with(trace.setSpan(context.active(), span), () => call(...args));
        } catch (err) {
          finish(err);
          throw err;
        }
        if (answer instanceof Promise) {
          return answer.then(
            (value: unknown) => {
              finish();
              return value;
            },
            (err: unknown) => {
              finish(err);
              throw err;
            },
          ) as R;
        }
        finish();
        return answer;
      };
    };

    // A plain object over the store's own methods: the manager calls only the contract's.
    return {
      name: store.name,
      get: observed('get', (key: string, now: number) => store.get(key, now)),
      create: observed('create', (key: string, record: Parameters<SessionStore['create']>[1]) => store.create(key, record)),
      update: observed('update', (key: string, change: Parameters<SessionStore['update']>[1], now: number) => store.update(key, change, now)),
      touch: observed('touch', (key: string, expiresAt: number, lastSeenAt: number, now: number) => store.touch(key, expiresAt, lastSeenAt, now)),
      destroy: observed('destroy', (key: string) => store.destroy(key)),
      clearExpired: observed('clearExpired', (now: number, opts?: Parameters<SessionStore['clearExpired']>[1]) => store.clearExpired(now, opts)),
      listByUser: observed('listByUser', (userId: string, now: number) => store.listByUser(userId, now)),
      destroyByUser: observed('destroyByUser', (userId: string, exceptKey?: string) => store.destroyByUser(userId, exceptKey)),
      stats: observed('stats', (now: number) => store.stats(now)),
      close: () => store.close(),
    };
  }

  return { onEvent, instrumentStore };
}

/** `RedisStore` → `redis`; a store without a class name of that form is `custom`. */
function kindName(store: SessionStore): string {
  const name = (store as object).constructor?.name ?? '';
  return /^[A-Z]\w*Store$/.test(name) ? name.slice(0, -'Store'.length).toLowerCase() : 'custom';
}

/** `error.type`: a SessionError's code (`ERR_STORE_UNAVAILABLE`), else the error's class name. */
function errorType(err: unknown): string {
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'string' && code.length > 0) return code;
  return err instanceof Error ? err.name : 'unknown';
}
