/**
 * node:http plus the Redis round trips a Redis-backed session cannot skip, through the same
 * ioredis client settings the Redis store uses, and no session work: a read does one HGETALL of a
 * session-shaped hash, a write does HGETALL + HSET of one field, a request without a session does
 * nothing. The floor under every Redis row: what the driver and the socket cost.
 */
import { createServer } from 'node:http';
import { createRedisClient, parseRedisUrl, waitUntilReady } from '../../src/stores/redis-connection.ts';
import { ROUTES, homePage, referenceRoute, type AppContext, type RunningApp } from './common.ts';
import { REDIS_URL } from './cloakroom-stores.ts';

export async function start(ctx: AppContext): Promise<RunningApp> {
  const client = createRedisClient(parseRedisUrl(REDIS_URL));
  await waitUntilReady(client, REDIS_URL, 2000);
  const key = `${ctx.prefix}floor`;
  const now = Date.now();
  await client.hset(key, { 'd:username': '"user0"', 'd:visits': '0', 'm:exp': String(now + 86_400_000), 'm:created': String(now), 'm:seen': String(now) });
  let visits = 0;
  const server = createServer((req, res) => {
    const path = referenceRoute(req, res);
    if (path === undefined) return;
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
      await client.quit();
    },
  };
}
