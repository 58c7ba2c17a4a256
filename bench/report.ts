/** Renders a run's results as bench/RESULTS.md: tables, ratios, store calls, targets, profile. */
import { configById } from './configs.ts';
import { halfRange, median, ratio } from './stats.ts';
import { selfTimeByArea } from './profile.ts';
import { SCENARIOS, type BenchResults, type Cell, type ConfigResult, type Scenario } from './results.ts';

interface Target {
  text: string;
  check(r: Lookup): { value: string; pass: boolean | undefined; scaled?: string; scaledPass?: boolean | undefined };
}

/** What bare node:http costs on the machine issue 4's µs targets were written for. */
const ISSUE_BARE_NODE_US = 38;

/** Factor from this machine's µs to the issue's machine: 38 µs over this run's bare node:http read. */
function machineScale(lookup: Lookup): number | undefined {
  const bare = lookup('node', 'read')?.cpuPerReq;
  return bare && Number.isFinite(bare) && bare > 0 ? ISSUE_BARE_NODE_US / bare : undefined;
}

type Lookup = (id: string, scenario: Scenario) => Cell | undefined;

/**
 * µs/req a configuration adds over its own bare framework in a scenario, with its noise: the
 * median of the per-round differences (round r of the configuration minus round r of the bare
 * server; the two ran back to back, so slow drifts of the shared machine cancel out), ± half the
 * range of those differences.
 */
function addedWithNoise(lookup: Lookup, id: string, scenario: Scenario): { value: number; noise: number } | undefined {
  const cell = lookup(id, scenario);
  const base = lookup(configById(id).baseline, scenario);
  if (!cell || !base) return undefined;
  const rounds = Math.min(cell.samples.length, base.samples.length);
  if (rounds === 0) return { value: cell.cpuPerReq - base.cpuPerReq, noise: cell.cpuSpread + base.cpuSpread };
  const diffs = Array.from({ length: rounds }, (_, i) => cell.samples[i]!.cpuPerReq - base.samples[i]!.cpuPerReq);
  return { value: median(diffs), noise: halfRange(diffs) };
}

function added(lookup: Lookup, id: string, scenario: Scenario): number | undefined {
  return addedWithNoise(lookup, id, scenario)?.value;
}

function addedTarget(id: string, scenario: Scenario, max: number, what: string): Target {
  return {
    text: `${what}: ≤ ${max} µs/req added`,
    check(lookup) {
      const a = addedWithNoise(lookup, id, scenario);
      if (a === undefined) return { value: 'n/a', pass: undefined, scaled: 'n/a' };
      const k = machineScale(lookup);
      const scaled = k === undefined ? undefined : a.value * k;
      return {
        value: `${signed(a.value)} µs/req (± ${a.noise.toFixed(1)})`,
        pass: a.value <= max,
        scaled: scaled === undefined ? 'n/a' : `${signed(scaled)} µs/req`,
        scaledPass: scaled === undefined ? undefined : scaled <= max,
      };
    },
  };
}

function rpsTarget(id: string, peer: string, scenario: Scenario, min: number, what: string): Target {
  return {
    text: `${what}: ≥ ${min}× req/s`,
    check(lookup) {
      const r = ratio(lookup(id, scenario)?.rps, lookup(peer, scenario)?.rps);
      if (r === undefined) return { value: 'n/a', pass: undefined };
      return { value: `${r.toFixed(2)}×`, pass: r >= min };
    },
  };
}

export const TARGETS: Target[] = [
  addedTarget('cr-node-memory', 'read', 10, 'read, memory store, node:http'),
  addedTarget('cr-express-memory', 'read', 10, 'read, memory store, Express'),
  addedTarget('cr-node-memory', 'write', 20, 'write, memory store, node:http'),
  addedTarget('cr-express-memory', 'write', 20, 'write, memory store, Express'),
  addedTarget('cr-node-redis', 'read', 40, 'read, Redis, node:http'),
  addedTarget('cr-express-redis', 'read', 40, 'read, Redis, Express'),
  addedTarget('cr-node-memory', 'cookieless', 2, 'cookieless, node:http'),
  addedTarget('cr-express-memory', 'cookieless', 2, 'cookieless, Express'),
  rpsTarget('cr-express-memory', 'es-memory', 'read', 1.3, 'read via Express vs express-session (memory)'),
  rpsTarget('cr-express-memory', 'es-memory', 'write', 1.5, 'write via Express vs express-session (memory)'),
  rpsTarget('cr-express-redis', 'es-redis', 'read', 1.3, 'Redis read via Express vs express-session + connect-redis'),
];

/** The peers' added read cost quoted in issue 4 (autocannon, 2 cores), for comparison. */
const ISSUE_PEER_READ: Record<string, number> = { 'es-memory': 115, 'es-redis': 200, 'fastify-session': 80, iron: 482 };

const f0 = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? '—' : Math.round(n).toLocaleString('en-US'));
const f1 = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? '—' : n.toFixed(1));
const f2 = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? '—' : n.toFixed(2));
const x = (n: number | undefined) => (n === undefined ? '—' : `${n.toFixed(2)}×`);
function signed(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return '—';
  return `${n >= 0 ? '+' : '−'}${Math.abs(n).toFixed(1)}`;
}

export function renderResults(r: BenchResults): string {
  const byId = new Map(r.configs.map((c) => [c.id, c]));
  const lookup: Lookup = (id, scenario) => byId.get(id)?.cells[scenario];
  const out: string[] = [];
  const p = (line = '') => out.push(line);

  p('# cloakroom benchmarks');
  p();
  p(`Generated by \`npm run bench${r.mode === 'quick' ? ' -- --quick' : ''}\` (bench/run.ts) on ${r.date.slice(0, 16).replace('T', ' ')} UTC; the run took ${r.durationSeconds} s.`);
  p('Do not edit by hand: run the bench again. The machine is shared and noisy, so quote **ratios** and **µs/req differences**, not absolute times.');
  p();
  for (const note of r.notes ?? []) p(`> **Note:** ${note}`), p();
  p('## Machine and method');
  p();
  p(`- Machine: ${r.machine.cores} cores (${r.machine.cpu}), ${r.machine.memoryGiB} GiB, ${r.machine.os}; Node ${r.machine.node}.`);
  p(`- Load: ${r.tool}, in its own process; ${r.settings.connections} connections, one session per connection (each connection sends its own valid session cookie); every server on 127.0.0.1 in its own child process; ${r.settings.pinning ?? 'not pinned'}.`);
  p(`- Each configuration × scenario: ${r.settings.warmupSeconds} s warm-up, then ${r.settings.rounds} runs of ${r.settings.durationSeconds} s, interleaved (all configurations in turn, then again). Figures are **medians** of the runs.`);
  p('- **CPU µs/req** = the server process\'s own CPU time (`process.cpuUsage()`, user + system, all its threads) over the measured window ÷ requests completed. The load generator shares the 2 cores and saturates first on the fastest servers, so CPU per request is the fairer cost; req/s is reported beside it. Redis\'s own CPU is not included in any row. Every server runs with `--max-semi-space-size=64` (a 64 MB young generation, a common production setting): with Node\'s default 16 MB, GC timing made the Express rows swing by ±5–15 µs/req between runs of the same server; with it, by ±1–5.');
  p('- **GC µs/req** = the time the server\'s main thread spent paused for garbage collection (the durations of V8\'s `gc` performance entries) ÷ requests: a part of CPU µs/req, shown because it is where re-parented requests lose their time (see "Where Express\'s cost goes").');
  p('- **added** = µs/req over the same scenario on the configuration\'s own bare framework (node:http, Express or Fastify): the median of the per-round differences (each round runs the two back to back), ± half the min–max range of those differences (a noise indicator).');
  p('- **Reference rows** (no session at all): *Express + one empty middleware* is the least any session middleware can add on Express; *node:http + Cookie header read + Vary: Cookie* is the work no session library can skip. Both should add ~0: what they show instead is the noise of this machine at that point of the run. *node:http + one HGETALL per read* does the Redis round trips a Redis-backed session cannot skip (one HGETALL of a session-shaped hash per read, plus one HSET per write, through the Redis store\'s own ioredis settings) and nothing else: the floor under the Redis rows, i.e. what the driver and the socket cost. *node:http + Object.setPrototypeOf(req, res)* does only what Express does to every request before any middleware runs: it gives `req` and `res` a prototype of their own.');
  p('- Bare servers get a dummy cookie of the same length in read/write, so every configuration parses the same headers. In *cookieless*, iron-session\'s handler never calls `getIronSession` (it has no middleware), so its row equals bare node:http by construction.');
  p('- Session settings: cloakroom defaults (rolling expiry with `touchAfter` 3600 s, so a read does not write); express-session with `resave: false, saveUninitialized: false` (its recommended settings); @fastify/session with `saveUninitialized: false`; iron-session defaults.');
  p();
  p('Package versions: ' + Object.entries(r.packages).map(([k, v]) => `${k} ${v}`).join(', ') + '.');
  p();

  const verdict = (pass: boolean | undefined) => (pass === undefined ? '' : pass ? '**pass**' : '**FAIL**');
  const k = machineScale(lookup);
  p('## Targets (issue 4)');
  p();
  p(
    `The µs targets were set on a machine where bare node:http costs ~${ISSUE_BARE_NODE_US} µs/req; in this run it cost ${f1(lookup('node', 'read')?.cpuPerReq)} µs/req. ` +
      `"Scaled" multiplies each added cost by ${k === undefined ? 'n/a' : k.toFixed(2)} (${ISSUE_BARE_NODE_US} ÷ this run's bare node:http read) to say what it would be on that machine; the raw figure and its verdict come first.`,
  );
  p();
  p('| target | measured | result | scaled to the issue\'s machine | result (scaled) |');
  p('|---|---|---|---|---|');
  for (const t of TARGETS) {
    const { value, pass, scaled, scaledPass } = t.check(lookup);
    p(`| ${t.text} | ${value} | ${pass === undefined ? 'n/a' : verdict(pass)} | ${scaled ?? '— (a ratio)'} | ${scaled === undefined ? '' : verdict(scaledPass)} |`);
  }
  p();

  p('## Added cost per request over the bare framework (CPU µs/req)');
  p();
  p('| configuration | read | write | cookieless | matching peer adds (read / write) | issue 4 quotes (read) |');
  p('|---|---:|---:|---:|---|---:|');
  for (const c of r.configs) {
    if (c.role === 'bare') continue;
    if (c.status !== 'ok') {
      p(`| ${c.label} | ${c.status} | | | | |`);
      continue;
    }
    const peerAdds = c.peer
      ? `${signed(added(lookup, c.peer, 'read'))} / ${signed(added(lookup, c.peer, 'write'))} (${byId.get(c.peer)?.label ?? c.peer})`
      : '';
    const cells = SCENARIOS.map((s) => {
      const a = addedWithNoise(lookup, c.id, s);
      return a === undefined ? '—' : `${signed(a.value)} ± ${f1(a.noise)}`;
    });
    p(`| ${c.label} | ${cells.join(' | ')} | ${peerAdds} | ${ISSUE_PEER_READ[c.id] !== undefined ? `+${ISSUE_PEER_READ[c.id]}` : ''} |`);
  }
  p();

  for (const line of expressCostSection(lookup, byId)) p(line);
  for (const line of expressPathsSection(lookup, byId)) p(line);

  for (const scenario of SCENARIOS) {
    p(`## Scenario: ${scenario}`);
    p();
    p(scenarioBlurb(scenario));
    p();
    p('| configuration | req/s | p50 ms | p99 ms | CPU µs/req | GC µs/req | added µs/req | req/s ÷ bare node:http | req/s ÷ peer (peer) | errors |');
    p('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const c of r.configs) {
      const cell = c.cells[scenario];
      if (!cell) {
        p(`| ${c.label} | ${c.status} | | | | | | | | |`);
        continue;
      }
      const peerCell = c.peer ? lookup(c.peer, scenario) : undefined;
      const peerText = c.peer ? `${x(ratio(cell.rps, peerCell?.rps))} (${byId.get(c.peer)?.label ?? c.peer})` : '';
      p(
        `| ${c.label} | ${f0(cell.rps)} | ${f2(cell.p50)} | ${f2(cell.p99)} | ${f1(cell.cpuPerReq)} ± ${f1(cell.cpuSpread)} | ${f1(cell.gcPerReq)} | ${c.role === 'bare' ? '' : signed(added(lookup, c.id, scenario))} | ${x(ratio(cell.rps, lookup('node', scenario)?.rps))} | ${peerText} | ${cell.errors} |`,
      );
    }
    p();
  }

  p('## Store calls per request');
  p();
  p('Counted by wrapping the real store\'s methods (every call forwarded unchanged) during the measured windows above: calls ÷ requests. Expected for cloakroom: cookieless 0, read 1 `get` and no write (the expiry is renewed by `touch` at most once per `touchAfter`), write 1 `get` + 1 `update`.');
  p();
  p('| configuration | scenario | calls per request | writes per request |');
  p('|---|---|---|---:|');
  for (const c of r.configs) {
    if (!c.counted || c.status !== 'ok') continue;
    for (const scenario of SCENARIOS) {
      const calls = c.cells[scenario]?.calls ?? {};
      const text = Object.entries(calls)
        .filter(([, n]) => n > 0.0005)
        .map(([m, n]) => `${m} ${n.toFixed(2)}`)
        .join(', ');
      p(`| ${c.label} | ${scenario} | ${text || 'none'} | ${writesPerRequest(calls).toFixed(2)} |`);
    }
  }
  p();

  p('## Profile of the cloakroom read path');
  p();
  if (!r.profile) p('Not run (quick mode or `--no-profile`).');
  else {
    p(`V8's CPU profiler (the one \`node --cpu-prof\` drives, 100 µs sampling) on the ${byId.get(r.profile.config)?.label ?? r.profile.config} server (compiled build), started after a 2 s warm-up, for ${r.profile.seconds} s of the read scenario. Self time as a share of all busy samples (idle excluded). ${r.profile.note ?? ''}`);
    p();
    p('By area: ' + Object.entries(selfTimeByArea(r.profile.top)).sort((a, b) => b[1] - a[1]).map(([area, pct]) => `${area} ${pct.toFixed(1)}%`).join(' · ') + '.');
    p();
    p('Top functions (line numbers are of the compiled JavaScript, close to the source):');
    p();
    p('| # | function | where | self % |');
    p('|---:|---|---|---:|');
    r.profile.top.slice(0, 25).forEach((e, i) => p(`| ${i + 1} | \`${e.fn}\` | ${e.where || '(native)'} | ${e.selfPercent.toFixed(1)} |`));
  }
  p();

  p('## Memory store footprint');
  p();
  if (!r.memory) p('Not run (quick mode).');
  else {
    p(`- ${r.memory.sessions.toLocaleString('en-US')} sessions held: **${r.memory.bytesPerSession} bytes of heap per session** (a seed-app session after login: username, CSRF secret, a counter, a User-Agent; its serialized record is ${r.memory.recordBytes} bytes).`);
    p(`- Bound: ${r.memory.sessions.toLocaleString('en-US')} sessions pushed into a store with \`maxEntries: ${r.memory.boundMax.toLocaleString('en-US')}\` → ${r.memory.sizeAfter.toLocaleString('en-US')} held, newest kept, oldest evicted: **${r.memory.boundHeld ? 'holds' : 'BROKEN'}**.`);
  }
  p();

  p('## Scale (issue 4 §3)');
  p();
  if (!r.scale) {
    p('Not in this run: it bulk-loads 1,000,000 sessions per store and does not fit the 10-minute default. Run `npm run bench -- --scale` (PostgreSQL, Redis and the SQLite file must be available).');
  } else {
    if (r.scale.note) p(r.scale.note), p();
    const spread = (range: [number, number] | undefined, fmt: (n: number) => string) => (range ? ` (${fmt(range[0])}–${fmt(range[1])})` : '');
    p('| store | stored sessions | read p50 ms | read p99 ms | write p50 ms | write p99 ms | note |');
    p('|---|---:|---:|---:|---:|---:|---|');
    for (const row of r.scale.rows) {
      p(`| ${row.store} | ${row.sessions} | ${f2(row.readP50)} | ${f2(row.readP99)}${spread(row.readP99Range, f2)} | ${f2(row.writeP50)} | ${f2(row.writeP99)}${spread(row.writeP99Range, f2)} | ${row.note ?? ''} |`);
    }
    p();
    p('| store | expired sessions swept | clear-expired took s | read p99 without sweep ms | read p99 during sweep ms | ratio | note |');
    p('|---|---:|---:|---:|---:|---:|---|');
    for (const s of r.scale.sweeps) {
      p(`| ${s.store} | ${s.expired.toLocaleString('en-US')} | ${f1(s.seconds)} | ${f2(s.p99Before)} | ${f2(s.p99During)} | ${x(ratio(s.p99During, s.p99Before))}${spread(s.ratioRange, (n) => n.toFixed(2))} | ${s.note ?? ''} |`);
    }
  }
  p();
  return out.join('\n');
}

/**
 * Where the Express rows' cost goes, from this run's figures: how much of bare Express's cost over
 * node:http the re-parenting reference row reproduces on its own, and the GC pause share of each.
 */
function expressCostSection(lookup: Lookup, byId: Map<string, ConfigResult>): string[] {
  const node = lookup('node', 'read');
  const reparent = lookup('node-reparent', 'read');
  const express = lookup('express', 'read');
  if (!node || !reparent || !express) return [];
  const rows = ['node', 'node-reparent', 'express', 'express-noop', 'cr-express-memory', 'cr-express-memory-patched', 'cr-node-memory']
    .map((id) => ({ id, cell: lookup(id, 'read') }))
    .filter((row): row is { id: string; cell: Cell } => row.cell !== undefined);
  const expressOver = express.cpuPerReq - node.cpuPerReq;
  const reparentOver = added(lookup, 'node-reparent', 'read');
  const out = [
    '## Where Express\'s cost goes (read scenario)',
    '',
    `Bare Express costs ${f1(expressOver)} µs/req more than bare node:http. Giving \`req\` and \`res\` a prototype of their own per request, as Express does before any middleware runs, adds ${signed(reparentOver)} µs/req to node:http by itself` +
      (reparentOver !== undefined && expressOver > 0 ? ` (${Math.round((100 * reparentOver) / expressOver)}% of Express\'s extra cost)` : '') +
      `, and its GC pause goes from ${f1(node.gcPerReq)} to ${f1(reparent.gcPerReq)} µs/req. Re-parented requests outlive young-generation collections, so every object kept reachable from an Express request is copied by the collector, which is part of why the same session work adds more on Express than on node:http.`,
    '',
    '| configuration | CPU µs/req | GC µs/req |',
    '|---|---:|---:|',
    ...rows.map(({ id, cell }) => `| ${byId.get(id)?.label ?? id} | ${f1(cell.cpuPerReq)} | ${f1(cell.gcPerReq)} |`),
    '',
  ];
  return out;
}

/**
 * The Express middleware's default path (the session and the held response on each request's own
 * objects) beside the opt-in `patchPrototypes` path (accessors and dispatchers on Express's shared
 * prototypes), per store: what the default costs over the opt-in.
 */
function expressPathsSection(lookup: Lookup, byId: Map<string, ConfigResult>): string[] {
  const pairs = [
    ['cr-express-memory', 'cr-express-memory-patched'],
    ['cr-express-redis', 'cr-express-redis-patched'],
  ].filter(([a, b]) => byId.has(a!) && byId.has(b!)) as [string, string][];
  if (pairs.length === 0) return [];
  const cell = (id: string, s: Scenario) => {
    const a = addedWithNoise(lookup, id, s);
    return a === undefined ? '—' : `${signed(a.value)} ± ${f1(a.noise)}`;
  };
  const over = (a: string, b: string, s: Scenario) => {
    const x = added(lookup, a, s);
    const y = added(lookup, b, s);
    return x === undefined || y === undefined ? '—' : signed(x - y);
  };
  return [
    '## Express: the default path and the opt-in `patchPrototypes`',
    '',
    "By default the Express middleware keeps everything on each request's own objects (`req.session` and the four held head methods are own properties), so other Express apps in the process are untouched. `session(manager, { patchPrototypes: true })` installs accessors and dispatchers once on Express's shared prototypes instead and makes a cookieless request's session only when it is first read. Added µs/req over bare Express; the last columns are what the default costs over the opt-in.",
    '',
    '| store | default: read | write | cookieless | patchPrototypes: read | write | cookieless | default − opt-in: read | write | cookieless |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...pairs.map(([a, b]) => `| ${byId.get(a)!.label.replace('cloakroom · Express · ', '')} | ${SCENARIOS.map((s) => cell(a, s)).join(' | ')} | ${SCENARIOS.map((s) => cell(b, s)).join(' | ')} | ${SCENARIOS.map((s) => over(a, b, s)).join(' | ')} |`),
    '',
  ];
}

function writesPerRequest(calls: Record<string, number>): number {
  return ['create', 'update', 'touch', 'destroy', 'set'].reduce((a, m) => a + (calls[m] ?? 0), 0);
}

function scenarioBlurb(scenario: Scenario): string {
  if (scenario === 'read') return 'Valid session cookie; the handler reads the username and renders the seed\'s `/home/` ("Welcome, <name>!").';
  if (scenario === 'write') return 'Valid session cookie; the handler changes one value (a visits counter) on every request.';
  return 'No cookie; the handler does not touch the session (the session middleware still runs).';
}

export type { ConfigResult };
