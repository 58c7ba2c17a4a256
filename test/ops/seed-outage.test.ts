/**
 * Issue 13, "Done when": the seed app, run as `npm start` runs it, logs one line when its store
 * goes down and one when it recovers, however many requests fail in between; its /healthz
 * answers 200 while the store does and 503 while it does not. Redis sits behind a loopback TCP
 * proxy, so the test takes the store down and up without touching the shared server.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TcpProxy } from '../helpers/tcp-proxy.ts';
import { SERVICES, serviceOrSkip, uniqueSuffix } from '../helpers/services.ts';
import { heading, Visitor } from '../demo/harness.ts';
import { startExample, type RunningExample } from '../helpers/example-process.ts';
import { eventually } from '../helpers/observe.ts';

const skip = await serviceOrSkip('redis');
/** A hang guard: starting the demo under tsx takes 10–20 s on a busy 2-core machine. */
const START_TIMEOUT = 180_000;

const cloakroomLines = (text: string) => text.split('\n').filter((l) => l.startsWith('[cloakroom]'));

describe('the seed demo during a Redis outage', { skip, timeout: START_TIMEOUT * 2 }, () => {
  let proxy: TcpProxy;
  let demo: RunningExample;
  let url: string;
  let dataDir: string;

  before(async () => {
    proxy = await TcpProxy.start({ host: SERVICES.redis.host, port: SERVICES.redis.port });
    dataDir = mkdtempSync(join(tmpdir(), 'cloakroom-ops-seed-'));
    demo = await startExample({
      command: process.execPath,
      args: ['--import', 'tsx', 'examples/seed/server.ts'],
      cwd: fileURLToPath(new URL('../../', import.meta.url)),
      env: { SESSION_STORE: `redis://127.0.0.1:${proxy.port}?prefix=ops-seed-${uniqueSuffix()}:`, DATA_DIR: dataDir },
      readyPath: '/healthz',
      startTimeoutMs: START_TIMEOUT,
    });
    url = demo.url;
  });

  after(async () => {
    await demo?.close();
    await proxy?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('logs one error line when the store goes down and one line when it is back; /healthz follows', async () => {
    const health = async () => (await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(START_TIMEOUT) })).status;
    assert.equal(await health(), 200);
    const visitor = new Visitor(url);
    assert.equal((await visitor.login('ada')).status, 302);
    assert.equal(heading((await visitor.get('/home/')).body), 'Welcome, ada!');
    assert.deepEqual(cloakroomLines(demo.output()), [], 'a healthy demo logs nothing');

    await proxy.kill();
    for (let i = 0; i < 5; i++) assert.equal((await visitor.get('/home/')).status, 503);
    assert.equal(await health(), 503);
    await eventually('the outage line', () => cloakroomLines(demo.output()).length >= 1);

    await proxy.resume();
    await eventually('service is back', async () => (await visitor.get('/home/')).status === 200);
    assert.equal(heading((await visitor.get('/home/')).body), 'Welcome, ada!', 'still signed in');
    assert.equal(await health(), 200);
    await eventually('the recovery line', () => cloakroomLines(demo.output()).length >= 2);

    const lines = cloakroomLines(demo.output());
    assert.equal(lines.length, 2, `exactly two lines for the whole outage:\n${lines.join('\n')}`);
    assert.match(lines[0]!, /^\[cloakroom\] session store redis:\/\/127\.0\.0\.1:\d+ is failing \(.+\); requests that need it answer 503 until it recovers \(store\.outage-began /);
    assert.match(lines[1]!, /^\[cloakroom\] session store redis:\/\/127\.0\.0\.1:\d+ answers again after [\d.]+ m?s \(\d+ failed calls\) \(store\.outage-ended /);
    assert.ok(!demo.output().includes(visitor.cookie!.split('=')[1]!.slice(0, 32)), 'no session ID in the logs');
  });
});
