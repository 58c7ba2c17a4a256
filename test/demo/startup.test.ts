/**
 * The demo as `npm start` runs it (a child process of examples/seed/server.ts) and its
 * configuration from the environment.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configFromEnv } from '../../examples/seed/config.ts';
import { startDemo } from '../../examples/seed/demo.ts';
import { heading, SECRET, Visitor } from './harness.ts';
import { REQUEST_TIMEOUT_MS } from '../helpers/timed-request.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SERVER = join(ROOT, 'examples/seed/server.ts');
// Generous: starting the demo under tsx takes 10–20 s on a busy 2-core machine. Only a hang guard.
const START_TIMEOUT = 120_000;

interface Child {
  process: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** Runs the demo's server.ts with exactly `env` (plus PATH), as `npm start` would. */
function runServer(env: Record<string, string>): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', SERVER], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { process: child, stdout: () => out, stderr: () => err, exited };
}

/** Waits (bounded) for the "Seed demo … at URL" line and returns the URL. */
async function urlOf(child: Child): Promise<string> {
  const deadline = Date.now() + START_TIMEOUT;
  while (Date.now() < deadline) {
    const match = /Seed demo \([^)]*\) at (http:\/\/\S+?)\/?\n/.exec(child.stdout());
    if (match) return match[1]!;
    if (child.process.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.process.kill('SIGKILL');
  throw new Error(`the demo did not start:\nstdout: ${child.stdout()}\nstderr: ${child.stderr()}`);
}

/** Waits (bounded) for the child to exit; kills it when it does not. */
async function exitCode(child: Child): Promise<number | null> {
  const timer = setTimeout(() => child.process.kill('SIGKILL'), START_TIMEOUT);
  try {
    return await child.exited;
  } finally {
    clearTimeout(timer);
  }
}

describe('npm start (examples/seed/server.ts)', () => {
  let dataDir: string;
  before(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'cloakroom-demo-start-'));
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('refuses to start in production without SESSION_SECRET, naming it, and exits non-zero', async () => {
    const child = runServer({ NODE_ENV: 'production', PORT: '0', SESSION_STORE: 'memory:', DATA_DIR: dataDir });
    const code = await exitCode(child);
    assert.notEqual(code, 0);
    assert.match(child.stderr(), /SESSION_SECRET is required when NODE_ENV=production/);
    assert.equal(child.stdout(), '', 'it never listened');
    assert.equal(existsSync(join(dataDir, 'secret')), false, 'no development secret in production');
  });

  it('in development generates a secret in the data folder (0600) with a warning, and reuses it after a restart', async () => {
    const env = { PORT: '0', SESSION_STORE: `sqlite:${join(dataDir, 'sessions.db')}`, DATA_DIR: dataDir };
    const first = runServer(env);
    const url = await urlOf(first);
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.match(first.stderr(), /WARNING: SESSION_SECRET is not set/);
    const secretPath = join(dataDir, 'secret');
    assert.equal(statSync(secretPath).mode & 0o777, 0o600);
    const secret = readFileSync(secretPath, 'utf8');
    assert.ok(secret.trim().length >= 32);

    const visitor = new Visitor(url);
    assert.equal((await visitor.login('ada')).status, 302);
    first.process.kill('SIGTERM');
    assert.equal(await exitCode(first), 0, 'SIGTERM shuts down cleanly');

    const second = runServer(env);
    const url2 = await urlOf(second);
    try {
      assert.equal(readFileSync(secretPath, 'utf8'), secret, 'the kept secret is reused');
      assert.match(second.stderr(), /kept in/);
      const again = new Visitor(url2);
      again.cookie = visitor.cookie;
      assert.equal(heading((await again.get('/home/')).body), 'Welcome, ada!', 'still signed in after a restart');
    } finally {
      second.process.kill('SIGTERM');
      await exitCode(second);
    }
  });

  it('exits non-zero with a clear message for a store URL it cannot use', async () => {
    const child = runServer({ PORT: '0', SESSION_STORE: 'bogus://nowhere', SESSION_SECRET: SECRET, DATA_DIR: dataDir });
    assert.equal(await exitCode(child), 1);
    assert.match(child.stderr(), /^Error: .*bogus:\/\/nowhere/m);
  });

  it('serves the demo on the framework FRAMEWORK names', async () => {
    const child = runServer({ PORT: '0', FRAMEWORK: 'koa', SESSION_STORE: 'memory:', SESSION_SECRET: SECRET, DATA_DIR: dataDir });
    try {
      const url = await urlOf(child);
      assert.match(child.stdout(), /Seed demo \(koa, memory:\)/);
      assert.equal(heading((await new Visitor(url).get('/home/')).body), 'Welcome, Guest!');
    } finally {
      child.process.kill('SIGTERM');
      await exitCode(child);
    }
  });
});

describe('configuration from the environment', () => {
  const quiet = { warn: () => {} };

  it('has the documented defaults', () => {
    const config = configFromEnv({ SESSION_SECRET: SECRET }, quiet);
    assert.equal(config.port, 3000);
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.store, 'sqlite:./data/sessions.db');
    assert.equal(config.framework, 'node');
    assert.equal(config.cookieAge, undefined);
    assert.equal(config.absoluteTimeout, 12 * 3600, 'the demo ends a session 12 hours after login');
    assert.equal(configFromEnv({ SESSION_SECRET: SECRET, SESSION_ABSOLUTE_TIMEOUT: '0' }, quiet).absoluteTimeout, 0, '0 turns it off');
    assert.deepEqual(config.secrets, [SECRET]);
  });

  it('reads every variable; SESSION_SECRET is a comma-separated list, newest first', () => {
    const older = 'older-secret-0123456789abcdefghijklmnopq';
    const config = configFromEnv(
      { PORT: '8080', HOST: '0.0.0.0', SESSION_STORE: 'memory:', SESSION_SECRET: ` ${SECRET} , ${older} `, SESSION_COOKIE_AGE: '3600', FRAMEWORK: 'Hono' },
      quiet,
    );
    assert.deepEqual(
      { port: config.port, host: config.host, store: config.store, secrets: config.secrets, age: config.cookieAge, fw: config.framework },
      { port: 8080, host: '0.0.0.0', store: 'memory:', secrets: [SECRET, older], age: 3600, fw: 'hono' },
    );
  });

  it('names the variable that is wrong', () => {
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ PORT: 'abc' }, /^PORT must be a whole number/],
      [{ PORT: '70000' }, /^PORT must be/],
      [{ PORT: '-1' }, /^PORT must be/],
      [{ SESSION_COOKIE_AGE: '0' }, /^SESSION_COOKIE_AGE must be/],
      [{ SESSION_COOKIE_AGE: '1e3' }, /^SESSION_COOKIE_AGE must be/],
      [{ SESSION_COOKIE_AGE: String(401 * 86400) }, /^SESSION_COOKIE_AGE must be/],
      [{ SESSION_ABSOLUTE_TIMEOUT: '-1' }, /^SESSION_ABSOLUTE_TIMEOUT must be/],
      [{ FRAMEWORK: 'rails' }, /^FRAMEWORK must be one of node, express, fastify, hono, koa, fetch/],
      [{ SESSION_SECRET: 'short' }, /^SESSION_SECRET: secret #1 is shorter than 32/],
      [{ SESSION_SECRET: `${SECRET},tiny` }, /^SESSION_SECRET: secret #2/],
      [{ NODE_ENV: 'production' }, /^SESSION_SECRET is required when NODE_ENV=production/],
      [{ NODE_ENV: 'production', SESSION_SECRET: ' , ' }, /^SESSION_SECRET is required/],
    ];
    for (const [env, message] of cases) {
      const full = 'SESSION_SECRET' in env || env.NODE_ENV ? env : { SESSION_SECRET: SECRET, ...env };
      assert.throws(() => configFromEnv(full, quiet), { name: 'SessionError', message }, JSON.stringify(env));
    }
  });

  it('applies SESSION_COOKIE_AGE to the session cookie', async () => {
    const demo = await startDemo({ ...configFromEnv({ SESSION_SECRET: SECRET, SESSION_COOKIE_AGE: '600', SESSION_STORE: 'memory:', PORT: '0' }, quiet), log: () => {} });
    try {
      // The login page starts no session (its form's CSRF secret is a cookie of its own): a theme does.
      const res = await new Visitor(demo.url).post('/preferences/', { theme: 'dark' });
      const cookie = res.headers.getSetCookie().find((c) => c.startsWith('sessionid='));
      assert.match(cookie ?? '', /Max-Age=600/);
    } finally {
      await demo.close();
    }
  });

  it('logs its URL on start', async () => {
    const lines: string[] = [];
    const demo = await startDemo({ port: 0, host: '127.0.0.1', store: 'memory:', secrets: [SECRET], framework: 'node', log: (l) => lines.push(l) });
    await demo.close();
    assert.deepEqual(lines, [`Seed demo (node, memory:) at ${demo.url}/`]);
  });
});
