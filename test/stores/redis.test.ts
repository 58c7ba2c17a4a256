import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { describeStoreConformance, newStoreKey, sampleRecord } from '../../src/testing/index.ts';
import { createRedisStore, parseRedisUrl, RedisStore, sessionRedisOptions } from '../../src/stores/redis.ts';
import { SERVICES, serviceOrSkip, uniqueSuffix } from '../helpers/services.ts';
import { dumpRedisKeys, deleteRedisKeys, fiftyParallelWrites } from '../helpers/redis-cluster.ts';

const skip = await serviceOrSkip('redis');
const MINUTE = 60_000;
const prefixFor = () => `cloakroom-test:${uniqueSuffix()}:`;

describeStoreConformance({
  name: 'redis',
  skip,
  setup: async () => createRedisStore({ client: SERVICES.redis.url, prefix: prefixFor() }),
  teardown: async (store) => deleteRedisKeys(store as RedisStore),
  dump: async (store) => dumpRedisKeys(store as RedisStore),
});

describe('redis store specifics', { skip }, () => {
  let store: RedisStore;
  before(async () => {
    store = await createRedisStore({ client: SERVICES.redis.url, prefix: prefixFor() });
  });
  after(async () => {
    if (!store) return;
    await deleteRedisKeys(store);
    await store.close();
  });

  it('50 parallel updates that each set a different key keep 50/50 keys', async () => {
    assert.equal(await fiftyParallelWrites(store), 50);
  });

  it('Redis itself expires the record: PEXPIREAT is set to expiresAt and moves with update and touch', async () => {
    const key = newStoreKey();
    const record = sampleRecord({ a: 1 }, 10 * MINUTE);
    await store.create(key, record);
    const redisKey = store.recordKey(key);
    const pttl = await store.client.pttl(redisKey);
    assert.ok(pttl > 0 && pttl <= 10 * MINUTE, `PTTL ${pttl}`);
    assert.equal(await store.client.pexpiretime(redisKey), record.expiresAt);

    const later = Date.now() + 30 * MINUTE;
    await store.touch(key, later, Date.now(), Date.now());
    assert.equal(await store.client.pexpiretime(redisKey), later);
    const latest = Date.now() + 40 * MINUTE;
    await store.update(key, { set: { b: '2' }, unset: [], replace: false, expiresAt: latest, lastSeenAt: Date.now() }, Date.now());
    assert.equal(await store.client.pexpiretime(redisKey), latest);

    const short = newStoreKey();
    await store.create(short, sampleRecord({ a: 1 }, 150));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await store.client.exists(store.recordKey(short)), 0, 'the key is gone from Redis, not just hidden');
  });

  it('data keys cannot clash with metadata fields', async () => {
    const key = newStoreKey();
    const data = { 'm:exp': '"0"', 'm:user': '"mallory"', 'd:x': '1', exp: '2', user: '3' };
    await store.create(key, { ...sampleRecord(), data });
    const got = await store.get(key, Date.now());
    assert.deepEqual({ ...got!.data }, data);
    assert.equal(got!.userId, null);
    assert.ok(got!.expiresAt > Date.now());
  });

  it('update writes only the changed fields (a field changed behind its back survives)', async () => {
    const key = newStoreKey();
    await store.create(key, sampleRecord({ a: 1, b: 2 }));
    // Another writer changes `a` directly; an update of `b` must not write `a` back.
    await store.client.hset(store.recordKey(key), 'd:a', '"other"');
    await store.update(key, { set: { b: '20' }, unset: [], replace: false, expiresAt: Date.now() + MINUTE, lastSeenAt: Date.now() }, Date.now());
    assert.deepEqual({ ...(await store.get(key, Date.now()))!.data }, { a: '"other"', b: '20' });
  });

  it('a session with thousands of keys is written, updated and replaced (scripts write in slices)', async () => {
    const key = newStoreKey();
    const data: Record<string, string> = {};
    for (let i = 0; i < 12_000; i++) data[`k${i}`] = String(i);
    assert.equal(await store.create(key, { ...sampleRecord(), data }), true);
    const set: Record<string, string> = {};
    for (let i = 0; i < 9_000; i++) set[`n${i}`] = String(i);
    const unset = Array.from({ length: 9_000 }, (_, i) => `k${i}`);
    assert.equal(await store.update(key, { set, unset, replace: false, expiresAt: Date.now() + MINUTE, lastSeenAt: Date.now() }, Date.now()), true);
    assert.equal(Object.keys((await store.get(key, Date.now()))!.data).length, 12_000);
    assert.equal(await store.update(key, { set: { only: '1' }, unset: [], replace: true, expiresAt: Date.now() + MINUTE, lastSeenAt: Date.now() }, Date.now()), true);
    assert.deepEqual({ ...(await store.get(key, Date.now()))!.data }, { only: '1' });
  });

  it('revoking one user never ends a session since rebound to another user', async () => {
    const key = newStoreKey();
    await store.create(key, sampleRecord({ a: 1 }, 10 * MINUTE, { userId: 'alice' }));
    await store.update(key, { set: {}, unset: [], replace: false, expiresAt: Date.now() + MINUTE, lastSeenAt: Date.now(), userId: 'bob' }, Date.now());
    // Simulate an index entry that survived the rebinding (e.g. a crash between two commands).
    await store.client.zadd(store.userIndexKey('alice'), Date.now(), key);
    assert.equal(await store.destroyByUser('alice'), 0);
    assert.ok(await store.get(key, Date.now()), "bob's session is alive");
    assert.deepEqual((await store.listByUser('bob', Date.now())).map((s) => s.key), [key]);
    assert.deepEqual(await store.listByUser('alice', Date.now()), []);
    await store.destroy(key);
    assert.equal(await store.client.zcard(store.userIndexKey('bob')), 0, 'destroy removes the index entry');
  });

  it('clearExpired prunes user-index entries of sessions Redis already expired', async () => {
    const user = `u-${uniqueSuffix()}`;
    for (let i = 0; i < 5; i++) await store.create(newStoreKey(), sampleRecord({ i }, 100, { userId: user }));
    const live = newStoreKey();
    await store.create(live, sampleRecord({}, 10 * MINUTE, { userId: user }));
    await new Promise((r) => setTimeout(r, 250));
    assert.equal(await store.client.zcard(store.userIndexKey(user)), 6);
    const progress: number[] = [];
    const pruned = await store.clearExpired(Date.now(), { batchSize: 2, onProgress: (n) => progress.push(n) });
    assert.ok(pruned >= 5, `pruned ${pruned}`);
    assert.ok(progress.length >= 1);
    assert.deepEqual(await store.client.zrange(store.userIndexKey(user), 0, -1), [live]);
  });

  it('stats counts only this prefix, by SCAN', async () => {
    const other = await createRedisStore({ client: SERVICES.redis.url, prefix: prefixFor() });
    try {
      const before = (await other.stats(Date.now())).live;
      await store.create(newStoreKey(), sampleRecord({ a: 1 }));
      assert.equal((await other.stats(Date.now())).live, before);
      assert.equal(before, 0);
    } finally {
      await other.close();
    }
  });

  it('a prefix with glob characters matches only itself in SCAN', async () => {
    const base = prefixFor();
    const star = await createRedisStore({ client: SERVICES.redis.url, prefix: `${base}*:` });
    const plain = await createRedisStore({ client: SERVICES.redis.url, prefix: `${base}x:` });
    try {
      await plain.create(newStoreKey(), sampleRecord({ a: 1 }));
      assert.equal((await star.stats(Date.now())).live, 0);
    } finally {
      await deleteRedisKeys(plain);
      await star.close();
      await plain.close();
    }
  });

  it('accepts a client the user built and leaves it open on close', async () => {
    const client = new Redis({ ...sessionRedisOptions(), host: SERVICES.redis.host, port: SERVICES.redis.port, db: 0 });
    const own = new RedisStore({ client, prefix: prefixFor() });
    try {
      await own.ready();
      assert.equal(own.name, 'redis://127.0.0.1:6379');
      const key = newStoreKey();
      assert.equal(await own.create(key, sampleRecord({ a: 1 })), true);
      await own.close();
      assert.equal(await client.ping(), 'PONG');
      await own.destroy(key);
    } finally {
      client.disconnect();
    }
  });

  it('takes its database and prefix from the URL', async () => {
    const prefix = prefixFor();
    const fromUrl = await createRedisStore({ client: `${SERVICES.redis.url}/3?prefix=${encodeURIComponent(prefix)}` });
    try {
      assert.equal(fromUrl.name, 'redis://127.0.0.1:6379/3');
      assert.equal(fromUrl.prefix, prefix);
      const key = newStoreKey();
      await fromUrl.create(key, sampleRecord({ a: 1 }));
      const db3 = new Redis({ host: SERVICES.redis.host, port: SERVICES.redis.port, db: 3 });
      try {
        assert.equal(await db3.exists(fromUrl.recordKey(key)), 1);
      } finally {
        db3.disconnect();
      }
      await fromUrl.destroy(key);
    } finally {
      await fromUrl.close();
    }
  });
});

describe('redis store URLs', () => {
  it('parses single-node, TLS and cluster URLs, hiding passwords from the name', () => {
    const a = parseRedisUrl('redis://user:p%40ss@cache.internal:6380/2?prefix=app:');
    assert.deepEqual(a.nodes, [{ host: 'cache.internal', port: 6380 }]);
    assert.equal(a.db, 2);
    assert.equal(a.username, 'user');
    assert.equal(a.password, 'p@ss');
    assert.equal(a.prefix, 'app:');
    assert.equal(a.displayName, 'redis://cache.internal:6380/2');
    assert.equal(parseRedisUrl('rediss://h').tls, true);
    assert.deepEqual(parseRedisUrl('redis://h').nodes, [{ host: 'h', port: 6379 }]);
    const c = parseRedisUrl('redis+cluster://:secret@10.0.0.1:7000,10.0.0.2:7001');
    assert.equal(c.cluster, true);
    assert.equal(c.password, 'secret');
    assert.deepEqual(c.nodes, [
      { host: '10.0.0.1', port: 7000 },
      { host: '10.0.0.2', port: 7001 },
    ]);
    assert.equal(c.displayName, 'redis+cluster://10.0.0.1:7000,10.0.0.2:7001');
    assert.deepEqual(parseRedisUrl('redis://[::1]:6379').nodes, [{ host: '::1', port: 6379 }]);
  });

  for (const bad of ['http://h:1', 'redis:h', 'redis://a:1,b:2', 'redis://h:1/x', 'redis://h:99999', 'redis+cluster://a:1/2', 'redis://h?timeout=1', 'redis://:pw@']) {
    it(`refuses ${bad} with ERR_SESSION_CONFIG and no password in the message`, () => {
      assert.throws(() => parseRedisUrl(bad), (err: Error & { code?: string }) => {
        assert.equal(err.code, 'ERR_SESSION_CONFIG');
        assert.ok(!err.message.includes('pw@'), err.message);
        return true;
      });
    });
  }
});
