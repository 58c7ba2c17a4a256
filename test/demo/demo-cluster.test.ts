/**
 * The seed demo's HTTP tests on a real Redis Cluster (3 masters started from redis-server
 * processes by this file), reached through SESSION_STORE `redis+cluster://h:p,h:p,h:p?prefix=…`,
 * i.e. the demo's own store-URL path (`createStore`), so the cluster URL form itself is tested.
 * Skipped loudly outside CI when redis-server is missing; a failure in CI.
 */
import { after } from 'node:test';
import type { FrameworkName } from '../../examples/seed/config.ts';
import { seedAppSuite } from './seed-app.ts';
import { uniqueSuffix } from '../helpers/services.ts';
import { redisBinariesOrSkip, startRedisCluster, type RedisCluster } from '../helpers/redis-cluster.ts';

const skip = redisBinariesOrSkip();
const STORE_FRAMEWORK = (process.env.DEMO_STORE_FRAMEWORK ?? 'node') as FrameworkName;

// The cluster is this file's own and is killed (with its temp folder) afterwards, so the keys go
// with it; the prefix still keeps them apart from anything else a future shared cluster holds.
const cluster: RedisCluster | undefined = skip ? undefined : await startRedisCluster(3);
after(async () => {
  await cluster?.stop();
});

const prefix = `demo_${uniqueSuffix()}:`;
seedAppSuite({
  framework: STORE_FRAMEWORK,
  store: () => `${cluster!.url}?prefix=${prefix}`,
  storeName: 'redis+cluster://',
  skip,
});
