import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { describeStoreConformance, newStoreKey, sampleRecord } from '../../src/testing/index.ts';
import { MemoryStore } from '../../src/stores/memory.ts';
import { SessionManager } from '../../src/core/manager.ts';

describeStoreConformance({
  name: 'memory',
  setup: async () => new MemoryStore({ sweepInterval: 0 }),
  dump: async (store) => (store as MemoryStore).snapshot(),
  synchronous: true,
});

describe('memory store specifics', () => {
  it('a subclass that overrides an async operation is used as an async store, so its override runs', async () => {
    class Logged extends MemoryStore {
      gets = 0;
      override async get(key: string, now: number) {
        this.gets++;
        return super.get(key, now);
      }
    }
    const logged = new Logged({ sweepInterval: 0 });
    const manager = new SessionManager({ store: logged, secrets: 'a-test-secret-that-is-long-enough-123' });
    const fresh = await manager.load(undefined);
    fresh.set('a', 1);
    const { setCookie } = await manager.commit(fresh, { status: 200 });
    const again = await manager.load(setCookie!.split(';')[0]);
    assert.equal(again.get('a'), 1);
    assert.equal(logged.gets, 1, 'the override saw the load');
    await logged.close();
  });

  it('evicts the least recently used session past maxEntries', async () => {
    const store = new MemoryStore({ maxEntries: 3, sweepInterval: 0 });
    const keys = [newStoreKey(), newStoreKey(), newStoreKey(), newStoreKey()];
    for (const key of keys.slice(0, 3)) await store.create(key, sampleRecord({ a: 1 }));
    await store.get(keys[0]!, Date.now()); // keys[0] becomes most recently used
    await store.create(keys[3]!, sampleRecord({ a: 1 }));
    assert.equal(store.size, 3);
    assert.ok(await store.get(keys[0]!, Date.now()));
    assert.equal(await store.get(keys[1]!, Date.now()), null, 'the least recently used one went');
    await store.close();
  });

  it('its sweep timer does not keep the process alive', async () => {
    const { spawnSync } = await import('node:child_process');
    const script = `import { MemoryStore } from ${JSON.stringify(new URL('../../src/stores/memory.ts', import.meta.url).href)}; new MemoryStore({ sweepInterval: 10 });`;
    // A timer that held the process would keep it running until this kill (status null). Generous:
    // starting a child under tsx takes 10–20 s on a busy 2-core machine.
    const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { timeout: 120_000 });
    assert.equal(result.status, 0, String(result.stderr));
  });

  it('sweeps expired records on its own', async () => {
    const store = new MemoryStore({ sweepInterval: 20 });
    await store.create(newStoreKey(), sampleRecord({ a: 1 }, 5));
    await new Promise((r) => setTimeout(r, 80));
    assert.equal(store.size, 0);
    await store.close();
  });

  it('refuses a nonsensical bound', () => {
    assert.throws(() => new MemoryStore({ maxEntries: 0 }), { code: 'ERR_SESSION_CONFIG' });
  });
});
