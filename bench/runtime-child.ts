/**
 * A benchmark server on Bun or Deno (bench/runtime-server.ts) as the bench drives it: started
 * pinned like the Node servers, its CPU read from /proc/PID/stat (user + system, every thread),
 * stopped by closing its standard input. No GC figure or store-call counts: those come from
 * inside a Node server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { pinned } from './pinning.ts';
import type { Snapshot } from './child.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Clock ticks per second of /proc's utime and stime (USER_HZ: 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** Binaries in runtimes/node_modules (npm run runtimes:install). */
export const RUNTIME_BINARIES = { bun: 'runtimes/node_modules/.bin/bun', deno: 'runtimes/node_modules/.bin/deno' } as const;

export class RuntimeServerChild {
  readonly port: number;
  readonly pid: number;
  readonly #child: ChildProcess;

  private constructor(child: ChildProcess, port: number) {
    this.#child = child;
    this.port = port;
    this.pid = child.pid!;
  }

  /** Starts `kind` on `runtime`; rejects with its output when it fails or takes over `timeoutMs`. */
  static start(runtime: keyof typeof RUNTIME_BINARIES, kind: string, timeoutMs = 60_000): Promise<RuntimeServerChild> {
    const bin = ROOT + RUNTIME_BINARIES[runtime];
    const args = runtime === 'bun' ? ['bench/runtime-server.ts', kind] : ['run', '--allow-all', '--sloppy-imports', 'bench/runtime-server.ts', kind];
    const [command, finalArgs] = pinned('server', bin, args);
    const child = spawn(command, finalArgs, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NODE_ENV: 'production', NO_COLOR: '1' } });
    let output = '';
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`${runtime} server ${kind} did not start within ${timeoutMs} ms`));
      }, timeoutMs);
      const onData = (chunk: Buffer) => {
        output = (output + chunk.toString('utf8')).slice(-4000);
        const ready = /READY (\d+)/.exec(output);
        if (ready) {
          clearTimeout(timer);
          child.stdout!.off('data', onData);
          child.stdout!.resume();
          resolve(new RuntimeServerChild(child, Number(ready[1])));
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', (chunk: Buffer) => (output = (output + chunk.toString('utf8')).slice(-4000)));
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${runtime} server ${kind} exited (${code}) before it was ready: ${output.trim().split('\n').at(-1) ?? ''}`));
      });
    });
  }

  /** CPU so far, from /proc/PID/stat fields 14 (utime) and 15 (stime). */
  async snapshot(): Promise<Snapshot> {
    const stat = readFileSync(`/proc/${this.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return { cpu: (ticks * 1_000_000) / TICKS_PER_SECOND, gcMs: 0, counts: {} };
  }

  /** Not available outside Node's servers. */
  async startProfile(): Promise<void> {
    throw new Error('profiling is only available for the Node servers');
  }

  async stopProfile(_path: string): Promise<void> {
    throw new Error('profiling is only available for the Node servers');
  }

  /** Closes its standard input (it then exits); kills it after `timeoutMs`. */
  stop(timeoutMs = 10_000): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.#child.kill('SIGKILL'), timeoutMs);
      this.#child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      this.#child.stdin!.end();
    });
  }
}
