/**
 * node:http plus the Redis round trips a Redis-backed session cannot skip, through the same
 * ioredis client settings the Redis store uses, and no session work: a read does one HGETALL of a
 * session-shaped hash, a write does HGETALL + HSET of one field, a request without a session does
 * nothing. The floor under every Redis row: what the driver and the socket cost.
 * BENCH_REDIS_DRIVER=node-redis measures the `redis` package instead (for comparison only).
 */
import { createServer } from 'node:http';
import { createRedisClient, parseRedisUrl, waitUntilReady } from '../../src/stores/redis-connection.ts';
import { ROUTES, homePage, type AppContext, type RunningApp } from './common.ts';
import { REDIS_URL } from './cloakroom-stores.ts';

interface FloorClient {
  hgetall(key: string): Promise<Record<string, string>>;
  hset(key: string, field: string, value: string): Promise<unknown>;
  del(key: string): Promise<unknown>;
  close(): Promise<unknown>;
}

async function openClient(): Promise<FloorClient> {
  if (process.env.BENCH_REDIS_DRIVER === 'node-redis') {
    const { createClient } = await import('redis');
    const client = createClient({ url: REDIS_URL });
    await client.connect();
    return {
      hgetall: (key) => client.hGetAll(key) as Promise<Record<string, string>>,
      hset: (key, field, value) => client.hSet(key, field, value),
      del: (key) => client.del(key),
      close: () => client.quit(),
    };
  }
  const client = createRedisClient(parseRedisUrl(REDIS_URL));
  await waitUntilReady(client, REDIS_URL, 2000);
  return {
    hgetall: (key) => client.hgetall(key),
    hset: (key, field, value) => client.hset(key, field, value),
    del: (key) => client.del(key),
    close: () => client.quit(),
  };
}

export async function start(ctx: AppContext): Promise<RunningApp> {
  const client = await openClient();
  const key = `${ctx.prefix}floor`;
  const now = Date.now();
  await client.hset(key, 'd:username', '"user0"');
  await client.hset(key, 'd:visits', '0');
  await client.hset(key, 'm:exp', String(now + 86_400_000));
  await client.hset(key, 'm:created', String(now));
  await client.hset(key, 'm:seen', String(now));
  let visits = 0;
  const server = createServer((req, res) => {
    const path = req.url?.split('?')[0];
    res.setHeader('content-type', 'text/html; charset=utf-8');
    if (path === ROUTES.login || path === ROUTES.cookieless) return void res.end('ok');
    if (path !== ROUTES.read && path !== ROUTES.write) {
      res.statusCode = 404;
      return void res.end('Not Found');
    }
    if (req.headers.cookie !== undefined) res.setHeader('vary', 'Cookie');
    const write = path === ROUTES.write;
    client.hgetall(key).then(
      async (hash) => {
        if (write) await client.hset(key, 'd:visits', String(++visits));
        res.end(write ? `visits ${visits}` : homePage(JSON.parse(hash['d:username'] ?? '"Guest"') as string));
      },
      () => {
        res.statusCode = 503;
        res.end('Redis unavailable');
      },
    );
  });
  return {
    server,
    close: async () => {
      await client.del(key);
      await client.close();
    },
  };
}
