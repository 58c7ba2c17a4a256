/**
 * `npm run bench`: every configuration side by side, each server in its own process, one load
 * generator process per run, runs interleaved (A B C A B C …), medians reported, and
 * bench/RESULTS.md written.
 *
 *   npm run bench                  ~10 minutes on 2 cores; writes bench/RESULTS.md
 *   npm run bench -- --quick       seconds; a smoke test (writes nothing unless --out/--json)
 *   npm run bench -- --scale       adds the 1k / 1M stored-session and clear-expired study
 *                                  (--scale=sqlite,redis: only those of sqlite, postgres, redis)
 *   options: --only=id,id  --rounds=N  --duration=S  --warmup=S  --connections=N
 *            --tool=wrk|autocannon  --out=FILE  --json=FILE  --no-profile
 *            --tsx (servers from the TypeScript source instead of the compiled build)
 *            --no-pin (do not pin the server and the load generator to separate cores)
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, release, platform } from 'node:os';
import { fileURLToPath } from 'node:url';
import { CONFIGS, QUICK_IDS, type BenchConfig, type Service } from './configs.ts';
import { ROUTES } from './apps/common.ts';
import { loginCookies } from './login.ts';
import { ServerChild } from './child.ts';
import { RuntimeServerChild } from './runtime-child.ts';
import { detectLoadTool, runLoad, toolVersion, type LoadTool } from './load.ts';
import { halfRange, median } from './stats.ts';
import { SCENARIOS, type BenchResults, type Cell, type ConfigResult, type RunSample, type Scenario } from './results.ts';
import { renderResults } from './report.ts';
import { profileReadPath } from './profile.ts';
import { measureMemoryStore } from './memory-footprint.ts';
import { compileBench, removeBuild } from './compile.ts';
import { runScale } from './scale.ts';
import { canConnect } from '../test/helpers/services.ts';
import { setPinning } from './pinning.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

interface Args {
  quick: boolean;
  scale: boolean;
  /** The scale study's stores, when `--scale=` names some (default: all). */
  scaleStores: string[] | undefined;
  only: string[] | undefined;
  rounds: number;
  duration: number;
  warmup: number;
  connections: number;
  tool: string | undefined;
  out: string | undefined;
  json: string | undefined;
  profile: boolean;
  /** Run the servers from the TypeScript source under tsx instead of the compiled build. */
  tsx: boolean;
  pin: boolean;
}

function parseArgs(argv: string[]): Args {
  const flag = (name: string) => argv.includes(`--${name}`);
  const value = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const quick = flag('quick');
  const num = (name: string, fallback: number) => {
    const v = value(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number`);
    return n;
  };
  return {
    quick,
    scale: flag('scale') || value('scale') !== undefined,
    scaleStores: value('scale')?.split(','),
    only: value('only')?.split(','),
    rounds: num('rounds', quick ? 1 : 5),
    duration: num('duration', quick ? 1 : 2),
    warmup: num('warmup', quick ? 0 : 1),
    connections: num('connections', 10),
    tool: value('tool'),
    out: value('out') ?? (quick ? undefined : `${ROOT}bench/RESULTS.md`),
    json: value('json'),
    profile: !quick && !flag('no-profile'),
    tsx: flag('tsx'),
    pin: !flag('no-pin'),
  };
}

const SERVICE_PORTS: Record<Service, { host: string; port: number; name: string }> = {
  redis: { host: '127.0.0.1', port: 6379, name: 'Redis' },
};

/** Why a configuration cannot run (missing module, service down), or undefined when it can. */
async function unavailable(config: BenchConfig): Promise<string | undefined> {
  const missing = config.requires.filter((file) => !existsSync(`${ROOT}${file}`));
  if (missing.length > 0) return `n/a (not built: ${missing.join(', ')})`;
  for (const service of config.services) {
    const { host, port, name } = SERVICE_PORTS[service];
    if (!(await canConnect(host, port))) return `n/a (${name} not reachable at ${host}:${port})`;
  }
  return undefined;
}

interface Live {
  config: BenchConfig;
  result: ConfigResult;
  server?: ServerChild | RuntimeServerChild;
  cookies: string[];
  samples: Record<Scenario, RunSample[]>;
}

async function measure(live: Live, scenario: Scenario, tool: LoadTool, args: Args, seconds: number): Promise<RunSample> {
  const server = live.server!;
  const path = scenario === 'read' ? ROUTES.read : scenario === 'write' ? ROUTES.write : ROUTES.cookieless;
  const before = await server.snapshot();
  const load = await runLoad(tool, {
    url: `http://127.0.0.1:${server.port}${path}`,
    connections: args.connections,
    durationSeconds: seconds,
    cookies: scenario === 'cookieless' ? [] : live.cookies,
  });
  const after = await server.snapshot();
  const requests = Math.max(1, load.requests);
  const calls: Record<string, number> = {};
  for (const [method, n] of Object.entries(after.counts)) calls[method] = (n - (before.counts[method] ?? 0)) / requests;
  return { rps: load.rps, p50: load.p50, p99: load.p99, cpuPerReq: (after.cpu - before.cpu) / requests, gcPerReq: ((after.gcMs - before.gcMs) * 1000) / requests, requests: load.requests, errors: load.errors, calls };
}

function summarize(samples: RunSample[]): Cell {
  const methods = new Set(samples.flatMap((s) => Object.keys(s.calls)));
  const calls: Record<string, number> = {};
  for (const m of methods) calls[m] = median(samples.map((s) => s.calls[m] ?? 0));
  return {
    samples,
    rps: median(samples.map((s) => s.rps)),
    p50: median(samples.map((s) => s.p50)),
    p99: median(samples.map((s) => s.p99)),
    cpuPerReq: median(samples.map((s) => s.cpuPerReq)),
    cpuSpread: halfRange(samples.map((s) => s.cpuPerReq)),
    gcPerReq: median(samples.map((s) => s.gcPerReq ?? 0)),
    calls,
    errors: samples.reduce((a, s) => a + s.errors, 0),
  };
}

function packageVersions(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of ['express', 'express-session', 'connect-redis', 'redis', 'ioredis', 'fastify', '@fastify/session', '@fastify/cookie', 'iron-session', 'better-sqlite3', 'pg', 'cookie', 'autocannon', 'tsx']) {
    try {
      const path = `${ROOT}node_modules/${name}/package.json`;
      out[name] = (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
    } catch {
      out[name] = 'not installed';
    }
  }
  return out;
}

function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

async function main(): Promise<void> {
  const started = Date.now();
  const args = parseArgs(process.argv.slice(2));
  const tool = detectLoadTool(args.tool);
  const pinning = setPinning(args.pin);
  const ids = args.only ?? (args.quick ? QUICK_IDS : CONFIGS.filter((c) => !c.hidden).map((c) => c.id));
  log(`${ids.length} configurations, ${args.rounds} rounds × ${args.duration}s, warm-up ${args.warmup}s, ${args.connections} connections, load by ${tool}, ${pinning}`);

  // The servers run compiled JavaScript, as in production (see bench/compile.ts).
  const build = args.tsx ? undefined : compileBench();
  if (build) process.env.BENCH_BUILD_DIR = build;
  try {
    await benchmark(args, tool, pinning, ids, started, log);
  } finally {
    if (build) removeBuild(build);
  }
}

async function benchmark(args: Args, tool: LoadTool, pinning: string, ids: string[], started: number, log: (m: string) => void): Promise<void> {
  const chosen = CONFIGS.filter((c) => ids.includes(c.id));
  const lives: Live[] = [];
  await Promise.all(
    chosen.map(async (config) => {
      const result: ConfigResult = {
        id: config.id, label: config.label, role: config.role, baseline: config.baseline, peer: config.peer,
        status: 'ok', counted: config.counted, cells: {},
      };
      const live: Live = { config, result, cookies: [], samples: { read: [], write: [], cookieless: [] } };
      lives.push(live);
      const reason = await unavailable(config);
      if (reason) {
        result.status = reason;
        return;
      }
      try {
        live.server = config.runtime ? await RuntimeServerChild.start(config.runtime.name, config.runtime.kind) : await ServerChild.start(config.id);
        live.cookies = await loginCookies(config, live.server.port, args.connections);
      } catch (err) {
        result.status = `n/a (failed: ${(err as Error).message.split('\n')[0]!.slice(0, 160)})`;
        await live.server?.stop();
        live.server = undefined;
      }
    }),
  );
  lives.sort((a, b) => CONFIGS.indexOf(a.config) - CONFIGS.indexOf(b.config));
  const running = lives.filter((l) => l.server);
  for (const l of lives) if (!l.server) log(`${l.config.id}: ${l.result.status}`);

  try {
    if (args.warmup > 0) {
      for (const scenario of SCENARIOS) for (const live of running) await measure(live, scenario, tool, args, args.warmup);
      log('warm-up done');
    }
    for (let round = 1; round <= args.rounds; round++) {
      for (const scenario of SCENARIOS) {
        for (const live of running) {
          const sample = await measure(live, scenario, tool, args, args.duration);
          live.samples[scenario].push(sample);
          log(`round ${round} ${scenario.padEnd(10)} ${live.config.id.padEnd(18)} ${sample.rps.toFixed(0).padStart(6)} req/s  ${sample.cpuPerReq.toFixed(1).padStart(6)} µs/req  p99 ${sample.p99.toFixed(2)} ms${sample.errors ? `  ${sample.errors} errors` : ''}`);
        }
      }
    }
  } finally {
    await Promise.all(running.map((l) => l.server!.stop()));
  }
  for (const live of running) for (const scenario of SCENARIOS) live.result.cells[scenario] = summarize(live.samples[scenario]);

  const results: BenchResults = {
    date: new Date().toISOString(),
    mode: args.quick ? 'quick' : 'default',
    machine: { cores: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.version, os: `${platform()} ${release()}`, memoryGiB: Math.round(totalmem() / 2 ** 30) },
    tool: toolVersion(tool),
    settings: { connections: args.connections, durationSeconds: args.duration, warmupSeconds: args.warmup, rounds: args.rounds, pinning },
    packages: packageVersions(),
    configs: lives.map((l) => l.result),
    notes: [],
    durationSeconds: 0,
  };

  // The extra studies never cost the main tables: a failure becomes a note in RESULTS.md.
  const failed = (what: string, err: unknown) => {
    log(`${what} failed: ${(err as Error)?.stack ?? err}`);
    return `${what} failed: ${String((err as Error)?.message ?? err).split('\n')[0]!.slice(0, 200)}`;
  };
  if (args.profile && running.some((l) => l.config.id === 'cr-node-memory')) {
    log('profiling the cloakroom read path (memory store, node:http)');
    try {
      results.profile = await profileReadPath(tool, args.connections, (config, port) => loginCookies(config, port, args.connections));
    } catch (err) {
      results.profile = { config: 'cr-node-memory', scenario: 'read', seconds: 0, top: [], note: failed('profile', err) };
    }
  }
  if (!args.quick) {
    log('measuring the memory store footprint');
    try {
      results.memory = await measureMemoryStore();
    } catch (err) {
      results.notes.push(failed('memory store footprint', err));
    }
  }
  if (args.scale) {
    log('scale study');
    try {
      results.scale = await runScale(tool, log, args.scaleStores);
    } catch (err) {
      results.scale = { rows: [], sweeps: [], note: failed('scale study', err) };
    }
  }

  results.durationSeconds = Math.round((Date.now() - started) / 1000);
  if (args.json) writeFileSync(args.json, JSON.stringify(results, null, 2));
  const markdown = renderResults(results);
  if (args.out) {
    writeFileSync(args.out, markdown);
    log(`wrote ${args.out}`);
  } else if (!args.json) {
    process.stdout.write(markdown);
  }
  log(`done in ${results.durationSeconds}s`);
}

main().catch((err: unknown) => {
  process.stderr.write(`[bench] failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
