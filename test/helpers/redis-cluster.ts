/**
 * Real Redis processes for tests: a single `redis-server` on a spare loopback port (for fault
 * tests that stop and restart it) and a Redis Cluster of N masters built with
 * `redis-cli --cluster create`. Everything started here is killed and its temp folder removed
 * afterwards, also when startup fails halfway, and also if the test process exits early.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import type { RedisStore } from '../../src/stores/redis.ts';
import { isCluster } from '../../src/stores/redis-connection.ts';
import { newStoreKey, sampleRecord } from '../../src/testing/index.ts';
import { IN_CI } from './services.ts';

const live = new Set<ChildProcess>();
// A crashed or interrupted test run must not leave redis-servers behind.
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** The `skip` option for tests that start their own redis-server (throws in CI when it is missing). */
export function redisBinariesOrSkip(): false | string {
  const missing = ['redis-server', 'redis-cli'].filter((bin) => spawnSync(bin, ['--version']).status !== 0);
  if (missing.length === 0) return false;
  const message = `${missing.join(' and ')} not installed (apt-get install -y redis-server)`;
  if (IN_CI) throw new Error(`${message}; CI=true requires it.`);
  process.stderr.write(`\n!!! SKIPPING tests that start their own Redis: ${message}.\n\n`);
  return `SKIPPED: ${message}`;
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * A loopback port in 30000–50000 that is free, and whose cluster bus port (+10000) is free too.
 * Random, so parallel test runs rarely even try the same one.
 */
export async function freeRedisPort(taken: ReadonlySet<number> = new Set()): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 30000 + Math.floor(Math.random() * 20000);
    if (taken.has(port) || taken.has(port + 10000)) continue;
    if ((await portIsFree(port)) && (await portIsFree(port + 10000))) return port;
  }
  throw new Error('no free port pair found in 200 attempts');
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
}

async function pingOnce(port: number): Promise<boolean> {
  const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, connectTimeout: 500 });
  client.on('error', () => {});
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } finally {
    client.disconnect();
  }
}

export interface RedisProcess {
  readonly port: number;
  readonly child: ChildProcess;
  /** Sends a signal (SIGSTOP/SIGCONT to simulate a hang, SIGKILL for a crash). */
  signal(signal: NodeJS.Signals): void;
  /** Kills the process (SIGKILL) and waits for it to exit. */
  kill(): Promise<void>;
}

/**
 * Starts `redis-server` on 127.0.0.1:`port` (keeping nothing on disk) and resolves once it
 * answers PING. `extraArgs` are passed through (e.g. the cluster flags).
 *
 * @example
 * const redis = await startRedisServer(await freeRedisPort());
 * try { … } finally { await redis.kill(); }
 */
export async function startRedisServer(port: number, dir: string, extraArgs: string[] = []): Promise<RedisProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--dir', dir, ...extraArgs],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  live.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', () => live.delete(child));
  const proc: RedisProcess = {
    port,
    child,
    signal: (sig) => {
      child.kill(sig);
    },
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
  try {
    await until(`redis-server on port ${port}`, 60_000, async () => {
      if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
      return (await pingOnce(port)) ? true : undefined;
    });
  } catch (err) {
    await proc.kill();
    throw err;
  }
  return proc;
}

export interface RedisCluster {
  readonly ports: number[];
  /** `redis+cluster://127.0.0.1:P1,127.0.0.1:P2,…` */
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * Starts a Redis Cluster of `masters` nodes (no replicas) on free loopback ports, assigns the
 * slots with `redis-cli --cluster create`, and resolves when every node reports
 * `cluster_state:ok`. `stop()` kills the nodes and removes the temp folder.
 *
 * @example
 * const cluster = await startRedisCluster();
 * try { const store = await createRedisStoreFromUrl(cluster.url); … } finally { await cluster.stop(); }
 */
export async function startRedisCluster(masters = 3): Promise<RedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'cloakroom-redis-cluster-'));
  const nodes: RedisProcess[] = [];
  const stop = async () => {
    await Promise.all(nodes.map((n) => n.kill()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const taken = new Set<number>();
    for (let i = 0; i < masters; i++) {
      const port = await freeRedisPort(taken);
      taken.add(port);
      taken.add(port + 10000);
      nodes.push(
        await startRedisServer(port, dir, ['--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`), '--cluster-node-timeout', '5000']),
      );
    }
    const addresses = nodes.map((n) => `127.0.0.1:${n.port}`);
    const create = spawnSync('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'], {
      timeout: 30_000,
      encoding: 'utf8',
    });
    if (create.status !== 0) throw new Error(`redis-cli --cluster create failed: ${create.stdout}\n${create.stderr}`);
    for (const node of nodes) {
      const client = new Redis({ host: '127.0.0.1', port: node.port, maxRetriesPerRequest: 0 });
      client.on('error', () => {});
      try {
        await until(`cluster_state:ok on port ${node.port}`, 60_000, async () =>
          String(await client.call('CLUSTER', 'INFO')).includes('cluster_state:ok') ? true : undefined,
        );
      } finally {
        client.disconnect();
      }
    }
    return { ports: nodes.map((n) => n.port), url: `redis+cluster://${addresses.join(',')}`, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Every key under the store's prefix, on every node (SCAN). */
async function keysOf(store: RedisStore): Promise<string[]> {
  const client = store.client;
  const nodes = isCluster(client) ? client.nodes('master') : [client];
  const keys: string[] = [];
  const match = `${store.prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
  for (const node of nodes) for await (const batch of node.scanStream({ match, count: 500 })) keys.push(...(batch as string[]));
  return keys;
}

/** Deletes every key under the store's prefix (one key per command: cluster slots differ). */
export async function deleteRedisKeys(store: RedisStore): Promise<void> {
  const keys = await keysOf(store);
  await Promise.all(keys.map((key) => store.client.unlink(key)));
}

/** Everything the store holds, as text: key names, hash fields and values, index members. */
export async function dumpRedisKeys(store: RedisStore): Promise<string> {
  const out: string[] = [];
  for (const key of await keysOf(store)) {
    const type = await store.client.type(key);
    const body = type === 'hash' ? await store.client.hgetall(key) : type === 'zset' ? await store.client.zrange(key, 0, -1, 'WITHSCORES') : type;
    out.push(`${key} ${JSON.stringify(body)}`);
  }
  return out.join('\n');
}

/** Creates one session, runs 50 parallel updates each setting its own key, and counts the keys kept. */
export async function fiftyParallelWrites(store: RedisStore): Promise<number> {
  const key = newStoreKey();
  assert.equal(await store.create(key, sampleRecord({ base: true })), true);
  const now = Date.now();
  const results = await Promise.all(
    Array.from({ length: 50 }, (_, i) =>
      store.update(key, { set: { [`k${i}`]: JSON.stringify(i) }, unset: [], replace: false, expiresAt: now + 60_000, lastSeenAt: now }, now),
    ),
  );
  assert.ok(results.every(Boolean), 'every update found the record');
  const data = (await store.get(key, Date.now()))!.data;
  await store.destroy(key);
  return Array.from({ length: 50 }, (_, i) => data[`k${i}`] === String(i)).filter(Boolean).length;
}
