import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli, EXIT_OK, EXIT_STORE_FAILED, EXIT_USAGE } from '../../src/cli/main.ts';
import { sessionHandle, HANDLE_LENGTH } from '../../src/core/handle.ts';
import { generateSessionId, storeKeyFor } from '../../src/core/session-id.ts';
import { SqliteStore } from '../../src/stores/sqlite.ts';
import { sampleRecord } from '../../src/testing/index.ts';
import { uniqueSuffix } from '../helpers/services.ts';

// Issue 13 §6: an operator's CLI for an incident (list a user's sessions, sign them out), with
// --json, --version, one-line errors that say what to do, and no store created by a typo.
const repo = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), `cloakroom-cli-ops-${uniqueSuffix()}-`));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the CLI in-process with captured streams. */
async function run(args: string[], env: Record<string, string | undefined> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, { stdout: { write: (s: string) => ((stdout += s), true), isTTY: false }, stderr: { write: (s: string) => ((stderr += s), true), isTTY: false }, env });
  return { code, stdout, stderr };
}

const oneLineError = (stderr: string) => assert.match(stderr, /^cloakroom: [^\n]+\n$/, `one line: ${JSON.stringify(stderr)}`);

describe('cloakroom sessions / revoke', () => {
  const path = join(dir, 'sessions.db');
  const url = `sqlite:${path}`;
  const ids = { laptop: generateSessionId(), phone: generateSessionId(), bob: generateSessionId() };
  const keys = Object.fromEntries(Object.entries(ids).map(([k, id]) => [k, storeKeyFor(id)])) as Record<keyof typeof ids, string>;

  before(async () => {
    const store = new SqliteStore({ path });
    const now = Date.now();
    await store.create(keys.laptop, sampleRecord({ username: 'ada' }, 3_600_000, { userId: 'ada', userAgent: 'Firefox on Linux', lastSeenAt: now - 60_000 }));
    await store.create(keys.phone, sampleRecord({ username: 'ada' }, 3_600_000, { userId: 'ada', userAgent: 'Safari on iPhone\u001b[31m', lastSeenAt: now }));
    await store.create(keys.bob, sampleRecord({ username: 'bob' }, 3_600_000, { userId: 'bob', userAgent: null }));
    await store.close();
  });

  it('sessions --user lists handles, device, created, last seen and expiry; never an ID or a store key', async () => {
    const r = await run(['sessions', '--store', url, '--user', 'ada']);
    assert.equal(r.code, EXIT_OK, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^HANDLE\s+CREATED\s+LAST SEEN\s+EXPIRES\s+DEVICE$/);
    assert.match(lines[1]!, new RegExp(`^${sessionHandle(keys.phone)}\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ .*Safari on iPhone\\?\\[31m$`), 'newest activity first; control characters neutralised');
    assert.match(lines[2]!, new RegExp(`^${sessionHandle(keys.laptop)}\\s.*Firefox on Linux$`));
    assert.equal(lines[3], '2 live sessions for user "ada".');
    for (const secret of [...Object.values(ids), ...Object.values(keys)]) assert.ok(!r.stdout.includes(secret), 'no ID or key in the output');
  });

  it('sessions --json is an array of handles with ISO times', async () => {
    const r = await run(['sessions', '--store', url, '--user', 'ada', '--json']);
    assert.equal(r.code, EXIT_OK, r.stderr);
    const rows = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
    assert.equal(rows.length, 2);
    for (const row of rows) {
      assert.deepEqual(Object.keys(row).sort(), ['createdAt', 'expiresAt', 'handle', 'lastSeenAt', 'userAgent']);
      assert.equal((row.handle as string).length, HANDLE_LENGTH);
      assert.ok(!Number.isNaN(Date.parse(row.expiresAt as string)));
    }
    assert.deepEqual(JSON.parse((await run(['sessions', '--store', url, '--user', 'nobody', '--json'])).stdout), []);
  });

  it('every handle pastes after --handle: none starts with a dash, which the argument parser reads as an option', () => {
    // One base64url digest in 64 starts with '-': 2000 handles would show one almost surely.
    for (let i = 0; i < 2000; i++) assert.match(sessionHandle(storeKeyFor(generateSessionId())), /^[A-Za-z0-9_][A-Za-z0-9_-]{11}$/);
  });

  it('revoke --handle ends that one session; an unknown handle is exit 1 with the command that lists them', async () => {
    const wrong = await run(['revoke', '--store', url, '--user', 'ada', '--handle', sessionHandle(keys.bob)]);
    assert.equal(wrong.code, EXIT_STORE_FAILED);
    oneLineError(wrong.stderr);
    assert.match(wrong.stderr, /has no live session with handle .* "cloakroom sessions --store sqlite:.* --user ada"/);

    const r = await run(['revoke', '--store', url, '--user', 'ada', '--handle', sessionHandle(keys.phone), '--json']);
    assert.equal(r.code, EXIT_OK, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { revoked: 1, handle: sessionHandle(keys.phone) });
    const left = JSON.parse((await run(['sessions', '--store', url, '--user', 'ada', '--json'])).stdout) as Array<{ handle: string }>;
    assert.deepEqual(left.map((s) => s.handle), [sessionHandle(keys.laptop)]);
  });

  it('revoke --user signs the user out everywhere, and no one else', async () => {
    const r = await run(['revoke', '--user', 'ada'], { SESSION_STORE: url });
    assert.equal(r.code, EXIT_OK, r.stderr);
    assert.equal(r.stdout, 'Revoked 1 session of user "ada": signed out everywhere.\n');
    assert.deepEqual(JSON.parse((await run(['revoke', '--store', url, '--user', 'ada', '--json'])).stdout), { revoked: 0 });
    assert.equal(JSON.parse((await run(['sessions', '--store', url, '--user', 'bob', '--json'])).stdout).length, 1);
  });
});

describe('cloakroom CLI: a store path that does not exist', () => {
  for (const command of [['stats'], ['stats', '--json'], ['clear-expired'], ['sessions', '--user', 'ada'], ['revoke', '--user', 'ada']]) {
    it(`${command.join(' ')} on a missing sqlite file says so, exits non-zero and creates nothing`, async () => {
      const path = join(dir, 'typo', 'sesions.db');
      const r = await run([...command, '--store', `sqlite:${path}`]);
      assert.equal(r.code, EXIT_STORE_FAILED);
      oneLineError(r.stderr);
      assert.match(r.stderr, /sesions\.db does not exist \(ENOENT\): check --store or \$SESSION_STORE; the CLI never creates a store/);
      assert.equal(r.stdout, '');
      assert.equal(existsSync(join(dir, 'typo')), false);
    });
  }

  it('the same for a file: folder and a django+sqlite: path', async () => {
    for (const url of [`file:${join(dir, 'no-such-folder')}`, `django+sqlite:${join(dir, 'no.sqlite3')}`]) {
      const r = await run(['stats', '--store', url]);
      assert.equal(r.code, EXIT_STORE_FAILED, url);
      assert.match(r.stderr, /does not exist/);
    }
    assert.equal(existsSync(join(dir, 'no-such-folder')), false);
  });
});

describe('cloakroom CLI: --version, --help, usage errors', () => {
  const version = (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string }).version;

  it('--version and -v print the package version', async () => {
    for (const flag of ['--version', '-v']) {
      const r = await run([flag]);
      assert.equal(r.code, EXIT_OK);
      assert.equal(r.stdout, `cloakroom ${version}\n`);
    }
  });

  it('the real command answers --version (the bin, as npx runs it)', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', '--version'], { cwd: repo, encoding: 'utf8', timeout: 240_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `cloakroom ${version}\n`);
  });

  it('--help lists the operator commands and their options', async () => {
    const r = await run(['--help']);
    assert.equal(r.code, EXIT_OK);
    assert.match(r.stdout, /sessions\s+List a user's live sessions[\s\S]*revoke\s+Sign a user out everywhere[\s\S]*--user ID[\s\S]*--handle H[\s\S]*--json[\s\S]*--version/);
  });

  const cases: Array<[string[], RegExp]> = [
    [['sessions', '--store', 'memory:'], /sessions needs --user ID/],
    [['revoke', '--store', 'memory:', '--user', ''], /revoke needs --user ID/],
    [['sessions', '--store', 'memory:', '--user', 'ada', '--handle', 'abc'], /--handle belongs to "revoke"/],
    [['stats', '--store', 'memory:', '--user', 'ada'], /--user and --handle belong to "sessions" and "revoke"/],
    [['revoke', '--store', 'memory:', '--user', 'ada', '--handle', '../x'], /--handle must be a handle printed by "cloakroom sessions"/],
    [['sessions', '--store', 'cookie:', '--user', 'ada'], /nothing to list/],
    [['frob'], /unknown command "frob" \(commands: clear-expired, stats, sessions, revoke\)/],
  ];
  for (const [args, message] of cases) {
    it(`${args.join(' ')} → exit 2, one line naming the fix`, async () => {
      const r = await run(args);
      assert.equal(r.code, EXIT_USAGE, r.stderr);
      oneLineError(r.stderr);
      assert.match(r.stderr, message);
      assert.match(r.stderr, /\(see "cloakroom --help"\)\n$/);
    });
  }

  it('a multi-line store error still prints as one line', async () => {
    const r = await run(['stats', '--store', 'mongodb://db.example/app']);
    assert.equal(r.code, EXIT_USAGE);
    oneLineError(r.stderr);
  });
});
