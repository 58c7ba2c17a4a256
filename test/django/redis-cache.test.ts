/** Django's `cache` and `cached_db` session backends on Redis, shared with the seed demo: the interop scenarios. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { interopSuite, type BackendSpec } from './interop.ts';
import { djangoOrSkip } from './python.ts';
import { sqliteAccess } from './sql-access.ts';
import { serviceOrSkip, SERVICES } from '../helpers/services.ts';

const skip = (await serviceOrSkip('redis')) || djangoOrSkip();

function redisBackend(engine: 'cache' | 'cached_db'): BackendSpec {
  return {
    name: `${engine} backend on Redis`,
    engine,
    skip,
    async setup(suffix) {
      const dir = mkdtempSync(join(tmpdir(), 'cloakroom-django-'));
      const path = join(dir, 'db.sqlite3');
      const access = sqliteAccess(path, suffix);
      // Django's cache KEY_PREFIX keeps this run's keys apart from everyone else's on the shared Redis.
      const prefix = `cloakroom-test-${suffix}`;
      const redis = new Redis(SERVICES.redis.url);
      const table = `django_session${suffix}`;
      const cacheKey = (sessionKey: string) => `${prefix}:1:django.contrib.sessions.${engine === 'cache' ? 'cache' : 'cached_db'}${sessionKey}`;
      return {
        djangoEnv: { DJ_SESSION_ENGINE: engine, DJ_DATABASE: `sqlite:${path}`, DJ_TABLE_SUFFIX: suffix, DJ_REDIS_URL: SERVICES.redis.url, DJ_CACHE_PREFIX: prefix },
        storeUrl: engine === 'cache' ? `django+${SERVICES.redis.url}` : `django+cached-db+${SERVICES.redis.url}|sqlite:${path}`,
        storeOptions: { table, django: { cacheKeyPrefix: prefix } },
        passwordHash: access.passwordHash,
        async tamper(sessionKey) {
          // Bytes that are no pickle (Django's cache.get raises, and the session is new).
          const ttl = await redis.ttl(cacheKey(sessionKey));
          await redis.set(cacheKey(sessionKey), Buffer.from([0x80, 0x05, 0x95, 0xff, 0x00, 0x7d, 0x2e]), 'EX', ttl);
          // cached_db falls back to the table when the cache entry is unreadable: forge that too.
          if (engine === 'cached_db') await access.tamperRow(table, sessionKey);
        },
        async cleanup() {
          const keys = await redis.keys(`${prefix}:*`);
          if (keys.length > 0) await redis.del(...keys);
          redis.disconnect();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  };
}

interopSuite(redisBackend('cache'));
interopSuite(redisBackend('cached_db'));
