/**
 * The NestJS example (examples/nest) meets the seed app's contract on both of Nest's HTTP
 * platforms: built once with `npm run build -w examples/nest`, then started as a user would,
 * `npm start -w examples/nest` with the root demo's environment plus NEST_PLATFORM.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Browserish, logIn, seedContract, textOf } from './seed-contract.ts';
import { buildExample, EXAMPLE_SECRET, startExample, type RunningExample } from '../helpers/example-process.ts';
import { REQUEST_TIMEOUT_MS } from '../helpers/timed-request.ts';

const dir = mkdtempSync(join(tmpdir(), 'cloakroom-nest-contract-'));
process.once('exit', () => rmSync(dir, { recursive: true, force: true }));

let built = false;

for (const platform of ['express', 'fastify']) {
  seedContract(
    `examples/nest on @nestjs/platform-${platform} (SQLite)`,
    async () => {
      if (!built) buildExample('nest'); // once for both platforms (synchronous: the suites run in turn)
      built = true;
      return startExample({
        command: 'npm',
        args: ['start', '-w', 'examples/nest'],
        env: { NEST_PLATFORM: platform, SESSION_STORE: `sqlite:${join(dir, `${platform}.db`)}`, DATA_DIR: dir },
      });
    },
    { useCasePages: true },
  );
}

describe('examples/nest: what the Nest side adds', { timeout: 600_000 }, () => {
  let app: RunningExample;
  before(async () => {
    if (!built) buildExample('nest');
    built = true;
    app = await startExample({ command: 'npm', args: ['start', '-w', 'examples/nest'], env: { NEST_PLATFORM: 'fastify', SESSION_STORE: 'memory:', DATA_DIR: dir } });
  });
  after(() => app?.close());

  it('"Your sessions" is behind LoginRequiredGuard: a 303 to the login form, then the page once logged in', async () => {
    const anonymous = await fetch(`${app.url}/sessions/`, { redirect: 'manual', signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    await anonymous.arrayBuffer();
    assert.equal(anonymous.status, 303);
    assert.equal(anonymous.headers.get('location'), '/');
    const client = new Browserish(app.url);
    await logIn(client, 'Ada');
    const page = await client.get('/sessions/');
    assert.equal(page.status, 200);
    assert.match(textOf(page.body), /Signed in as Ada on 1 device/);
  });

  it('a form body over the seed’s 8 KiB limit is refused with 413', async () => {
    const client = new Browserish(app.url);
    const cart = await client.get('/cart/');
    const answer = await client.submit(cart, { item: 'x'.repeat(9 * 1024) });
    assert.equal(answer.status, 413);
  });

  it('an unknown NEST_PLATFORM is a startup error naming the variable', () => {
    const result = spawnSync('npm', ['start', '-w', 'examples/nest'], {
      env: { ...process.env, NEST_PLATFORM: 'koa', SESSION_STORE: 'memory:', SESSION_SECRET: EXAMPLE_SECRET, PORT: '0' },
      encoding: 'utf8',
      timeout: 180_000,
    });
    assert.notEqual(result.status, 0);
    assert.match(result.stderr, /Error: NEST_PLATFORM must be one of express, fastify \(got "koa"\)/);
  });
});
