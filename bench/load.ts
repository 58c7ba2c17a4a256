/**
 * The load generator, always in its own process: wrk when installed (it spends far less CPU
 * per request than autocannon, leaving more of a 2-core machine to the server), else autocannon.
 * Same settings for every configuration: N connections, one session cookie per connection.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pinned } from './pinning.ts';

export interface LoadOptions {
  url: string;
  connections: number;
  durationSeconds: number;
  /** `name=value` per connection; empty strings send no Cookie header. */
  cookies: string[];
  /** Ends the load early (wrk only: SIGINT makes it stop and print its figures). */
  signal?: AbortSignal;
}

export interface LoadResult {
  requests: number;
  /** Seconds the load actually ran. */
  seconds: number;
  rps: number;
  /** Milliseconds. */
  p50: number;
  p99: number;
  /** Connection errors, timeouts and non-2xx answers. */
  errors: number;
}

export type LoadTool = 'wrk' | 'autocannon';

export function detectLoadTool(preferred?: string): LoadTool {
  if (preferred === 'autocannon') return 'autocannon';
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
    return 'wrk';
  } catch (err) {
    // wrk --version exits 1 after printing its version; only "not found" means absent.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      if (preferred === 'wrk') throw new Error('wrk was asked for but is not installed (apt-get install -y wrk)');
      return 'autocannon';
    }
    return 'wrk';
  }
}

export function toolVersion(tool: LoadTool): string {
  if (tool === 'autocannon') return `autocannon ${readVersion('autocannon')}`;
  try {
    return execFileSync('wrk', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n')[0]!.trim();
  } catch (err) {
    return String((err as { stdout?: string }).stdout ?? 'wrk').split('\n')[0]!.trim();
  }
}

function readVersion(pkg: string): string {
  try {
    return (JSON.parse(execFileSync('node', ['-p', `JSON.stringify(require('${pkg}/package.json'))`], { encoding: 'utf8' })) as { version: string }).version;
  } catch {
    return '?';
  }
}

/** Runs one load and resolves its figures; rejects when the tool fails or its output is unreadable. */
export function runLoad(tool: LoadTool, options: LoadOptions): Promise<LoadResult> {
  return tool === 'wrk' ? runWrk(options) : runAutocannon(options);
}

const RESULT_MARK = '@@BENCH ';

/**
 * wrk has no per-connection hook, so it runs one thread per connection and `setup(thread)` hands
 * each thread (= each connection) its own cookie; `done` prints the figures as JSON.
 */
function wrkScript(cookies: string[]): string {
  const list = cookies.map((c) => JSON.stringify(c)).join(', ');
  return `
local cookies = { ${list} }
local next_index = 0
function setup(thread)
  next_index = next_index + 1
  thread:set("bench_cookie", cookies[((next_index - 1) % #cookies) + 1] or "")
end
function init(args)
  if bench_cookie ~= nil and bench_cookie ~= "" then wrk.headers["Cookie"] = bench_cookie end
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('${RESULT_MARK}{"requests":%d,"duration_us":%d,"errors":%d,"p50_us":%d,"p99_us":%d}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
`;
}

async function runWrk(options: LoadOptions): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), 'cloakroom-wrk-'));
  try {
    const script = join(dir, 'cookies.lua');
    const cookies = options.cookies.length > 0 ? options.cookies : [''];
    writeFileSync(script, wrkScript(cookies));
    const c = String(options.connections);
    // wrk takes whole seconds only.
    const seconds = Math.max(1, Math.round(options.durationSeconds));
    const out = await collect('wrk', ['-t', c, '-c', c, '-d', `${seconds}s`, '--timeout', '5s', '-s', script, options.url], options.durationSeconds, options.signal);
    const line = out.split('\n').find((l) => l.startsWith(RESULT_MARK));
    if (!line) throw new Error(`wrk printed no result:\n${out}`);
    const r = JSON.parse(line.slice(RESULT_MARK.length)) as { requests: number; duration_us: number; errors: number; p50_us: number; p99_us: number };
    const ran = r.duration_us / 1e6;
    return { requests: r.requests, seconds: ran, rps: r.requests / ran, p50: r.p50_us / 1000, p99: r.p99_us / 1000, errors: r.errors };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function runAutocannon(options: LoadOptions): Promise<LoadResult> {
  const child = fileURLToPath(new URL('./load-autocannon.ts', import.meta.url));
  const out = await collect(process.execPath, ['--import', 'tsx', child, JSON.stringify(options)], options.durationSeconds);
  const line = out.split('\n').find((l) => l.startsWith(RESULT_MARK));
  if (!line) throw new Error(`autocannon printed no result:\n${out}`);
  return JSON.parse(line.slice(RESULT_MARK.length)) as LoadResult;
}

/** Runs a command to completion (bounded: it is killed well after its own duration) and resolves stdout. */
function collect(command: string, args: string[], seconds: number, signal?: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const [pinnedCommand, pinnedArgs] = pinned('load', command, args);
    const child = spawn(pinnedCommand, pinnedArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
    signal?.addEventListener('abort', () => child.kill('SIGINT'), { once: true });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), (seconds + 30) * 1000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else reject(new Error(`${command} exited with ${code}: ${stderr || stdout}`));
    });
  });
}
