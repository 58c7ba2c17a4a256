/**
 * The seed demo as its own process (`examples/seed/server.ts`, as `npm start` runs it), with its
 * stdout and stderr kept: what an operator's log collector would see.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SERVER = join(ROOT, 'examples/seed/server.ts');
/** Generous: starting the demo under tsx takes 10–20 s on a busy 2-core machine. Only a hang guard. */
export const START_TIMEOUT = 120_000;

export interface DemoProcess {
  process: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the URL of the "Seed demo … at URL" line (bounded). */
  url: () => Promise<string>;
  /** SIGTERM, then SIGKILL if it lingers; resolves when it has exited. */
  stop: () => Promise<void>;
}

/** Runs the demo with exactly `env` (plus PATH). */
export function runDemo(env: Record<string, string>): DemoProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', SERVER], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    process: child,
    stdout: () => out,
    stderr: () => err,
    async url() {
      const deadline = Date.now() + START_TIMEOUT;
      while (Date.now() < deadline && child.exitCode === null) {
        const match = /Seed demo \([^)]*\) at (http:\/\/\S+?)\/?\n/.exec(out);
        if (match) return match[1]!;
        await new Promise((r) => setTimeout(r, 50));
      }
      child.kill('SIGKILL');
      throw new Error(`the demo did not start:\nstdout: ${out}\nstderr: ${err}`);
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
