/**
 * Runs a server as its own process the way a user would (`npm start`, `bun …`, `wrangler dev`),
 * on a free loopback port, with the seed app's environment contract: PORT, HOST,
 * SESSION_SECRET, SESSION_STORE. Used by every example's and runtime's HTTP tests.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closedPort } from './services.ts';

export const EXAMPLE_SECRET = 'example-test-secret-0123456789abcdefghijklmn';

export interface StartOptions {
  command: string;
  args?: string[];
  cwd?: string;
  /** More environment; PORT, HOST and SESSION_SECRET are set unless given here. */
  env?: Record<string, string | undefined>;
  /** The path polled until it answers (any HTTP status below 500). Default `/`. */
  readyPath?: string;
  /** Hang guard for the start (a busy 2-core machine starts a bundled app slowly). */
  startTimeoutMs?: number;
}

export interface RunningExample {
  url: string;
  port: number;
  /** Everything the process printed so far (for failure messages). */
  output(): string;
  close(): Promise<void>;
}

/**
 * Starts the process and resolves once it answers HTTP on its port.
 *
 * @example
 * const app = await startExample({ command: 'npm', args: ['start', '-w', 'examples/next'], env: { SESSION_STORE: 'memory:' } });
 */
export async function startExample(options: StartOptions): Promise<RunningExample> {
  const { command, args = [], cwd, readyPath = '/', startTimeoutMs = 180_000 } = options;
  const port = await closedPort(); // free now; the process binds it next
  const env = { ...process.env, PORT: String(port), HOST: '127.0.0.1', SESSION_SECRET: EXAMPLE_SECRET, ...options.env };
  // Its own process group, so close() also ends what npm or a framework CLI started under it.
  const child = spawn(command, args, { cwd, env: env as NodeJS.ProcessEnv, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-20_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const url = `http://127.0.0.1:${port}`;
  const running: RunningExample = { url, port, output: () => output, close: () => stop(child, exited) };
  const deadline = Date.now() + startTimeoutMs;
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`${command} ${args.join(' ')} exited (${exitCode}) before answering:\n${output}`);
    try {
      const res = await fetch(url + readyPath, { redirect: 'manual', signal: AbortSignal.timeout(10_000) });
      await res.arrayBuffer();
      if (res.status < 500) return running;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  await running.close();
  throw new Error(`${command} ${args.join(' ')} did not answer on ${url}${readyPath} in ${startTimeoutMs} ms:\n${output}`);
}

async function stop(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const group = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // already gone
    }
  };
  group('SIGTERM');
  const killer = setTimeout(() => group('SIGKILL'), 10_000);
  await exited;
  clearTimeout(killer);
  group('SIGKILL'); // what the leader left behind
}

/**
 * Runs `npm run build -w examples/NAME` (synchronously: a test file builds once in `before`).
 * Throws with the build's output when it fails.
 */
export function buildExample(name: string, env: Record<string, string> = {}): void {
  const result = spawnSync('npm', ['run', 'build', '-w', `examples/${name}`], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 600_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) throw new Error(`npm run build -w examples/${name} failed (${result.status ?? result.signal}):\n${result.stdout}\n${result.stderr}`);
}
