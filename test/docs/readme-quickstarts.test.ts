/**
 * README.md's quickstarts (the ```ts quickstart blocks) are whole programs that run as written:
 * each is written to a file, run with tsx (`cloakroom/…` resolved to src/ through tsconfig
 * `paths`, as a consumer's install would resolve it to dist/) on a free port, and driven over
 * HTTP: GET / for the form and its CSRF token, POST / without the token (403), POST / with it
 * and the cookie (303 to /home/, a new session ID), then GET /home/ says "Welcome, Ada!".
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ROOT } from '../helpers/built-package.ts';
import { uniqueSuffix } from '../helpers/services.ts';
import { sourcePaths } from '../helpers/source-paths.ts';

// Outside node_modules/ (tsx applies `paths` only to files outside it); .cloakroom-test/ is git-ignored.
const DIR = join(ROOT, '.cloakroom-test', `quickstarts-${uniqueSuffix()}`);
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const QUICKSTARTS = [...README.matchAll(/^```ts quickstart\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
const ADAPTERS = ['node', 'express', 'fastify', 'hono', 'koa', 'fetch'];

function adapterOf(source: string): string {
  const found = ADAPTERS.filter((a) => source.includes(`from 'cloakroom/${a}'`));
  assert.equal(found.length, 1, `one cloakroom adapter imported by:\n${source}`);
  return found[0]!;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as { port: number };
  await new Promise((ok) => server.close(ok));
  return port;
}

async function waitUntilServing(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 180_000; // a hang guard: starting tsx takes long on a busy machine
  while (Date.now() < deadline) {
    if (child.exitCode !== null) assert.fail(`the quickstart exited (${child.exitCode}):\n${output()}`);
    try {
      await fetch(url, { signal: AbortSignal.timeout(2000) });
      return;
    } catch {
      await new Promise((ok) => setTimeout(ok, 200));
    }
  }
  assert.fail(`the quickstart did not serve ${url} within 180 s:\n${output()}`);
}

const cookieOf = (response: Response) => response.headers.getSetCookie()[0]?.split(';')[0];

describe('README quickstarts run as written', () => {
  before(() => {
    mkdirSync(DIR, { recursive: true });
    writeFileSync(join(DIR, 'package.json'), JSON.stringify({ type: 'module' }));
    writeFileSync(
      join(DIR, 'tsconfig.json'),
      JSON.stringify({ extends: join(ROOT, 'tsconfig.json'), compilerOptions: { paths: sourcePaths() }, include: ['*.ts'] }),
    );
  });
  after(() => rmSync(DIR, { recursive: true, force: true }));

  it("README.md still opens with how to run the demo and the tests", () => {
    assert.match(README, /^# cloakroom\n\n```sh\nnpm ci && npm start +#[^\n]*\nnpm test +#/);
  });

  it('there is one per adapter', () => {
    assert.deepEqual(QUICKSTARTS.map(adapterOf).sort(), [...ADAPTERS].sort());
  });

  for (const source of QUICKSTARTS) {
    const adapter = adapterOf(source);
    it(`${adapter}: log in through the form, then "Welcome, Ada!"`, { timeout: 300_000 }, async () => {
      const file = join(DIR, `${adapter}.ts`);
      writeFileSync(file, source);
      const port = await freePort();
      const child = spawn(process.execPath, ['--import', 'tsx', file], {
        cwd: DIR,
        env: { ...process.env, PORT: String(port), SESSION_SECRET: 'a quickstart secret of at least 32 characters', NODE_ENV: 'test' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout!.on('data', (d) => (output += d));
      child.stderr!.on('data', (d) => (output += d));
      try {
        const base = `http://127.0.0.1:${port}`;
        await waitUntilServing(`${base}/home/`, child, () => output);
        const request = (path: string, init: RequestInit = {}) => fetch(base + path, { redirect: 'manual', signal: AbortSignal.timeout(30_000), ...init });

        const form = await request('/');
        assert.equal(form.status, 200, output);
        const html = await form.text();
        const token = /name="csrf_token" value="([^"]+)"/.exec(html)?.[1];
        assert.ok(token, `a CSRF token in the form:\n${html}`);
        const cookie = cookieOf(form);
        assert.ok(cookie, 'the form page sets the session cookie (its CSRF secret is saved)');

        const post = (body: URLSearchParams) =>
          request('/', { method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body });
        const refused = await post(new URLSearchParams({ username: 'Mallory' }));
        assert.equal(refused.status, 403, 'a login without the CSRF token is refused');
        await refused.arrayBuffer();

        const login = await post(new URLSearchParams({ username: 'Ada', csrf_token: token }));
        assert.equal(login.status, 303, `${await login.text()}\n${output}`);
        assert.equal(new URL(login.headers.get('location')!, base).pathname, '/home/');
        const loggedIn = cookieOf(login);
        assert.ok(loggedIn && loggedIn !== cookie, 'login() issues a new session ID');

        const home = await request('/home/', { headers: { cookie: loggedIn } });
        assert.equal(home.status, 200);
        assert.equal(await home.text(), 'Welcome, Ada!');
      } finally {
        child.kill();
      }
    });
  }
});
