/**
 * Every configuration of `npm run bench`, in table order. Each runs in its own child process
 * (`bench/server.ts <id>`). `baseline` is the bare framework it runs on; `peer` the library a
 * user would otherwise pick for the same job.
 */
import type { AppContext, RunningApp } from './apps/common.ts';
import { STORE_MODULES } from './apps/cloakroom-stores.ts';
import { EXPRESS_ADAPTER } from './apps/cloakroom-express.ts';
import type { RuntimeStoreKind } from './apps/runtime-fetch.ts';
import { RUNTIME_BINARIES } from './runtime-child.ts';

export type Service = 'redis';
/** bare: a framework alone; reference: a framework plus something every middleware costs (a floor). */
export type Role = 'bare' | 'reference' | 'cloakroom' | 'peer';

export interface BenchConfig {
  id: string;
  label: string;
  role: Role;
  /** Id of the bare server of the same framework ("added µs/req over its own bare framework"). */
  baseline: string;
  /** Id of the matching peer configuration, if any. */
  peer?: string;
  /** Repository files that must exist; a missing one reports "n/a (not built)". */
  requires: string[];
  services: Service[];
  /** Whether the configuration keeps a server-side store whose calls are counted. */
  counted: boolean;
  start(): Promise<(ctx: AppContext) => Promise<RunningApp>>;
  /** Run only when asked by id (the scale study's server), never in the default set. */
  hidden?: boolean;
  /** Served by bench/runtime-server.ts on this runtime instead of a Node child (`start` unused). */
  runtime?: { name: 'bun' | 'deno'; kind: RuntimeStoreKind };
}

const CORE = ['src/core/manager.ts', 'src/adapters/node.ts'];

export const CONFIGS: BenchConfig[] = [
  { id: 'node', label: 'bare node:http', role: 'bare', baseline: 'node', requires: [], services: [], counted: false, start: async () => (await import('./apps/node-bare.ts')).starter('bare') },
  {
    id: 'node-floor', label: 'node:http + Cookie header read + Vary: Cookie', role: 'reference', baseline: 'node', requires: [], services: [], counted: false,
    start: async () => (await import('./apps/node-bare.ts')).starter('floor'),
  },
  {
    id: 'cr-node-memory', label: 'cloakroom · node:http · memory', role: 'cloakroom', baseline: 'node', peer: 'es-memory',
    requires: [...CORE, STORE_MODULES.memory], services: [], counted: true,
    start: async () => (await import('./apps/cloakroom-node.ts')).starter('memory'),
  },
  {
    id: 'cr-node-sqlite', label: 'cloakroom · node:http · SQLite', role: 'cloakroom', baseline: 'node',
    requires: [...CORE, STORE_MODULES.sqlite], services: [], counted: true,
    start: async () => (await import('./apps/cloakroom-node.ts')).starter('sqlite'),
  },
  {
    id: 'cr-node-redis', label: 'cloakroom · node:http · Redis', role: 'cloakroom', baseline: 'node', peer: 'es-redis',
    requires: [...CORE, STORE_MODULES.redis], services: ['redis'], counted: true,
    start: async () => (await import('./apps/cloakroom-node.ts')).starter('redis'),
  },
  // Issue 13: the cost of events and OpenTelemetry. `cr-node-memory` is "events off" (the
  // default: only warnings and errors would be built, and a healthy run has none).
  {
    id: 'cr-node-memory-events', label: 'cloakroom · node:http · memory · onEvent listener (every event built)', role: 'cloakroom', baseline: 'node',
    requires: [...CORE, STORE_MODULES.memory, 'src/core/events.ts'], services: [], counted: true,
    start: async () => (await import('./apps/cloakroom-node.ts')).starter('memory', 'events'),
  },
  {
    id: 'cr-node-memory-otel', label: 'cloakroom · node:http · memory · OpenTelemetry metrics + spans (SDK, no exporter)', role: 'cloakroom', baseline: 'node',
    requires: [...CORE, STORE_MODULES.memory, 'src/core/telemetry.ts'], services: [], counted: true,
    start: async () => (await import('./apps/cloakroom-node.ts')).starter('memory', 'otel'),
  },
  {
    id: 'cr-node-redis-otel', label: 'cloakroom · node:http · Redis · OpenTelemetry metrics + spans (SDK, no exporter)', role: 'cloakroom', baseline: 'node',
    requires: [...CORE, STORE_MODULES.redis, 'src/core/telemetry.ts'], services: ['redis'], counted: true,
    start: async () => (await import('./apps/cloakroom-node.ts')).starter('redis', 'otel'),
  },
  {
    id: 'redis-floor', label: 'node:http + one HGETALL per read (+ HSET per write), no session work', role: 'reference', baseline: 'node',
    requires: ['src/stores/redis-connection.ts'], services: ['redis'], counted: false,
    start: async () => (await import('./apps/redis-floor.ts')).start,
  },
  {
    id: 'cr-node-cookie', label: 'cloakroom · node:http · cookie store', role: 'cloakroom', baseline: 'node', peer: 'iron',
    requires: [...CORE, STORE_MODULES.cookie], services: [], counted: false,
    start: async () => (await import('./apps/cloakroom-node.ts')).starter('cookie'),
  },
  { id: 'iron', label: 'iron-session · node:http', role: 'peer', baseline: 'node', requires: [], services: [], counted: false, start: async () => (await import('./apps/iron-session.ts')).start },
  {
    id: 'node-reparent', label: 'node:http + Object.setPrototypeOf(req, res) per request, as Express does', role: 'reference', baseline: 'node', requires: [], services: [], counted: false,
    start: async () => (await import('./apps/node-bare.ts')).starter('reparent'),
  },
  { id: 'express', label: 'bare Express', role: 'bare', baseline: 'express', requires: [], services: [], counted: false, start: async () => (await import('./apps/express-bare.ts')).starter(false) },
  {
    id: 'express-noop', label: 'Express + one empty middleware', role: 'reference', baseline: 'express', requires: [], services: [], counted: false,
    start: async () => (await import('./apps/express-bare.ts')).starter(true),
  },
  {
    id: 'cr-express-memory', label: 'cloakroom · Express · memory', role: 'cloakroom', baseline: 'express', peer: 'es-memory',
    requires: [...CORE, EXPRESS_ADAPTER, STORE_MODULES.memory], services: [], counted: true,
    start: async () => (await import('./apps/cloakroom-express.ts')).starter('memory'),
  },
  {
    id: 'cr-express-redis', label: 'cloakroom · Express · Redis', role: 'cloakroom', baseline: 'express', peer: 'es-redis',
    requires: [...CORE, EXPRESS_ADAPTER, STORE_MODULES.redis], services: ['redis'], counted: true,
    start: async () => (await import('./apps/cloakroom-express.ts')).starter('redis'),
  },
  {
    id: 'cr-express-memory-patched', label: 'cloakroom · Express · memory · patchPrototypes (opt-in)', role: 'cloakroom', baseline: 'express', peer: 'es-memory',
    requires: [...CORE, EXPRESS_ADAPTER, STORE_MODULES.memory], services: [], counted: true,
    start: async () => (await import('./apps/cloakroom-express.ts')).starter('memory', true),
  },
  {
    id: 'cr-express-redis-patched', label: 'cloakroom · Express · Redis · patchPrototypes (opt-in)', role: 'cloakroom', baseline: 'express', peer: 'es-redis',
    requires: [...CORE, EXPRESS_ADAPTER, STORE_MODULES.redis], services: ['redis'], counted: true,
    start: async () => (await import('./apps/cloakroom-express.ts')).starter('redis', true),
  },
  {
    id: 'es-memory', label: 'express-session · MemoryStore', role: 'peer', baseline: 'express', requires: [], services: [], counted: true,
    start: async () => (await import('./apps/express-session.ts')).starter('memory'),
  },
  {
    id: 'es-redis', label: 'express-session · connect-redis', role: 'peer', baseline: 'express', requires: [], services: ['redis'], counted: true,
    start: async () => (await import('./apps/express-session.ts')).starter('redis'),
  },
  {
    id: 'dropin-memory', label: 'cloakroom/express-session (drop-in) · its MemoryStore', role: 'cloakroom', baseline: 'express', peer: 'es-memory',
    requires: ['src/express-session/index.ts'], services: [], counted: true,
    start: async () => (await import('./apps/express-session-dropin.ts')).starter('memory'),
  },
  {
    id: 'dropin-redis', label: 'cloakroom/express-session (drop-in) · connect-redis', role: 'cloakroom', baseline: 'express', peer: 'es-redis',
    requires: ['src/express-session/index.ts'], services: ['redis'], counted: true,
    start: async () => (await import('./apps/express-session-dropin.ts')).starter('redis'),
  },
  { id: 'fastify', label: 'bare Fastify', role: 'bare', baseline: 'fastify', requires: [], services: [], counted: false, start: async () => (await import('./apps/fastify-bare.ts')).start },
  {
    id: 'fastify-session', label: '@fastify/session · memory', role: 'peer', baseline: 'fastify', requires: [], services: [], counted: true,
    start: async () => (await import('./apps/fastify-session.ts')).start,
  },
  ...runtimeRows('bun', 'Bun.serve'),
  ...runtimeRows('deno', 'Deno.serve'),
  {
    id: 'cr-node-scale', label: 'cloakroom · node:http · (BENCH_STORE_KIND)', role: 'cloakroom', baseline: 'node', hidden: true,
    requires: CORE, services: [], counted: true,
    start: async () => (await import('./apps/cloakroom-node.ts')).starter(),
  },
];

/** Bare, memory, SQLite and Redis on one runtime's own server (fetch adapter), over its own bare server. */
function runtimeRows(name: 'bun' | 'deno', server: string): BenchConfig[] {
  const notStarted = async (): Promise<never> => {
    throw new Error(`${name} rows run in bench/runtime-server.ts`);
  };
  const row = (kind: RuntimeStoreKind, label: string, extra: Partial<BenchConfig> = {}): BenchConfig => ({
    id: kind === 'bare' ? name : `cr-${name}-${kind}`,
    label,
    role: kind === 'bare' ? 'bare' : 'cloakroom',
    baseline: name,
    requires: [RUNTIME_BINARIES[name], ...(kind === 'bare' ? [] : ['src/adapters/fetch.ts'])],
    services: kind === 'redis' ? ['redis'] : [],
    counted: false,
    start: notStarted,
    runtime: { name, kind },
    ...extra,
  });
  return [
    row('bare', `bare ${server} (${name})`),
    row('memory', `cloakroom · ${server} · memory`),
    row('sqlite', `cloakroom · ${server} · SQLite (${name === 'bun' ? 'bun:sqlite' : 'node:sqlite'})`),
    row('redis', `cloakroom · ${server} · Redis`),
  ];
}

/** `--quick`: the smallest set that still exercises a bare server, cloakroom and a counted store. */
export const QUICK_IDS = ['node', 'cr-node-memory', 'node-reparent', 'express', 'cr-express-memory'];

export function configById(id: string): BenchConfig {
  const config = CONFIGS.find((c) => c.id === id);
  if (!config) throw new Error(`unknown bench configuration ${JSON.stringify(id)}`);
  return config;
}
