import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { getPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { SqliteStore } from '../../src/stores/sqlite.ts';
import { DEFAULT_NICENESS, runCli } from '../../src/cli/main.ts';
import { FileStore } from '../../src/stores/file.ts';
import { PostgresStore } from '../../src/stores/postgres.ts';
import { createRedisStoreFromUrl } from '../../src/stores/redis.ts';
import type { SessionStore } from '../../src/core/store.ts';
import { newStoreKey, sampleRecord } from '../../src/testing/index.ts';
import { closedPort, SERVICES, serviceOrSkip, uniqueSuffix } from '../helpers/services.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), `cloakroom-cli-${uniqueSuffix()}-`));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/**
 * How long a CLI child may run before it is killed, so that a hang fails instead of stalling.
 * Generous: on a busy 2-core machine starting a child under tsx alone takes 10–20 s, and a sweep
 * at the CLI's default niceness (19) gets next to no CPU there. No test asserts a duration: a
 * hang shows as a killed child (code null), a timeout by its own message.
 */
const CLI_KILL_MS = 240_000;

/** Runs the real CLI in a child process, killed after `CLI_KILL_MS`. */
function cli(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const childEnv: Record<string, string | undefined> = { ...process.env, SESSION_STORE: undefined, SESSION_SECRET: undefined, ...env };
    for (const k of Object.keys(childEnv)) if (childEnv[k] === undefined) delete childEnv[k];
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', ...args], { cwd: repo, env: childEnv as NodeJS.ProcessEnv });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), CLI_KILL_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

async function fill(store: SessionStore, live: number, expired: number): Promise<void> {
  for (let i = 0; i < live; i++) await store.create(newStoreKey(), sampleRecord({ i }));
  for (let i = 0; i < expired; i++) await store.create(newStoreKey(), sampleRecord({ i }, -60_000));
}

describe('cloakroom CLI: usage', () => {
  it('--help prints usage, commands and the store URL forms, exit 0', async () => {
    const r = await cli(['--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /Usage: cloakroom <command>/);
    assert.match(r.stdout, /clear-expired[\s\S]*stats[\s\S]*--store URL[\s\S]*--batch N[\s\S]*redis\+cluster:\/\/[\s\S]*tiered:/);
  });

  it('no command prints usage and exits 2', async () => {
    const r = await cli([]);
    assert.equal(r.code, 2);
    assert.match(r.stdout, /Usage:/);
  });

  const usageErrors: Array<[string[], RegExp]> = [
    [['frob', '--store', 'memory:'], /unknown command "frob"/],
    [['stats', '--frob'], /Unknown option '--frob'/],
    [['clear-expired', '--store', 'memory:', '--batch', '0'], /--batch must be a positive integer, not "0"/],
    [['clear-expired', '--store', 'memory:', '--batch', 'lots'], /--batch must be a positive integer/],
    [['stats', 'extra', '--store', 'memory:'], /unexpected argument "extra"/],
    [['stats'], /no store: pass --store URL or set SESSION_STORE/],
    [['stats', '--store', 'cookie:'], /cookie: keeps each session sealed inside its cookie: the server holds nothing to count/],
    [['clear-expired', '--store', 'mongodb://admin:hunter2@db.example/app'], /Bad session store URL "mongodb:\/\/admin:\*\*\*@db\.example\/app"[\s\S]*Accepted forms:[\s\S]*sqlite:PATH/],
    [['stats', '--store', 'tiered:memory:'], /exactly two URLs/],
    [['clear-expired', '--store', 'memory:', '--nice', '20'], /--nice must be an integer from 0 to 19, not "20"/],
    [['clear-expired', '--store', 'memory:', '--nice', 'low'], /--nice must be an integer from 0 to 19/],
  ];
  for (const [args, message] of usageErrors) {
    it(`${args.join(' ') || '(none)'} → exit 2 with a clear message`, async () => {
      const r = await cli(args);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, message);
      assert.ok(!r.stderr.includes('hunter2'));
      assert.ok(!/\n\s+at /.test(r.stderr), 'no stack trace');
    });
  }

  it('an unreachable store (closed loopback port) → exit 1 naming the store, no password, ended by the refusal', async () => {
    const port = await closedPort();
    for (const url of [`postgres://postgres:hunter2@127.0.0.1:${port}/test`, `redis://:hunter2@127.0.0.1:${port}`, `mysql://root:hunter2@127.0.0.1:${port}/test`]) {
      const r = await cli(['stats', '--store', url]);
      assert.equal(r.code, 1, `${url}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`^cloakroom: .*127\\.0\\.0\\.1:${port}`));
      assert.ok(!r.stderr.includes('hunter2'), r.stderr);
      // Bounded by the driver's refusal, not by the CLI's 10 s --connect-timeout (nor by a kill).
      assert.match(r.stderr, /ECONNREFUSED/, `${url}: ${r.stderr}`);
      assert.doesNotMatch(r.stderr, /did not answer within/, `${url}: ${r.stderr}`);
    }
  });

  it('a store that hangs is cut off by --connect-timeout → exit 1', async () => {
    // A server that accepts TCP connections and never answers (a stopped process looks like this).
    const server = createServer(() => undefined);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    try {
      const r = await cli(['stats', '--store', `postgres://postgres@127.0.0.1:${port}/test`, '--connect-timeout', '500']);
      assert.equal(r.code, 1, r.stderr);
      // pg would wait for ever: the CLI's own 500 ms bound is what ended it.
      assert.match(r.stderr, /did not answer within 500 ms/);
    } finally {
      server.close();
    }
  });
});

describe('cloakroom CLI: CPU priority of clear-expired', () => {
  it('--nice N runs the sweep at niceness N; --nice 0 leaves the priority alone', async () => {
    const path = join(dir, 'nice.db');
    await new SqliteStore({ path }).close(); // the CLI never creates a store: it must exist
    const url = `sqlite:${path}`;
    let r = await cli(['clear-expired', '--store', url, '--nice', '17']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Deleted 0 expired sessions from .* \(niceness 1[7-9]\)\.\n$/);
    r = await cli(['clear-expired', '--store', url, '--nice', '0']);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /niceness/);
  });

  it('lowerPriority only ever lowers: a process already at niceness 15 stays there', () => {
    const script = `
      import { getPriority, setPriority } from 'node:os';
      const { lowerPriority } = await import('./src/cli/main.ts');
      setPriority(15);
      const kept = lowerPriority(10);
      const lowered = lowerPriority(18);
      console.log(JSON.stringify({ kept, lowered, now: getPriority() }));`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: repo, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { kept: 15, lowered: 18, now: 18 });
  });

  it('a priority that cannot be lowered is reported, and the sweep still runs', async () => {
    let out = '';
    let err = '';
    const stdout = { write: (s: string) => ((out += s), true), isTTY: false };
    const stderr = { write: (s: string) => ((err += s), true), isTTY: false };
    const renice = () => {
      throw new Error('EACCES: permission denied');
    };
    const code = await runCli(['clear-expired', '--store', 'memory:'], { stdout, stderr, env: {}, renice });
    assert.equal(code, 0, err);
    assert.match(err, /^cloakroom: could not lower the CPU priority: EACCES: permission denied\n$/);
    assert.match(out, /^Deleted 0 expired sessions from memory: in \d+\.\d\d s\.\n$/);
  });

  it('an embedder that passes its own streams keeps its priority', async () => {
    let out = '';
    const sink = { write: (s: string) => ((out += s), true), isTTY: false };
    const before = getPriority();
    const code = await runCli(['clear-expired', '--store', 'memory:', '--nice', '19'], { stdout: sink, stderr: sink, env: {} });
    assert.equal(code, 0, out);
    assert.equal(getPriority(), before);
    assert.match(out, /^Deleted 0 expired sessions from memory: in \d+\.\d\d s\.\n$/);
  });
});

const skipPostgres = await serviceOrSkip('postgres');
const skipRedis = await serviceOrSkip('redis');

describe('cloakroom CLI on real stores', () => {
  it('sqlite: stats, then clear-expired in batches, then stats again', async () => {
    const path = join(dir, 'sessions.db');
    const store = new SqliteStore({ path });
    await fill(store, 3, 50);
    await store.close();
    const url = `sqlite:${path}`;

    let r = await cli(['stats', '--store', url, '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { live: 3, expired: 50 });

    r = await cli(['clear-expired', '--batch', '7'], { SESSION_STORE: url });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^Deleted 50 expired sessions from sqlite:${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} in \\d+\\.\\d\\d s \\(niceness (\\d+)\\)\\.\\n$`));
    assert.ok(Number(/niceness (\d+)/.exec(r.stdout)![1]) >= DEFAULT_NICENESS, 'the sweep ran at lowered CPU priority');
    assert.equal(r.stderr, '', 'no progress bar when stderr is not a terminal');

    r = await cli(['stats', '--store', url]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /live: 3\nexpired: 0\n/);
  });

  it('file: clear-expired removes exactly the expired files', async () => {
    const folder = join(dir, 'files');
    const store = new FileStore({ directory: folder });
    await fill(store, 2, 30);
    // --nice 0: the priority is another test's subject; at niceness 19 a busy machine starves the sweep.
    const r = await cli(['clear-expired', '--store', `file:${folder}`, '--batch', '10', '--nice', '0']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Deleted 30 expired sessions from file:/);
    assert.equal(readdirSync(folder).length, 2);
    assert.deepEqual(await store.stats(Date.now()), { live: 2, expired: 0 });
  });

  it('file: on a folder it cannot create → exit 1 with the disk error', async () => {
    const r = await cli(['stats', '--store', `file:${join(dir, 'sessions.db', 'sub')}`]); // sessions.db is a file
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /ENOTDIR|EEXIST/);
  });

  const hasScript = spawnSync('script', ['--version']).status === 0;
  it('draws a progress bar on a terminal when the work is long', { skip: !hasScript && 'util-linux `script` not installed' }, async () => {
    const folder = join(dir, 'many');
    const store = new FileStore({ directory: folder, crossProcessLock: true });
    const batch = Array.from({ length: 4000 }, () => newStoreKey());
    for (let i = 0; i < batch.length; i += 200) {
      await Promise.all(batch.slice(i, i + 200).map((key) => store.create(key, sampleRecord({ blob: 'x'.repeat(200) }, -60_000))));
    }
    const command = `${process.execPath} --import tsx src/cli/index.ts clear-expired --store file:${folder} --batch 50 --nice 0`;
    // `script` gives the child a real pseudo-terminal, so stderr.isTTY is true as for a person at a shell.
    const result = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn('script', ['-qefc', command, '/dev/null'], { cwd: repo });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      const timer = setTimeout(() => child.kill('SIGKILL'), CLI_KILL_MS);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, out });
      });
    });
    assert.equal(result.code, 0, result.out);
    assert.match(result.out, /\r\[[█░]{30}\] +\d+% [\d,]+\/4,000 expired sessions deleted · \d+\.\ds/);
    assert.match(result.out, /Deleted 4000 expired sessions/);
  });

  it('postgres: stats and clear-expired with --table', { skip: skipPostgres }, async () => {
    const table = `cloakroom_cli_${uniqueSuffix()}`;
    const store = new PostgresStore({ connectionString: SERVICES.postgres.url, table });
    try {
      await fill(store, 4, 25);
      let r = await cli(['stats', '--store', SERVICES.postgres.url, '--table', table, '--json']);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), { live: 4, expired: 25 });
      r = await cli(['clear-expired', '--store', SERVICES.postgres.url, '--table', table, '--batch', '10', '--nice', '0']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^Deleted 25 expired sessions/);
      assert.deepEqual(await store.stats(Date.now()), { live: 4, expired: 0 });
    } finally {
      await store.close();
      const client = new pg.Client({ connectionString: SERVICES.postgres.url });
      await client.connect();
      await client.query(`DROP TABLE IF EXISTS "${table}"`);
      await client.end();
    }
  });

  it('redis: stats with a key prefix', { skip: skipRedis }, async () => {
    const url = `${SERVICES.redis.url}?prefix=cloakroom-cli-${uniqueSuffix()}:`;
    const store = await createRedisStoreFromUrl(url);
    const keys = [newStoreKey(), newStoreKey()];
    try {
      for (const key of keys) await store.create(key, sampleRecord({ a: 1 }));
      let r = await cli(['stats', '--store', url, '--json']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(JSON.parse(r.stdout).live, 2);
      r = await cli(['clear-expired', '--store', url, '--nice', '0']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^Deleted \d+ stale index entr(y|ies) \(Redis expires sessions itself\) from redis:\/\/127\.0\.0\.1:6379/);
    } finally {
      for (const key of keys) await store.destroy(key);
      await store.close();
    }
  });
});
