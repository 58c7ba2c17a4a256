import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { describeStoreConformance, newStoreKey, sampleRecord } from '../../src/testing/index.ts';
import { createRedisStoreFromUrl, type RedisStore } from '../../src/stores/redis.ts';
import { uniqueSuffix } from '../helpers/services.ts';
import { deleteRedisKeys, dumpRedisKeys, fiftyParallelWrites, redisBinariesOrSkip, startRedisCluster, type RedisCluster } from '../helpers/redis-cluster.ts';

const skip = redisBinariesOrSkip();

// One real cluster (3 masters, started from redis-server processes) for the whole file.
let clusterPromise: Promise<RedisCluster> | undefined;
const cluster = () => (clusterPromise ??= startRedisCluster(3));
after(async () => {
  if (clusterPromise) await (await clusterPromise).stop();
});

const newStore = async () => createRedisStoreFromUrl((await cluster()).url, { prefix: `cloakroom-test:${uniqueSuffix()}:` });

describeStoreConformance({
  name: 'redis cluster',
  skip,
  setup: newStore,
  teardown: async (store) => deleteRedisKeys(store as RedisStore),
  dump: async (store) => dumpRedisKeys(store as RedisStore),
});

describe('redis cluster specifics', { skip }, () => {
  let store: RedisStore;
  before(async () => {
    store = await newStore();
  });
  after(async () => {
    if (!store) return;
    await deleteRedisKeys(store);
    await store.close();
  });

  it('runs on at least 3 masters, and the store is named by its nodes', async () => {
    assert.ok(store.client.status === 'ready');
    assert.ok((store.client as import('ioredis').Cluster).nodes('master').length >= 3);
    assert.match(store.name, /^redis\+cluster:\/\/127\.0\.0\.1:\d+,127\.0\.0\.1:\d+,127\.0\.0\.1:\d+$/);
  });

  it('50 parallel updates that each set a different key keep 50/50 keys', async () => {
    assert.equal(await fiftyParallelWrites(store), 50);
  });

  it("a session's key sits in the hash slot of its hash tag, and sessions spread over every master", async () => {
    const { ports } = await cluster();
    const node = new Redis({ host: '127.0.0.1', port: ports[0]!, maxRetriesPerRequest: 0 });
    try {
      const slotOf = async (name: string) => Number(await node.call('CLUSTER', 'KEYSLOT', name));
      const owners = new Set<string>();
      for (let i = 0; i < 30; i++) {
        const key = newStoreKey();
        await store.create(key, sampleRecord({ i }, 60_000, { userId: `slot-user-${i}` }));
        assert.equal(await slotOf(store.recordKey(key)), await slotOf(key), 'the {key} hash tag decides the slot');
        assert.equal(await slotOf(store.userIndexKey(`slot-user-${i}`)), await slotOf(`slot-user-${i}`));
        // Which master holds it: ask the node that owns the slot for the key directly.
        const slot = await slotOf(store.recordKey(key));
        const shards = (await node.call('CLUSTER', 'SLOTS')) as Array<[number, number, [string, number]]>;
        const owner = shards.find(([from, to]) => slot >= from && slot <= to)!;
        owners.add(String(owner[2][1]));
      }
      assert.equal(owners.size, 3, `sessions landed on ${owners.size} of 3 masters`);
    } finally {
      node.disconnect();
    }
  });

  it('PTTL is set on the session hash (Redis expires it natively)', async () => {
    const key = newStoreKey();
    await store.create(key, sampleRecord({ a: 1 }, 60_000));
    const pttl = await store.client.pttl(store.recordKey(key));
    assert.ok(pttl > 0 && pttl <= 60_000, `PTTL ${pttl}`);
  });

  it("revokes all of a user's sessions although they live on different masters", async () => {
    const user = `spread-${uniqueSuffix()}`;
    const keys = Array.from({ length: 12 }, () => newStoreKey());
    for (const key of keys) await store.create(key, sampleRecord({}, 60_000, { userId: user }));
    assert.equal((await store.listByUser(user, Date.now())).length, 12);
    assert.equal(await store.destroyByUser(user, keys[0]), 11);
    assert.deepEqual((await store.listByUser(user, Date.now())).map((s) => s.key), [keys[0]]);
  });

  it('stats and clearExpired scan every master', async () => {
    const other = await newStore();
    try {
      for (let i = 0; i < 20; i++) await other.create(newStoreKey(), sampleRecord({ i }, 60_000));
      const user = `gone-${uniqueSuffix()}`;
      for (let i = 0; i < 4; i++) await other.create(newStoreKey(), sampleRecord({}, 50, { userId: user }));
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(await other.stats(Date.now()), { live: 20, expired: 0 });
      assert.equal(await other.clearExpired(Date.now(), { batchSize: 5 }), 4);
      assert.equal(await other.client.exists(other.userIndexKey(user)), 0, 'an emptied index key is gone');
    } finally {
      await deleteRedisKeys(other);
      await other.close();
    }
  });
});
