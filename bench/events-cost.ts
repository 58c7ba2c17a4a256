/**
 * What events and OpenTelemetry add to the lifecycle itself, without HTTP: load + commit of a
 * read and of a write on the memory store (synchronous, so nothing but cloakroom's own work is
 * timed), in one process, CPU time per operation (median of rounds).
 *
 *   tsx bench/events-cost.ts off|events|otel|otel-metrics|otel-spans [iterations]
 *
 * `off` is the default manager (console logger for warnings and errors, nothing listening to
 * debug events); `events` adds an `onEvent` listener that takes every event; `otel` adds
 * `openTelemetry()` over the SDK's meter and tracer providers, exporting nowhere. The HTTP rows
 * `cr-node-memory`, `cr-node-memory-events` and `cr-node-memory-otel` measure the same through
 * the server. On a shared, loaded machine, prefer this: CPU time is far steadier than req/s.
 * Under `valgrind --tool=callgrind` (two iteration counts, subtract) it counts instructions.
 */
import { SessionManager, type SessionManagerOptions } from '../src/core/manager.ts';
import { MemoryStore } from '../src/stores/memory.ts';

const mode = process.argv[2] ?? 'off';
const iterations = Number(process.argv[3] ?? 100_000);
const ROUNDS = 5;

async function options(): Promise<Partial<SessionManagerOptions>> {
  if (mode === 'events') {
    let seen = 0;
    return { onEvent: () => void seen++ };
  }
  if (!mode.startsWith('otel')) return {};
  const { openTelemetry } = await import('../src/core/telemetry.ts');
  const { MeterProvider, PeriodicExportingMetricReader } = await import('@opentelemetry/sdk-metrics');
  const { BasicTracerProvider, BatchSpanProcessor } = await import('@opentelemetry/sdk-trace-base');
  const nowhere = { export: (_items: unknown, done: (result: { code: 0 }) => void) => done({ code: 0 }), shutdown: async () => {}, forceFlush: async () => {} };
  const meterProvider = new MeterProvider({ readers: [new PeriodicExportingMetricReader({ exporter: nowhere as never, exportIntervalMillis: 10_000 })] });
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(nowhere as never)] });
  // otel-metrics / otel-spans: one half only (the other through the API's no-op provider), to see where the cost is.
  if (mode === 'otel-metrics') return { telemetry: openTelemetry({ meterProvider }) };
  if (mode === 'otel-spans') return { telemetry: openTelemetry({ tracerProvider }) };
  return { telemetry: openTelemetry({ meterProvider, tracerProvider }) };
}

const store = new MemoryStore({ sweepInterval: 0 });
const manager = new SessionManager<{ username: string; visits: number }>({ store, secrets: 'bench-secret-0123456789-abcdefghijklmnop', ...(await options()) });
const first = manager.loadNow(undefined) as ReturnType<typeof manager.load> extends Promise<infer S> ? S : never;
first.set('username', 'ada');
const cookie = (manager.commitNow(first, 200) as { setCookie: string }).setCookie.split(';')[0]!;

function read(): void {
  const session = manager.loadNow(cookie) as typeof first;
  session.get('username', 'Guest');
  manager.commitNow(session, 200);
}

let visits = 0;
function write(): void {
  const session = manager.loadNow(cookie) as typeof first;
  session.set('visits', ++visits);
  manager.commitNow(session, 200);
}

function nsPerOp(op: () => void): number {
  const start = process.cpuUsage();
  for (let i = 0; i < iterations; i++) op();
  const used = process.cpuUsage(start);
  return ((used.user + used.system) * 1000) / iterations;
}

const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (let i = 0; i < 20_000; i++) (i % 2 ? read : write)(); // warm-up: JIT and caches
const reads: number[] = [];
const writes: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  reads.push(nsPerOp(read));
  writes.push(nsPerOp(write));
}
console.log(JSON.stringify({ mode, iterations, readNs: Math.round(median(reads)), writeNs: Math.round(median(writes)) }));
await store.close();
process.exit(0);
