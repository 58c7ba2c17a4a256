/**
 * The `cloakroom` command: operate a session store from a shell, cron or an incident.
 * Exit codes: 0 success, 1 the store failed, could not be reached or opened, or has no such
 * session; 2 bad usage or store URL. Every error is one line on stderr that says what to do.
 */
import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { getPriority, setPriority } from 'node:os';
import { parseArgs } from 'node:util';
import { sessionHandle } from '../core/handle.js';
import { withDeadline } from '../core/deadline.js';
import { SessionError } from '../core/errors.js';
import { isStatelessStore, type SessionStore, type StatelessStore } from '../core/store.js';
import { createStore, redactStoreUrl, STORE_URL_FORMS } from '../stores/from-url.js';
import { ProgressBar, type ProgressStream } from './progress.js';

/** Where the CLI writes; the process's streams by default, replaceable for embedding. */
export interface CliIO {
  stdout: ProgressStream;
  stderr: ProgressStream;
  env: Record<string, string | undefined>;
  /**
   * Lowers this process's CPU priority to `niceness` (never raises it) and returns the niceness
   * in effect. The command's own default is `lowerPriority`; an embedder passing its own streams
   * leaves this out, and its process keeps its priority.
   */
  renice?: (niceness: number) => number;
}

export const EXIT_OK = 0;
export const EXIT_STORE_FAILED = 1;
export const EXIT_USAGE = 2;

/**
 * clear-expired's niceness unless `--nice` says otherwise: the lowest, so the app's requests
 * always come first: on a saturated server core, 19 left the app's read p99 unmoved where 10
 * raised it, at the price of a longer sweep (measured in docs/DESIGN-NOTES.md; the scale study
 * in bench/RESULTS.md runs the command with this default). On a machine with idle CPU the sweep
 * runs at full speed either way.
 */
export const DEFAULT_NICENESS = 19;

export const HELP = `Usage: cloakroom <command> [options]

Commands:
  clear-expired   Delete expired sessions in batches (Django's clearsessions). Run it from cron.
  stats           Count live and expired sessions.
  sessions        List a user's live sessions (--user ID): handle, device, created, last seen, expiry.
  revoke          Sign a user out everywhere (--user ID), or of one session (--user ID --handle H).

Options:
  --store URL            The session store (default: $SESSION_STORE). A sqlite: or file: path
                         that does not exist is an error: the CLI never creates a store.
  --user ID              sessions, revoke: the user ID the app passed to session.login().
  --handle H             revoke: only the session with this handle (from "cloakroom sessions").
  --batch N              Sessions deleted per round trip by clear-expired (default 1000).
  --nice N               clear-expired lowers its own CPU priority to niceness N, 0-19
                         (default 19; 0 leaves it as started): the sweep then takes the
                         CPU the app leaves idle instead of slowing its requests.
  --table NAME           Table of an SQL store (default cloakroom_sessions).
  --connect-timeout MS   Longest wait for the store to answer at startup (default 10000).
  --json                 stats, sessions, revoke: print JSON instead of text.
  -v, --version          The version of cloakroom.
  -h, --help             This text.

Store URLs:
${STORE_URL_FORMS.map((f) => `  ${f}`).join('\n')}

Handles are a short hash of the stored key: never a session ID, never usable as a cookie.

Exit codes: 0 done, 1 the store failed, is unreachable or does not exist, or has no such
session; 2 bad usage or store URL.
`;

/** The commands `runCli` knows. */
const COMMANDS = ['clear-expired', 'stats', 'sessions', 'revoke'] as const;
type Command = (typeof COMMANDS)[number];

/**
 * This package's version, as `cloakroom --version` prints it.
 *
 * @example
 * console.log(cliVersion()); // '0.1.0'
 */
export function cliVersion(): string {
  // src/cli/main.ts and dist/cli/main.js both sit two folders below package.json.
  return (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
}

class UsageError extends Error {}

/**
 * Runs the CLI with `argv` (without `node` and the script) and resolves the exit code.
 *
 * @example
 * process.exitCode = await runCli(['stats', '--store', 'sqlite:./data/sessions.db']);
 */
export async function runCli(
  argv: readonly string[],
  io: CliIO = { stdout: process.stdout, stderr: process.stderr, env: process.env, renice: lowerPriority },
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        store: { type: 'string' },
        batch: { type: 'string' },
        nice: { type: 'string' },
        table: { type: 'string' },
        'connect-timeout': { type: 'string' },
        json: { type: 'boolean' },
        user: { type: 'string' },
        handle: { type: 'string' },
        version: { type: 'boolean', short: 'v' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    return usage(io, (err as Error).message);
  }
  const { values, positionals } = parsed;
  const command = positionals[0];
  if (values.version || command === 'version') {
    io.stdout.write(`cloakroom ${cliVersion()}\n`);
    return EXIT_OK;
  }
  if (values.help || command === 'help' || command === undefined) {
    io.stdout.write(HELP);
    return command === undefined && !values.help ? EXIT_USAGE : EXIT_OK;
  }
  if (!(COMMANDS as readonly string[]).includes(command)) return usage(io, `unknown command "${command}" (commands: ${COMMANDS.join(', ')})`);
  if (positionals.length > 1) return usage(io, `unexpected argument "${positionals[1]}"`);
  const userProblem = checkUserOptions(command as Command, values.user, values.handle);
  if (userProblem) return usage(io, userProblem);

  let batchSize: number;
  let connectTimeout: number;
  let niceness: number;
  try {
    batchSize = positiveInteger('--batch', values.batch, 1000);
    niceness = nicenessOf(values.nice);
    connectTimeout = positiveInteger('--connect-timeout', values['connect-timeout'], 10_000);
  } catch (err) {
    return usage(io, (err as Error).message);
  }
  const url = values.store ?? io.env.SESSION_STORE;
  if (!url) return usage(io, 'no store: pass --store URL or set SESSION_STORE');
  if (/^\s*cookie:/i.test(url)) return usage(io, `${stateless(url)}${VERB[command as Command]}`);
  const missing = missingLocalStore(url);
  if (missing) return failure(io, new Error(missing));

  let store: SessionStore | StatelessStore;
  try {
    const timedOut = () => new SessionError('ERR_STORE_UNAVAILABLE', `Session store ${redactStoreUrl(url)} did not answer within ${connectTimeout} ms.`);
    store = await withDeadline(createStore(url, values.table ? { table: values.table } : {}), connectTimeout, timedOut);
  } catch (err) {
    return failure(io, err);
  }
  try {
    if (isStatelessStore(store)) {
      return usage(io, `${stateless(store.name)}${VERB[command as Command]}`);
    }
    if (command === 'stats') {
      const { live, expired } = await store.stats(Date.now());
      io.stdout.write(values.json ? `${JSON.stringify({ live, expired })}\n` : `${store.name}\nlive: ${live}\nexpired: ${expired}\n`);
      return EXIT_OK;
    }
    if (command === 'sessions') return await listSessions(io, store, values.user!, values.json ?? false);
    if (command === 'revoke') return await revoke(io, store, url, values.user!, values.handle, values.json ?? false);
    return await clearExpired(io, store, batchSize, niceness);
  } catch (err) {
    return failure(io, err);
  } finally {
    // A store whose server vanished may never finish closing; the exit does not wait for it.
    await Promise.race([store.close().catch(() => undefined), new Promise((r) => setTimeout(r, 2000).unref())]);
  }
}

async function clearExpired(io: CliIO, store: SessionStore, batchSize: number, niceness: number): Promise<number> {
  const priority = niceness > 0 ? reniced(io, niceness) : '';
  const started = Date.now();
  const now = Date.now();
  // Only a terminal gets a bar, and a bar needs a total: one count query first (cheap next to the deletes).
  const total = io.stderr.isTTY ? (await store.stats(now)).expired : undefined;
  const bar = new ProgressBar(io.stderr, { total, label: 'expired sessions deleted' });
  let deleted: number;
  try {
    deleted = await store.clearExpired(now, { batchSize, onProgress: (n) => bar.update(n) });
  } finally {
    bar.done();
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(2);
  // Redis expires sessions by itself (native TTLs); what is left to clear there is the per-user index.
  const what = /^rediss?[+:]/.test(store.name) ? 'stale index entr' + (deleted === 1 ? 'y' : 'ies') + ' (Redis expires sessions itself)' : `expired session${deleted === 1 ? '' : 's'}`;
  io.stdout.write(`Deleted ${deleted} ${what} from ${store.name} in ${seconds} s${priority}.\n`);
  return EXIT_OK;
}

/**
 * Sets this process's niceness to `niceness` unless it already runs at that or lower priority
 * (a cron line's own `nice` stays); returns the niceness in effect. Lowering one's own
 * priority needs no privilege.
 *
 * @example
 * lowerPriority(10); // then sweep
 */
export function lowerPriority(niceness: number): number {
  const current = getPriority();
  if (niceness <= current) return current;
  setPriority(niceness);
  return getPriority();
}

/** Applies `--nice` through the IO's renice, if it has one; the note for the summary line. */
function reniced(io: CliIO, niceness: number): string {
  if (!io.renice) return '';
  try {
    return ` (niceness ${io.renice(niceness)})`;
  } catch (err) {
    // The sweep still runs, at the priority it was started with.
    io.stderr.write(`cloakroom: could not lower the CPU priority: ${err instanceof Error ? err.message : String(err)}\n`);
    return '';
  }
}

function nicenessOf(value: string | undefined): number {
  if (value === undefined) return DEFAULT_NICENESS;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 19) throw new UsageError(`--nice must be an integer from 0 to 19, not "${value}"`);
  return n;
}

/** What each command would do, for the message that a stateless store cannot. */
const VERB: Record<Command, string> = { 'clear-expired': 'clear', stats: 'count', sessions: 'list', revoke: 'revoke' };

/** `--user`/`--handle` belong to sessions and revoke; the problem with them, or undefined. */
function checkUserOptions(command: Command, user: string | undefined, handle: string | undefined): string | undefined {
  const needsUser = command === 'sessions' || command === 'revoke';
  if (!needsUser) return user !== undefined || handle !== undefined ? `--user and --handle belong to "sessions" and "revoke", not "${command}"` : undefined;
  if (user === undefined || user.length === 0 || user.length > 256) return `${command} needs --user ID (the user ID your app passed to session.login(), 1 to 256 characters)`;
  if (handle !== undefined && command !== 'revoke') return '--handle belongs to "revoke"';
  if (handle !== undefined && !/^[A-Za-z0-9_-]{1,64}$/.test(handle)) return `--handle must be a handle printed by "cloakroom sessions", not "${handle.slice(0, 64)}"`;
  return undefined;
}

/**
 * A `sqlite:`/`file:` store whose path does not exist: the message to print, or undefined. The
 * stores create their file or folder on first use, which is right for an app and wrong for an
 * operator's typo (`stats` once printed "live: 0" for a database it had just created).
 */
function missingLocalStore(url: string): string | undefined {
  const match = /^\s*(?:django\+)?(sqlite|file):(.*)$/i.exec(url);
  if (!match) return undefined;
  const path = match[2]!.replace(/^\/\/(?=\.|\/)/, '').split('?')[0]!;
  if (path === '' || path === ':memory:') return undefined;
  try {
    statSync(path);
    return undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    return `${redactStoreUrl(url)} does not exist (${code}): check --store or $SESSION_STORE; the CLI never creates a store`;
  }
}

interface SessionRow {
  handle: string;
  userAgent: string | null;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
}

async function userSessions(store: SessionStore, userId: string): Promise<Array<SessionRow & { key: string }>> {
  const rows = await store.listByUser(userId, Date.now());
  const iso = (ms: number) => new Date(ms).toISOString();
  return rows.map((r) => ({ key: r.key, handle: sessionHandle(r.key), userAgent: r.userAgent, createdAt: iso(r.createdAt), lastSeenAt: iso(r.lastSeenAt), expiresAt: iso(r.expiresAt) }));
}

async function listSessions(io: CliIO, store: SessionStore, userId: string, json: boolean): Promise<number> {
  const rows = (await userSessions(store, userId)).map(({ key: _key, ...row }) => row);
  if (json) {
    io.stdout.write(`${JSON.stringify(rows)}\n`);
    return EXIT_OK;
  }
  if (rows.length === 0) {
    io.stdout.write(`No live sessions for user ${JSON.stringify(userId)} in ${store.name}.\n`);
    return EXIT_OK;
  }
  const when = (iso: string) => `${iso.slice(0, 19).replace('T', ' ')}Z`;
  const lines = [['HANDLE', 'CREATED', 'LAST SEEN', 'EXPIRES', 'DEVICE']];
  for (const r of rows) lines.push([r.handle, when(r.createdAt), when(r.lastSeenAt), when(r.expiresAt), printable(r.userAgent ?? 'unknown device')]);
  const widths = lines[0]!.map((_, i) => Math.max(...lines.map((l) => l[i]!.length)));
  io.stdout.write(lines.map((l) => l.map((cell, i) => (i === l.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n') + '\n');
  io.stdout.write(`${rows.length} live session${rows.length === 1 ? '' : 's'} for user ${JSON.stringify(userId)}.\n`);
  return EXIT_OK;
}

async function revoke(io: CliIO, store: SessionStore, url: string, userId: string, handle: string | undefined, json: boolean): Promise<number> {
  if (handle === undefined) {
    const revoked = await store.destroyByUser(userId);
    io.stdout.write(json ? `${JSON.stringify({ revoked })}\n` : `Revoked ${revoked} session${revoked === 1 ? '' : 's'} of user ${JSON.stringify(userId)}: signed out everywhere.\n`);
    return EXIT_OK;
  }
  const row = (await userSessions(store, userId)).find((r) => r.handle === handle);
  if (!row) {
    io.stderr.write(`cloakroom: user ${JSON.stringify(userId)} has no live session with handle ${handle}: list them with "cloakroom sessions --store ${redactStoreUrl(url)} --user ${userId}"\n`);
    return EXIT_STORE_FAILED;
  }
  await store.destroy(row.key);
  io.stdout.write(json ? `${JSON.stringify({ revoked: 1, handle })}\n` : `Revoked session ${handle} of user ${JSON.stringify(userId)}.\n`);
  return EXIT_OK;
}

/** A user agent as one line of printable text (it came from a browser: anything may be in it). */
function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?').slice(0, 120);
}

function stateless(name: string): string {
  return `${redactStoreUrl(name)} keeps each session sealed inside its cookie: the server holds nothing to `;
}

function positiveInteger(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive integer, not "${value}"`);
  return n;
}

/** One line: the problem, then where the usage is. */
function usage(io: CliIO, message: string): number {
  io.stderr.write(`cloakroom: ${oneLine(message)} (see "cloakroom --help")\n`);
  return EXIT_USAGE;
}

function failure(io: CliIO, err: unknown): number {
  if (err instanceof SessionError && err.code === 'ERR_SESSION_CONFIG') {
    io.stderr.write(`cloakroom: ${oneLine(err.message)}\n`);
    return EXIT_USAGE;
  }
  const message = err instanceof Error ? err.message : String(err);
  io.stderr.write(`cloakroom: ${oneLine(message)}\n`);
  return EXIT_STORE_FAILED;
}

/** Driver messages can span lines (a Postgres DETAIL, an AggregateError): the CLI's errors are one line. */
function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, ' ').trim();
}

