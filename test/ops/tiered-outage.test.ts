/**
 * A tiered store's cache going down and coming back, as an operator sees it: through the
 * manager's one event pipeline, exactly like an outage of any store, with `tier: 'cache'`.
 * The real stores of the seed's `tiered:` URL: Redis (behind a loopback TCP proxy the test
 * cuts, so the shared server is never touched) in front of SQLite. Visitors keep being served
 * by the database meanwhile; the default console logger prints one line when the cache goes
 * down and one when it is back; `onEvent` gets the same two events; OpenTelemetry's outage
 * gauge reads 1 on the cache tier's series only, so an alert on the store as a whole (visitors
 * get 503) stays quiet.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader, type DataPoint } from '@opentelemetry/sdk-metrics';
import { SessionManager } from '../../src/core/manager.ts';
import type { SessionEvent } from '../../src/core/events.ts';
import type { SessionStore } from '../../src/core/store.ts';
import { createStore } from '../../src/stores/from-url.ts';
import { TieredStore } from '../../src/stores/tiered.ts';
import { openTelemetry } from '../../src/core/telemetry.ts';
import { TcpProxy } from '../helpers/tcp-proxy.ts';
import { SERVICES, serviceOrSkip, uniqueSuffix } from '../helpers/services.ts';
import { captureConsole, eventually } from '../helpers/observe.ts';

const skip = await serviceOrSkip('redis');
const SECRET = 'ops-tiered-outage-secret-0123456789abcdefgh';

describe("a tiered store's Redis cache going away and coming back", { skip }, () => {
  let proxy: TcpProxy;
  let dir: string;
  before(async () => {
    proxy = await TcpProxy.start({ host: SERVICES.redis.host, port: SERVICES.redis.port });
    dir = mkdtempSync(join(tmpdir(), 'cloakroom-ops-tiered-'));
  });
  after(async () => {
    await proxy?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is one outage of the cache tier in the logs, the events and the metrics, while the database serves every request', async () => {
    const url = `tiered:redis://127.0.0.1:${proxy.port}/?prefix=ops-tiered-${uniqueSuffix()}:|sqlite:${join(dir, 'sessions.db')}`;
    const store = (await createStore(url)) as SessionStore;
    assert.ok(store instanceof TieredStore);
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
    const meterProvider = new MeterProvider({ readers: [reader] });
    /** The outage gauge's series as `tier → value` ('' for the store as a whole). */
    const gauge = async () => {
      await reader.forceFlush();
      const points = exporter.getMetrics().flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics)).filter((m) => m.descriptor.name === 'cloakroom.store.outage').at(-1)?.dataPoints as DataPoint<number>[] | undefined;
      exporter.reset();
      return Object.fromEntries((points ?? []).map((p) => [String(p.attributes['cloakroom.store.tier'] ?? ''), p.value]));
    };
    const events: SessionEvent[] = [];
    const console_ = captureConsole();
    try {
      // The default logger (no `logger` option): what `npm start` prints.
      const manager = new SessionManager({ store, secrets: [SECRET], onEvent: (e) => events.push(e), telemetry: openTelemetry({ meterProvider }) });
      const first = await manager.load(undefined);
      first.set('username', 'ada');
      const cookie = (await manager.commit(first, { status: 200 })).setCookie!.split(';')[0]!;
      /** One request that reads the session and writes a key, as a page with a form would. */
      const request = async (i: number) => {
        const session = await manager.load(cookie);
        assert.equal(session.get('username'), 'ada', 'still signed in');
        session.set('visits', i);
        await manager.commit(session, { status: 200 });
      };
      await request(0);
      assert.equal(console_.lines.length, 0, 'a healthy store prints nothing');
      assert.deepEqual(await gauge(), { '': 0 });

      await proxy.kill();
      for (let i = 1; i <= 20; i++) await request(i); // every one served, from SQLite
      assert.deepEqual(await gauge(), { '': 0, cache: 1 }, 'the cache tier is down, the store is not');

      await proxy.resume();
      let i = 20;
      await eventually('the cache answers again', async () => {
        await request(++i);
        return events.some((e) => e.type === 'store.outage-ended');
      });
      assert.equal((await manager.load(cookie)).get('visits'), i, 'no write was lost on the way');
      assert.deepEqual(await gauge(), { '': 0, cache: 0 });

      const outage = events.filter((e) => e.type.startsWith('store.outage'));
      assert.deepEqual(
        outage.map((e) => [e.type, e.level, (e as { store?: string }).store, (e as { tier?: string }).tier]),
        [
          ['store.outage-began', 'error', store.name, 'cache'],
          ['store.outage-ended', 'warn', store.name, 'cache'],
        ],
      );
      const failed = events.filter((e) => e.type === 'store.failed');
      assert.ok(failed.length >= 20 && failed.every((e) => e.type === 'store.failed' && e.tier === 'cache'), 'each failed cache call is a store.failed of the cache tier');
      const ended = outage[1]!;
      assert.ok(ended.type === 'store.outage-ended' && ended.failures === failed.length);
      assert.ok(!events.some((e) => e.type === 'store.timeout'), 'no request waited for the dead cache');

      const lines = console_.lines.map((l) => `${l.level} ${l.text}`);
      assert.equal(lines.length, 2, `one line each way:\n${lines.join('\n')}`);
      const name = store.name.replace(/[|.]/g, '\\$&');
      assert.match(lines[0]!, new RegExp(`^error \\[cloakroom\\] session store ${name}: its cache is failing \\(.+\\); requests are served without it until it recovers \\(store\\.outage-began store=${name} tier=cache error=`));
      assert.match(lines[1]!, new RegExp(`^warn \\[cloakroom\\] session store ${name}: its cache answers again after [\\d.]+ m?s \\(${failed.length} failed calls\\) \\(store\\.outage-ended store=${name} tier=cache `));
    } finally {
      console_.restore();
      await store.close();
      await meterProvider.shutdown();
    }
  });
});

