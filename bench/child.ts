/** A benchmark server child process: start, wait for its port, take CPU/count snapshots, stop. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { CallCounts } from './apps/common.ts';
import { pinned } from './pinning.ts';

export interface Snapshot {
  /** Microseconds of user + system CPU this process has used. */
  cpu: number;
  /** Milliseconds this process has spent paused for garbage collection. */
  gcMs: number;
  counts: CallCounts;
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * A repository script (by its source path, e.g. `bench/server.ts`) and the Node flags to run it:
 * the compiled build when BENCH_BUILD_DIR is set (bench/compile.ts; what `npm run bench` uses),
 * else the TypeScript source under tsx.
 */
export function scriptEntry(sourcePath: string): { script: string; loader: string[] } {
  const build = process.env.BENCH_BUILD_DIR;
  return build ? { script: join(build, sourcePath.replace(/\.ts$/, '.js')), loader: [] } : { script: join(ROOT, sourcePath), loader: ['--import', 'tsx'] };
}

/**
 * Node flags of every server, the same for every configuration. A 64 MB young generation (a
 * common production setting; Node 20's default is 16 MB) makes scavenges rarer and their timing
 * matter less: with the default, Express rows swung by ±5–15 µs/req between runs of the same
 * server (GC landing in one 2 s window and not the next); with it, by ±1–5.
 */
export const SERVER_NODE_FLAGS = ['--max-semi-space-size=64'];

export class ServerChild {
  readonly port: number;
  readonly pid: number;
  readonly #child: ChildProcess;
  #seq = 0;

  private constructor(child: ChildProcess, port: number) {
    this.#child = child;
    this.port = port;
    this.pid = child.pid!;
  }

  /** Spawns `bench/server.ts <id>`; rejects with the child's reason when it fails or takes over `timeoutMs`. */
  static start(id: string, nodeArgs: string[] = [], timeoutMs = 30_000, env: Record<string, string> = {}): Promise<ServerChild> {
    const { script, loader } = scriptEntry('bench/server.ts');
    const [command, args] = pinned('server', process.execPath, [...SERVER_NODE_FLAGS, ...nodeArgs, ...loader, script, id]);
    const child = spawn(command, args, {
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
      env: { ...process.env, NODE_ENV: 'production', ...env },
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d;
      if (stderr.length > 8000) stderr = stderr.slice(-8000);
    });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`server ${id} did not start within ${timeoutMs} ms`));
      }, timeoutMs);
      child.on('message', (m: { type: string; port?: number; message?: string }) => {
        if (m.type === 'ready') {
          clearTimeout(timer);
          resolve(new ServerChild(child, m.port!));
        } else if (m.type === 'failed') {
          clearTimeout(timer);
          child.kill('SIGKILL');
          reject(new Error(m.message ?? 'failed'));
        }
      });
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`server ${id} exited (${code}) before it was ready${stderr ? `: ${lastLine(stderr)}` : ''}`));
      });
    });
  }

  snapshot(timeoutMs = 10_000): Promise<Snapshot> {
    return this.#ask<{ cpu: { user: number; system: number }; gcMs?: number; counts?: CallCounts }>({ type: 'snapshot' }, timeoutMs).then((m) => ({
      cpu: m.cpu.user + m.cpu.system,
      gcMs: m.gcMs ?? 0,
      counts: m.counts ?? {},
    }));
  }

  /** Starts the V8 CPU profiler in the server (the one `node --cpu-prof` uses). */
  async startProfile(): Promise<void> {
    await this.#ask({ type: 'profile-start' });
  }

  /** Stops the profiler and has the server write the `.cpuprofile` JSON to `path`. */
  async stopProfile(path: string): Promise<void> {
    await this.#ask({ type: 'profile-stop', path }, 30_000);
  }

  /** Sends `message` with a sequence number and resolves the child's answer with the same number. */
  #ask<T>(message: Record<string, unknown>, timeoutMs = 10_000): Promise<T> {
    const seq = ++this.#seq;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#child.off('message', onMessage);
        reject(new Error(`no ${String(message.type)} answer from pid ${this.pid} within ${timeoutMs} ms`));
      }, timeoutMs);
      const onMessage = (m: { type: string; seq?: number; error?: string }) => {
        if (m.type !== message.type || m.seq !== seq) return;
        clearTimeout(timer);
        this.#child.off('message', onMessage);
        if (m.error) reject(new Error(m.error));
        else resolve(m as T);
      };
      this.#child.on('message', onMessage);
      this.#child.send({ ...message, seq });
    });
  }

  /** Asks the child to close and exit (so a --cpu-prof profile is written); kills it after `timeoutMs`. */
  stop(timeoutMs = 10_000): Promise<void> {
    if (this.#child.exitCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.#child.kill('SIGKILL'), timeoutMs);
      this.#child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      this.#child.send({ type: 'exit' });
    });
  }
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n').filter((l) => /error/i.test(l));
  return (lines.at(-1) ?? text.trim().split('\n').at(-1) ?? '').slice(0, 300);
}
