/**
 * Store URLs to ioredis clients, with options chosen for a session store: a command fails fast
 * while Redis is away (the request gets a 503 within the store timeout instead of hanging), and
 * the client reconnects on its own, so service resumes by itself when Redis is back.
 */
import { Cluster, Redis, type ClusterNode, type ClusterOptions, type RedisOptions } from 'ioredis';
import { withDeadline } from '../core/deadline.js';
import { SessionError } from '../core/errors.js';

/**
 * Either ioredis client; the store treats them alike.
 *
 * @example
 * const client: RedisClient = new Redis(sessionRedisOptions());
 */
export type RedisClient = Redis | Cluster;

/**
 * Time bounds of a Redis connection made for a session store.
 *
 * @example
 * new RedisStore({ client: 'redis://127.0.0.1:6379', commandTimeout: 500, connectTimeout: 1000 });
 */
export interface RedisConnectionOptions {
  /**
   * Longest wait, in ms, for one command before ioredis rejects it (a hung server, e.g. a
   * stopped process, keeps its TCP connection open and would otherwise never answer). Default 1000.
   */
  commandTimeout?: number;
  /** Longest wait, in ms, for the TCP connection and for the startup ready check. Default 2000. */
  connectTimeout?: number;
  /** Longest pause, in ms, between reconnection attempts (they back off up to it). Default 1000. */
  maxReconnectDelay?: number;
}

/**
 * What a store URL says.
 *
 * @example
 * const { nodes, db, prefix } = parseRedisUrl('redis://127.0.0.1:6379/2?prefix=app:');
 */
export interface ParsedRedisUrl {
  cluster: boolean;
  tls: boolean;
  nodes: Array<{ host: string; port: number }>;
  db: number;
  username: string | undefined;
  password: string | undefined;
  /** `?prefix=` of the URL, when given. */
  prefix: string | undefined;
  /** The URL without credentials, for logs and error messages. */
  displayName: string;
}

const SCHEMES: Record<string, { cluster: boolean; tls: boolean }> = {
  'redis:': { cluster: false, tls: false },
  'rediss:': { cluster: false, tls: true },
  'redis+cluster:': { cluster: true, tls: false },
  'rediss+cluster:': { cluster: true, tls: true },
};

/**
 * Parses `redis://[user:pass@]host:port[/db][?prefix=p]`, `rediss://…` (TLS) and
 * `redis+cluster://[user:pass@]host:port,host:port[?prefix=p]`. Throws `ERR_SESSION_CONFIG`
 * with the (credential-free) URL for anything else.
 *
 * @example
 * parseRedisUrl('redis+cluster://10.0.0.1:7000,10.0.0.2:7000').nodes; // two seed nodes
 */
export function parseRedisUrl(url: string): ParsedRedisUrl {
  const bad = (why: string): never => {
    throw new SessionError('ERR_SESSION_CONFIG', `Bad Redis store URL "${redact(url)}": ${why}.`);
  };
  const schemeEnd = url.indexOf('//');
  const scheme = SCHEMES[url.slice(0, Math.max(0, schemeEnd)).toLowerCase()];
  if (schemeEnd < 0 || !scheme) return bad('expected redis://, rediss://, redis+cluster:// or rediss+cluster://');
  // WHATWG URL cannot hold a comma-separated host list, so each host is parsed on its own.
  const rest = url.slice(schemeEnd + 2);
  const slash = rest.search(/[/?]/);
  const authority = slash === -1 ? rest : rest.slice(0, slash);
  const at = authority.lastIndexOf('@');
  const auth = at >= 0 ? authority.slice(0, at) : '';
  const hostList = authority.slice(at + 1);
  let tail: URL;
  try {
    tail = new URL(`http://x${slash === -1 ? '' : rest.slice(slash)}`);
  } catch {
    return bad('unreadable path or query');
  }

  const nodes = hostList.split(',').map((part) => {
    let parsed: URL;
    try {
      parsed = new URL(`http://${part}`);
    } catch {
      return bad(`"${part}" is not host:port`);
    }
    if (!parsed.hostname || parsed.pathname !== '/' || parsed.search) bad(`"${part}" is not host:port`);
    return { host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'), port: parsed.port ? Number(parsed.port) : 6379 };
  });
  if (!scheme.cluster && nodes.length !== 1) bad('a single-node URL names exactly one host (use redis+cluster:// for a cluster)');

  const path = tail.pathname.replace(/^\/|\/$/g, '');
  if (path && (scheme.cluster || !/^\d+$/.test(path))) bad(scheme.cluster ? 'a cluster has no database number' : `"/${path}" is not a database number`);
  for (const key of tail.searchParams.keys()) if (key !== 'prefix') bad(`unknown parameter "${key}" (only "prefix" is understood)`);

  const [user, ...pass] = auth ? auth.split(':') : [];
  const decode = (s: string | undefined) => (s ? decodeURIComponent(s) : undefined);
  const scheme_ = url.slice(0, schemeEnd);
  return {
    cluster: scheme.cluster,
    tls: scheme.tls,
    nodes,
    db: path ? Number(path) : 0,
    username: decode(user),
    password: decode(pass.length ? pass.join(':') : undefined),
    prefix: tail.searchParams.get('prefix') ?? undefined,
    displayName: `${scheme_}//${hostList}${path ? `/${path}` : ''}`,
  };
}

/**
 * The URL with any password replaced by `***`, safe for logs.
 *
 * @example
 * redact('redis://app:s3cret@cache:6379'); // 'redis://app:***@cache:6379'
 */
export function redact(url: string): string {
  return url.replace(/\/\/([^/@]*):([^/@]*)@/, '//$1:***@');
}

/** A reconnection schedule that backs off to `max` ms and never gives up. */
function backoff(max: number): (times: number) => number {
  return (times) => Math.min(50 * 2 ** Math.min(times, 10), max);
}

/**
 * ioredis options for one Redis connection of a session store (see the module comment). Use
 * them when you build your own client for `RedisStore`.
 *
 * @example
 * const client = new Redis({ ...sessionRedisOptions({ commandTimeout: 500 }), host: 'cache', port: 6379 });
 */
export function sessionRedisOptions(options: RedisConnectionOptions = {}): RedisOptions {
  const { commandTimeout = 1000, connectTimeout = 2000, maxReconnectDelay = 1000 } = options;
  return {
    // Without Redis, fail now: the offline queue would hold requests until reconnection.
    enableOfflineQueue: false,
    // Commands in flight when the connection drops fail at once instead of waiting for the next
    // connection (ioredis's default is 20 reconnection attempts, i.e. many seconds).
    maxRetriesPerRequest: 0,
    commandTimeout,
    connectTimeout,
    retryStrategy: backoff(maxReconnectDelay),
    // Connect immediately; `ready()` waits for it with a bound.
    lazyConnect: false,
    // After a refused connection ioredis's disconnect() waits this long for a 'close' that never
    // comes (default 2000 ms), holding a CLI or a failed startup open for nothing.
    disconnectTimeout: 200,
    // Commands issued in the same event-loop tick (concurrent requests) share one socket write
    // and one read: fewer syscalls per request under load.
    enableAutoPipelining: true,
  };
}

/**
 * A client for a parsed store URL, connecting in the background with `sessionRedisOptions`.
 *
 * @example
 * const client = createRedisClient(parseRedisUrl('redis://127.0.0.1:6379/2'));
 */
export function createRedisClient(parsed: ParsedRedisUrl, options: RedisConnectionOptions = {}): RedisClient {
  const base = sessionRedisOptions(options);
  const auth = { username: parsed.username, password: parsed.password, ...(parsed.tls ? { tls: {} } : {}) };
  if (!parsed.cluster) {
    const [node] = parsed.nodes;
    return new Redis({ ...base, ...auth, host: node!.host, port: node!.port, db: parsed.db });
  }
  const clusterOptions: ClusterOptions = {
    enableOfflineQueue: false,
    clusterRetryStrategy: backoff(options.maxReconnectDelay ?? 1000),
    lazyConnect: false,
    // A command for a crashed master's slots is retried every retryDelayOnFailover (100 ms) up to
    // maxRedirections times (default 16, i.e. ~1.6 s): longer than the command timeout, so every
    // such request would wait out the full timeout. 4 tries fail it well within the command
    // timeout (test/faults/redis-cluster-outage.test.ts) and still cover a MOVED + ASK during resharding.
    maxRedirections: 4,
    // The cluster client owns queueing and reconnection; each node gets the command bounds.
    redisOptions: {
      ...auth,
      maxRetriesPerRequest: 0,
      commandTimeout: base.commandTimeout,
      connectTimeout: base.connectTimeout,
      disconnectTimeout: base.disconnectTimeout,
    },
  };
  return new Cluster(parsed.nodes as ClusterNode[], clusterOptions);
}

/**
 * A display name for a client the user built: its address without credentials.
 *
 * @example
 * describeClient(new Redis({ host: 'cache', port: 6380, db: 2 })); // 'redis://cache:6380/2'
 */
export function describeClient(client: RedisClient): string {
  if (isCluster(client)) {
    const nodes = client
      .nodes('master')
      .map((n) => `${n.options.host}:${n.options.port}`)
      .join(',');
    return `redis+cluster://${nodes}`;
  }
  const { host = '127.0.0.1', port = 6379, db = 0, path } = client.options;
  if (path) return `redis+unix://${path}`;
  return `redis://${host}:${port}${db ? `/${db}` : ''}`;
}

/**
 * True for an ioredis `Cluster` (checked by its `isCluster` flag, so two copies of ioredis agree).
 *
 * @example
 * const nodes = isCluster(client) ? client.nodes('master') : [client];
 */
export function isCluster(client: RedisClient): client is Cluster {
  return (client as Cluster).isCluster === true;
}

/**
 * Resolves once `client` can serve commands; rejects within `timeoutMs` with
 * `ERR_STORE_UNAVAILABLE` naming `name` and the last connection error otherwise.
 * ioredis retries forever by default, so without this bound a down store would hang startup.
 *
 * @example
 * await waitUntilReady(client, 'redis://cache:6379', 2000);
 */
export function waitUntilReady(client: RedisClient, name: string, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  let lastError: Error | undefined;
  const onError = (err: Error) => {
    lastError = err;
  };
  let onReady!: () => void;
  const ready = new Promise<void>((resolve) => {
    onReady = resolve;
  });
  client.on('error', onError);
  client.once('ready', onReady);
  if (client.status === 'wait') client.connect().catch(onError);
  const unreachable = () =>
    new SessionError('ERR_STORE_UNAVAILABLE', `Session store ${name} is unreachable (not ready within ${timeoutMs} ms)${lastError ? `: ${lastError.message}` : ''}`, {
      cause: lastError,
    });
  return withDeadline(ready, timeoutMs, unreachable).finally(() => {
    client.off('error', onError);
    client.off('ready', onReady);
  });
}

/**
 * Settles once `client`'s first connection attempt has: it became ready, or the attempt failed
 * (an error or a close before ready). Null when no first attempt is under way. A store waits for
 * it before its first command, because without an offline queue a command sent while the
 * connection is still being made fails at once: the first requests after `listen` would get
 * 503 from a Redis that is up. Only the first attempt is waited for: once Redis has been seen
 * down, commands fail fast again (the manager turns that into a bounded 503 and an outage).
 *
 * @example
 * const connecting = firstConnection(client);
 * if (connecting) await connecting;
 */
export function firstConnection(client: RedisClient): Promise<void> | null {
  if (client.status !== 'connecting' && client.status !== 'connect') return null;
  return new Promise<void>((resolve) => {
    const events = ['ready', 'error', 'close', 'end'] as const;
    const done = () => {
      for (const event of events) client.off(event, done);
      resolve();
    };
    for (const event of events) client.on(event, done);
  });
}
