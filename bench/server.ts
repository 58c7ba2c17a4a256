/**
 * One benchmark server in its own process: `node --import tsx bench/server.ts <config-id>`.
 * Listens on 127.0.0.1:0 and talks to `bench/run.ts` over IPC:
 *   → { type: 'ready', port }            once listening
 *   ← { type: 'snapshot', seq }          → { type: 'snapshot', seq, cpu, gcMs, counts }
 *   ← { type: 'profile-start', seq }     starts the V8 CPU profiler (what --cpu-prof uses)
 *   ← { type: 'profile-stop', seq, path } writes the .cpuprofile to `path`
 *   ← { type: 'exit' }                   closes the store and exits
 * CPU is `process.cpuUsage()`: this process's own user + system time, every thread included.
 * gcMs is the total duration of the garbage collections V8 reported (perf_hooks 'gc' entries):
 * the time the main thread spent paused for GC, which the CPU figure includes.
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { configById } from './configs.ts';
import type { CallCounts } from './apps/common.ts';

const id = process.argv[2] ?? '';
const send = (message: unknown) => process.send?.(message);

let gcMs = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcMs += entry.duration;
}).observe({ entryTypes: ['gc'] });

async function main(): Promise<void> {
  const config = configById(id);
  const counts: CallCounts = {};
  const start = await config.start();
  const app = await start({ counts, prefix: `cloakroom-bench:${process.pid}:${Date.now().toString(36)}` });
  app.server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => app.server.listen(0, '127.0.0.1', resolve));
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  let closing = false;
  const shutdown = async () => {
    if (closing) return;
    closing = true;
    app.server.closeAllConnections();
    await new Promise((resolve) => app.server.close(resolve));
    await app.close();
    process.exit(0);
  };
  let profiler: import('node:inspector/promises').Session | undefined;
  process.on('message', (message: { type: string; seq?: number; path?: string }) => {
    const { type, seq } = message;
    if (type === 'snapshot') send({ type, seq, cpu: process.cpuUsage(), gcMs, counts: { ...counts } });
    else if (type === 'profile-start') {
      void (async () => {
        const { Session } = await import('node:inspector/promises');
        profiler = new Session();
        profiler.connect();
        await profiler.post('Profiler.enable');
        await profiler.post('Profiler.setSamplingInterval', { interval: 100 });
        await profiler.post('Profiler.start');
      })().then(() => send({ type, seq }), (err: Error) => send({ type, seq, error: err.message }));
    } else if (type === 'profile-stop') {
      void (async () => {
        if (!profiler) throw new Error('the profiler was not started');
        const { profile } = await profiler.post('Profiler.stop');
        profiler.disconnect();
        const { writeFileSync } = await import('node:fs');
        writeFileSync(message.path!, JSON.stringify(profile));
      })().then(() => send({ type, seq }), (err: Error) => send({ type, seq, error: err.message }));
    } else if (type === 'exit') void shutdown();
  });
  // The parent went away: never linger as an orphan holding a port.
  process.on('disconnect', () => void shutdown());
  send({ type: 'ready', port });
}

main().catch((err: unknown) => {
  send({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
  process.exitCode = 1;
  setTimeout(() => process.exit(1), 100).unref();
});
