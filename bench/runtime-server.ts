/**
 * One benchmark server on Bun or Deno: `bun bench/runtime-server.ts KIND` or
 * `deno run -A --sloppy-imports bench/runtime-server.ts KIND` (KIND: bare, memory, sqlite,
 * redis). Listens on 127.0.0.1:0 with the runtime's own server (Bun.serve / Deno.serve) and
 * prints `READY <port>`; exits when its standard input closes. Its CPU is read by the parent
 * from /proc (bench/runtime-child.ts), so it needs no IPC.
 */
import process from 'node:process';
import { runtimeApp, type RuntimeStoreKind } from './apps/runtime-fetch.ts';

declare const Bun: { serve(options: { port: number; hostname: string; fetch: RuntimeApp['fetch'] }): { port: number; stop(force?: boolean): void } } | undefined;
declare const Deno:
  | { serve(options: { port: number; hostname: string; onListen?: (addr: { port: number }) => void }, handler: RuntimeApp['fetch']): { shutdown(): Promise<void> } }
  | undefined;
type RuntimeApp = Awaited<ReturnType<typeof runtimeApp>>;

const kind = (process.argv[2] ?? 'bare') as RuntimeStoreKind;
const app = await runtimeApp(kind);
let stop: () => Promise<void>;
if (typeof Bun !== 'undefined') {
  const server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: app.fetch });
  console.log(`READY ${server.port}`);
  stop = async () => server.stop(true);
} else if (typeof Deno !== 'undefined') {
  const server = Deno.serve({ port: 0, hostname: '127.0.0.1', onListen: ({ port }) => console.log(`READY ${port}`) }, app.fetch);
  stop = () => server.shutdown();
} else {
  throw new Error('bench/runtime-server.ts runs on Bun or Deno');
}
// The parent closes our stdin to stop us (and when it dies): never linger holding a port.
process.stdin.resume();
process.stdin.on('end', () => {
  void stop()
    .then(() => app.close())
    .finally(() => process.exit(0));
});
