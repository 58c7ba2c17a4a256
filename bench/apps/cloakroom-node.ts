/** cloakroom on node:http (`withSession`), with the store named by the configuration. */
import { createServer } from 'node:http';
import { SessionManager, type SessionManagerOptions } from '../../src/core/manager.ts';
import { withSession } from '../../src/adapters/node.ts';
import { ROUTES, SECRET, homePage, usernameFrom, type AppContext, type RunningApp } from './common.ts';
import { openCloakroomStore, type StoreKind } from './cloakroom-stores.ts';

/**
 * What the manager reports to, for the rows that measure events and telemetry: `events`, an
 * `onEvent` listener taking every event (so every debug event is built); `otel`, the
 * OpenTelemetry SDK's meter and tracer providers behind `openTelemetry()`, exporting nowhere
 * (what a real exporter does with the data is its own cost, not cloakroom's).
 */
export type Observation = 'events' | 'otel';

/** `kind` and `target` default to BENCH_STORE_KIND / BENCH_STORE_TARGET (the scale study's server). */
export function starter(kind?: StoreKind, observe?: Observation) {
  return async function start(ctx: AppContext): Promise<RunningApp> {
    const chosen = kind ?? (process.env.BENCH_STORE_KIND as StoreKind | undefined);
    if (!chosen) throw new Error('BENCH_STORE_KIND is not set');
    const store = await openCloakroomStore(chosen, ctx, kind ? undefined : process.env.BENCH_STORE_TARGET);
    const sessions = new SessionManager<{ username: string; visits: number }>({ store: store.store as never, secrets: SECRET, ...(await observation(observe)) });
    const server = createServer(
      withSession(sessions, (req, res, session) => {
        const path = req.url?.split('?')[0];
        res.setHeader('content-type', 'text/html; charset=utf-8');
        if (path === ROUTES.login) {
          session.set('username', usernameFrom(req.url));
          session.set('visits', 0);
          res.end('ok');
        } else if (path === ROUTES.read) {
          res.end(homePage(session.get('username', 'Guest')));
        } else if (path === ROUTES.write) {
          const visits = session.get('visits', 0) + 1;
          session.set('visits', visits);
          res.end(`visits ${visits}`);
        } else if (path === ROUTES.cookieless) {
          res.end('ok');
        } else {
          res.statusCode = 404;
          res.end('Not Found');
        }
      }),
    );
    return { server, close: () => store.close() };
  };
}

/** The manager options of an observation (imported only by the rows that use it). */
async function observation(observe: Observation | undefined): Promise<Partial<SessionManagerOptions>> {
  if (observe === 'events') {
    let seen = 0;
    return { onEvent: () => void seen++ };
  }
  if (observe !== 'otel') return {};
  const { openTelemetry } = await import('../../src/core/telemetry.ts');
  const { MeterProvider, PeriodicExportingMetricReader } = await import('@opentelemetry/sdk-metrics');
  const { BasicTracerProvider, BatchSpanProcessor } = await import('@opentelemetry/sdk-trace-base');
  const nowhere = { export: (_items: unknown, done: (result: { code: 0 }) => void) => done({ code: 0 }), shutdown: async () => {}, forceFlush: async () => {} };
  const meterProvider = new MeterProvider({ readers: [new PeriodicExportingMetricReader({ exporter: nowhere as never, exportIntervalMillis: 10_000 })] });
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(nowhere as never)] });
  return { telemetry: openTelemetry({ meterProvider, tracerProvider }) };
}
