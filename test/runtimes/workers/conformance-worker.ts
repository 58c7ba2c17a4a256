/**
 * A Worker that runs cloakroom's store conformance suite inside workerd (bundled by
 * test/runtimes/workers.test.ts with `node:test` aliased to ./node-test-shim.ts): D1, Durable
 * Objects and the memory store; and the cookie store's own suite (its sealing is the part of
 * `node:crypto` the other stores do not use). `GET /` runs it once and answers the outcomes as JSON,
 * with the kind of cryptography the core runs on there.
 */
import { describeStoreConformance } from '../../../src/testing/index.ts';
import { D1Store, type D1Like } from '../../../src/stores/d1.ts';
import { MemoryStore } from '../../../src/stores/memory.ts';
import { DurableObjectStore, type DurableObjectNamespaceLike } from '../../../src/stores/durable-object.ts';

export { SessionObject } from '../../../src/stores/durable-object.ts';
import { runRegistered, type Outcome } from './node-test-shim.ts';
import '../../stores/cookie.test.ts';
import { primitives } from '../../../src/core/crypto.ts';

interface Env {
  DB: D1Like;
  SESSIONS: DurableObjectNamespaceLike;
}

let env: Env | undefined;
const bound = () => env!;

describeStoreConformance({ name: 'memory on workerd', synchronous: true, setup: async () => new MemoryStore() });
describeStoreConformance({
  name: 'd1 on workerd',
  setup: async () => {
    const store = new D1Store({ database: bound().DB, table: 'conformance' });
    await store.ready();
    return store;
  },
  dump: async () => JSON.stringify((await bound().DB.prepare('SELECT * FROM "conformance"').all()).results),
});

describeStoreConformance({ name: 'durable objects on workerd', setup: async () => new DurableObjectStore({ namespace: bound().SESSIONS }) });

let results: Promise<Outcome[]> | undefined;

export default {
  async fetch(_request: Request, workerEnv: Env): Promise<Response> {
    env = workerEnv;
    results ??= runRegistered();
    // Which cryptography the core found: node:crypto with nodejs_compat, the portable one without.
    return Response.json({ crypto: primitives.kind, outcomes: await results });
  },
};
