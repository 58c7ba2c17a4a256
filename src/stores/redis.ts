/**
 * Sessions in Redis or Redis Cluster, through ioredis (an optional peer dependency: this module
 * is loaded only when imported).
 *
 * How each guarantee of the store contract maps to Redis:
 * - a record is one HASH `<prefix>s:{<key>}`: data fields `d:<name>`, metadata fields `m:<name>`
 *   (see redis-scripts.ts); Redis expires it itself (PEXPIREAT at `expiresAt`);
 * - create = a script doing EXISTS + HSET + PEXPIREAT (SET NX for a hash);
 * - update = a script that returns 0 when the hash is gone or expired, else HDELs the unset
 *   fields (all data fields on replace), HSETs only the changed ones and moves the TTL: parallel
 *   requests writing different keys all keep their writes, and a logout cannot be undone;
 * - touch = a script writing two metadata fields and the TTL, only when the record is live;
 * - the per-user index is a sorted set `<prefix>u:{<userId>}` of store keys (scored by creation
 *   time). It is written before the record is bound and pruned lazily, so a live session is
 *   never missing from it: listing and revocation check each member's `m:user` before trusting it;
 * - clearExpired: Redis already dropped expired records, so it prunes dead members from the
 *   user indexes (SCAN in batches) and counts them.
 *
 * Redis Cluster: the `{…}` hash tag puts every key of one session in one slot, and every script
 * names exactly one key, so scripts never cross slots. A user's index lives in its own slot and
 * is kept in step with separate commands.
 *
 * Outages: a command that times out on a hung Redis (the request got its 503) may still run when
 * Redis wakes up, as with any networked store; scripts are idempotent or checked (create refuses
 * an existing key, update needs a live record), so a late write never resurrects a session.
 * Needs Redis 6 or later (SCAN … TYPE).
 */
import type { Redis } from 'ioredis';
import { SessionError } from '../core/errors.js';
import { isLiveSessionRecord } from '../core/record.js';
import { setOwn, type ClearExpiredOptions, type SessionChange, type SessionRecord, type SessionStore, type StoreStats, type UserSessionInfo } from '../core/store.js';
import {
  createRedisClient,
  describeClient,
  firstConnection,
  isCluster,
  parseRedisUrl,
  waitUntilReady,
  type RedisClient,
  type RedisConnectionOptions,
} from './redis-connection.js';
import { CREATE_SCRIPT, DATA_FIELD, DESTROY_IF_OWNED_SCRIPT, DESTROY_SCRIPT, META, TOUCH_SCRIPT, UPDATE_SCRIPT } from './redis-scripts.js';

export { parseRedisUrl, sessionRedisOptions, redact, type RedisClient, type RedisConnectionOptions, type ParsedRedisUrl } from './redis-connection.js';

/**
 * Options of `new RedisStore()` / `createRedisStore()`.
 *
 * @example
 * await createRedisStore({ client: 'redis://127.0.0.1:6379/1', prefix: 'app:sess:', scanCount: 500 });
 */
export interface RedisStoreOptions extends RedisConnectionOptions {
  /**
   * An ioredis `Redis` or `Cluster` you built (the store leaves it open on `close()`), or a store
   * URL: `redis://host:port[/db]`, `rediss://…`, `redis+cluster://host:port,host:port`.
   * Default `redis://127.0.0.1:6379`. For your own client, `sessionRedisOptions()` gives the
   * fail-fast options this store expects (no offline queue, bounded command time).
   */
  client?: RedisClient | string;
  /** Prefix of every key the store writes. Default `cloakroom:` (or the URL's `?prefix=`). */
  prefix?: string;
  /** Keys per SCAN round trip in `clearExpired`/`stats` when no batch size is given. Default 1000. */
  scanCount?: number;
  /** The store's name in logs and errors. Default: the URL (without password) or the client's address. */
  name?: string;
}

interface Scripts {
  cloakroomCreate(key: string, args: string[]): Promise<number>;
  cloakroomUpdate(key: string, args: string[]): Promise<0 | [1, string | null]>;
  cloakroomTouch(key: string, ...args: string[]): Promise<number>;
  cloakroomDestroy(key: string): Promise<string | null>;
  cloakroomDestroyIfOwned(key: string, userId: string): Promise<number>;
}
type ScriptedClient = RedisClient & Scripts;

/**
 * A `SessionStore` on Redis (single node or cluster).
 *
 * @example
 * const store = await createRedisStore({ client: 'redis://127.0.0.1:6379', prefix: 'myapp:sess:' });
 * const sessions = new SessionManager({ store, secrets: process.env.SESSION_SECRET! });
 */
export class RedisStore implements SessionStore {
  readonly name: string;
  readonly prefix: string;
  readonly client: RedisClient;
  readonly #ownsClient: boolean;
  readonly #connectTimeout: number;
  readonly #scanCount: number;
  /** The first connection attempt, while it is under way (see `firstConnection`). */
  #connecting: Promise<void> | null;
  /** The connection's last error (own clients only), to say why a command failed while it is down. */
  #lastError: Error | undefined;

  /**
   * Builds the store without waiting for Redis. Calls made while the first connection is being
   * made wait for it (within the manager's `storeTimeout`), so early requests are served, not
   * refused; call `ready()` (or use `createRedisStore`) before serving to make an unreachable
   * Redis a startup error instead of 503s.
   */
  constructor(options: RedisStoreOptions = {}) {
    const { client = 'redis://127.0.0.1:6379', connectTimeout = 2000, scanCount = 1000 } = options;
    if (typeof client === 'string') {
      const parsed = parseRedisUrl(client);
      this.client = createRedisClient(parsed, options);
      this.name = options.name ?? parsed.displayName;
      this.prefix = options.prefix ?? parsed.prefix ?? 'cloakroom:';
      this.#ownsClient = true;
      // ioredis reports every failed reconnection as an 'error' event and prints it when nobody
      // listens. Requests already get each failure as a 503 and `ready()` reports the last one.
      this.client.on('error', (err: Error) => {
        this.#lastError = err;
      });
      // An error from an earlier outage must not explain a later one.
      this.client.on('ready', () => {
        this.#lastError = undefined;
      });
    } else {
      this.client = client;
      this.name = options.name ?? describeClient(client);
      this.prefix = options.prefix ?? 'cloakroom:';
      this.#ownsClient = false;
    }
    this.#connectTimeout = connectTimeout;
    this.#scanCount = scanCount;
    defineScripts(this.client);
    this.#connecting = firstConnection(this.client);
    void this.#connecting?.then(() => {
      this.#connecting = null;
    });
  }

  /** Resolves when Redis answers; rejects within `connectTimeout` with an error naming the store URL. */
  async ready(): Promise<void> {
    await waitUntilReady(this.client, this.name, this.#connectTimeout);
  }

  /**
   * A failed read while the connection is down says why it is down: ioredis's own message is
   * about its retry settings ("Reached the max retries per request limit"), which would be the
   * line an operator reads when an outage begins (a request's first call is this read).
   */
  #failure(err: unknown): unknown {
    if (this.client.status === 'ready' || err instanceof SessionError) return err;
    const why = this.#lastError ?? new Error(`connection lost (${this.client.status})`);
    return new SessionError('ERR_STORE_UNAVAILABLE', `Session store ${this.name} is unreachable: ${why.message}`, { cause: why });
  }

  /** The Redis key of a session's hash. The `{…}` hash tag pins it to the slot of `key`. */
  recordKey(key: string): string {
    return `${this.prefix}s:{${key}}`;
  }

  /** The Redis key of a user's index (a sorted set of store keys). */
  userIndexKey(userId: string): string {
    return `${this.prefix}u:{${userId}}`;
  }

  get #scripts(): ScriptedClient {
    return this.client as ScriptedClient;
  }

  get(key: string, now: number): Promise<SessionRecord | null> {
    if (this.#connecting) return this.#connecting.then(() => this.get(key, now));
    return this.client.hgetall(this.recordKey(key)).then(
      (hash) => {
        const record = toRecord(hash);
        return isLiveSessionRecord(record, now) ? record : null;
      },
      (err: unknown) => {
        throw this.#failure(err);
      },
    );
  }

  async create(key: string, record: SessionRecord): Promise<boolean> {
    if (this.#connecting) await this.#connecting;
    // Index first: a crash between the two leaves a stale index entry (pruned later), never a
    // bound session that revocation cannot find.
    if (record.userId !== null) await this.client.zadd(this.userIndexKey(record.userId), record.createdAt, key);
    const args = [String(record.expiresAt)];
    for (const [name, value] of Object.entries(record.data)) args.push(DATA_FIELD + name, value);
    args.push(META.expiresAt, String(record.expiresAt), META.createdAt, String(record.createdAt), META.lastSeenAt, String(record.lastSeenAt));
    if (record.userId !== null) args.push(META.userId, record.userId);
    if (record.userAgent !== null) args.push(META.userAgent, record.userAgent);
    return (await this.#scripts.cloakroomCreate(this.recordKey(key), args)) === 1;
  }

  async update(key: string, change: SessionChange, now: number): Promise<boolean> {
    if (this.#connecting) await this.#connecting;
    const binding = change.userId;
    if (typeof binding === 'string') await this.client.zadd(this.userIndexKey(binding), now, key);
    const args = [
      String(now),
      String(change.expiresAt),
      String(change.lastSeenAt),
      change.replace ? '1' : '0',
      binding === undefined ? 'keep' : binding === null ? 'null' : 'set',
      binding ?? '',
      String(change.unset.length),
    ];
    for (const name of change.unset) args.push(DATA_FIELD + name);
    const { set } = change;
    for (const name of Object.keys(set)) args.push(DATA_FIELD + name, set[name]!);
    // One array argument, not spread: ioredis flattens it into the command anyway.
    const result = await this.#scripts.cloakroomUpdate(this.recordKey(key), args);
    if (result === 0) {
      // The record is gone: the index entry just added points at nothing.
      if (typeof binding === 'string') await this.client.zrem(this.userIndexKey(binding), key);
      return false;
    }
    const previous = result[1];
    if (binding !== undefined && previous !== null && previous !== binding) await this.client.zrem(this.userIndexKey(previous), key);
    return true;
  }

  async touch(key: string, expiresAt: number, lastSeenAt: number, now: number): Promise<boolean> {
    if (this.#connecting) await this.#connecting;
    return (await this.#scripts.cloakroomTouch(this.recordKey(key), String(now), String(expiresAt), String(lastSeenAt))) === 1;
  }

  async destroy(key: string): Promise<void> {
    if (this.#connecting) await this.#connecting;
    const userId = await this.#scripts.cloakroomDestroy(this.recordKey(key));
    if (userId !== null) await this.client.zrem(this.userIndexKey(userId), key);
  }

  async listByUser(userId: string, now: number): Promise<UserSessionInfo[]> {
    if (this.#connecting) await this.#connecting;
    const index = this.userIndexKey(userId);
    const keys = await this.client.zrange(index, 0, -1);
    const rows = await Promise.all(
      keys.map((key) => this.client.hmget(this.recordKey(key), META.expiresAt, META.createdAt, META.lastSeenAt, META.userId, META.userAgent)),
    );
    const out: UserSessionInfo[] = [];
    const dead: string[] = [];
    rows.forEach(([expiresAt, createdAt, lastSeenAt, owner, userAgent], i) => {
      const key = keys[i]!;
      // Expired by the app's clock but not yet by Redis's: hidden, and left for Redis to drop.
      if (expiresAt !== null && owner === userId && Number(expiresAt) <= now) return;
      if (expiresAt === null || owner !== userId) {
        dead.push(key);
        return;
      }
      out.push({ key, createdAt: Number(createdAt), lastSeenAt: Number(lastSeenAt), expiresAt: Number(expiresAt), userAgent: userAgent ?? null });
    });
    if (dead.length > 0) await this.client.zrem(index, ...dead);
    return out.sort((a, b) => b.lastSeenAt - a.lastSeenAt);
  }

  async destroyByUser(userId: string, exceptKey?: string): Promise<number> {
    if (this.#connecting) await this.#connecting;
    const index = this.userIndexKey(userId);
    const keys = (await this.client.zrange(index, 0, -1)).filter((key) => key !== exceptKey);
    if (keys.length === 0) return 0;
    const results = await Promise.all(keys.map((key) => this.#scripts.cloakroomDestroyIfOwned(this.recordKey(key), userId)));
    await this.client.zrem(index, ...keys);
    return results.filter((r) => r === 1).length;
  }

  /**
   * Redis drops expired records by itself (native TTLs), so this prunes what it cannot: user
   * index entries whose session is gone, and index keys left empty. SCANs the index keys in
   * batches of `batchSize` and resolves the number of entries pruned.
   */
  async clearExpired(_now: number, options: ClearExpiredOptions = {}): Promise<number> {
    if (this.#connecting) await this.#connecting;
    const count = options.batchSize ?? this.#scanCount;
    let pruned = 0;
    for (const node of this.#nodes()) {
      for await (const batch of node.scanStream({ match: `${globEscape(this.prefix)}u:*`, count, type: 'zset' })) {
        for (const index of batch as string[]) {
          const keys = await this.client.zrange(index, 0, -1);
          const exists = await Promise.all(keys.map((key) => this.client.exists(this.recordKey(key))));
          const dead = keys.filter((_, i) => exists[i] === 0);
          if (dead.length > 0) {
            await this.client.zrem(index, ...dead);
            pruned += dead.length;
          }
        }
        options.onProgress?.(pruned);
      }
    }
    return pruned;
  }

  /**
   * Counts records by SCAN. `expired` is always 0: Redis removes a record the moment its TTL
   * passes (SCAN never returns an expired key), so there is nothing expired to count.
   */
  async stats(_now: number): Promise<StoreStats> {
    if (this.#connecting) await this.#connecting;
    let live = 0;
    for (const node of this.#nodes()) {
      for await (const batch of node.scanStream({ match: `${globEscape(this.prefix)}s:*`, count: this.#scanCount, type: 'hash' })) {
        live += (batch as string[]).length;
      }
    }
    return { live, expired: 0 };
  }

  /** Closes the connection when the store opened it; a client you passed in stays open. */
  async close(): Promise<void> {
    if (!this.#ownsClient) return;
    if (this.client.status === 'ready') {
      await this.client.quit().catch(() => this.client.disconnect());
    } else {
      this.client.disconnect();
    }
  }

  /** SCAN runs per node: on a cluster, every master holds a share of the keys. */
  #nodes(): Redis[] {
    return isCluster(this.client) ? this.client.nodes('master') : [this.client];
  }
}

/**
 * A `RedisStore` that has answered once: rejects within `connectTimeout` (default 2000 ms) with
 * `ERR_STORE_UNAVAILABLE` naming the store URL when Redis is unreachable.
 *
 * @example
 * const store = await createRedisStore({ client: 'redis+cluster://10.0.0.1:7000,10.0.0.2:7000' });
 */
export async function createRedisStore(options: RedisStoreOptions = {}): Promise<RedisStore> {
  const store = new RedisStore(options);
  try {
    await store.ready();
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}

/**
 * The store for a `SESSION_STORE` URL: `redis://host:port[/db][?prefix=p]`, `rediss://…`,
 * `redis+cluster://host:port,host:port[?prefix=p]`. Checks the connection before resolving.
 *
 * @example
 * const store = await createRedisStoreFromUrl(process.env.SESSION_STORE ?? 'redis://127.0.0.1:6379');
 */
export function createRedisStoreFromUrl(url: string, options: Omit<RedisStoreOptions, 'client'> = {}): Promise<RedisStore> {
  return createRedisStore({ ...options, client: url });
}

function defineScripts(client: RedisClient): void {
  const scripts: Array<[keyof Scripts, string]> = [
    ['cloakroomCreate', CREATE_SCRIPT],
    ['cloakroomUpdate', UPDATE_SCRIPT],
    ['cloakroomTouch', TOUCH_SCRIPT],
    ['cloakroomDestroy', DESTROY_SCRIPT],
    ['cloakroomDestroyIfOwned', DESTROY_IF_OWNED_SCRIPT],
  ];
  // ioredis runs a defined command by EVALSHA and falls back to EVAL once per node (NOSCRIPT).
  for (const [name, lua] of scripts) {
    if (typeof (client as unknown as Record<string, unknown>)[name] !== 'function') client.defineCommand(name, { numberOfKeys: 1, lua });
  }
}

function toRecord(hash: Record<string, string>): SessionRecord | null {
  const expiresAt = hash[META.expiresAt];
  if (expiresAt === undefined) return null;
  const data: Record<string, string> = {};
  for (const field of Object.keys(hash)) {
    if (field.startsWith(DATA_FIELD)) setOwn(data, field.slice(DATA_FIELD.length), hash[field]!);
  }
  return {
    data,
    expiresAt: Number(expiresAt),
    createdAt: Number(hash[META.createdAt] ?? 0),
    lastSeenAt: Number(hash[META.lastSeenAt] ?? 0),
    userId: hash[META.userId] ?? null,
    userAgent: hash[META.userAgent] ?? null,
  };
}

/** Escapes Redis glob metacharacters so a prefix matches only itself in SCAN MATCH. */
function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
