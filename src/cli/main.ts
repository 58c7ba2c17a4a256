/**
 * The `cloakroom` command: operate a session store from a shell or cron.
 * Exit codes: 0 success, 1 the store failed or could not be reached, 2 bad usage or store URL.
 */
import { getPriority, setPriority } from 'node:os';
import { parseArgs } from 'node:util';
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

Options:
  --store URL            The session store (default: $SESSION_STORE).
  --batch N              Sessions deleted per round trip by clear-expired (default 1000).
  --nice N               clear-expired lowers its own CPU priority to niceness N, 0-19
                         (default 19; 0 leaves it as started): the sweep then takes the
                         CPU the app leaves idle instead of slowing its requests.
  --table NAME           Table of an SQL store (default cloakroom_sessions).
  --connect-timeout MS   Longest wait for the store to answer at startup (default 10000).
  --json                 stats: print {"live":N,"expired":N}.
  -h, --help             This text.

Store URLs:
${STORE_URL_FORMS.map((f) => `  ${f}`).join('\n')}

Exit codes: 0 done, 1 the store failed or is unreachable, 2 bad usage or store URL.
`;

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
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    return usage(io, (err as Error).message);
  }
  const { values, positionals } = parsed;
  const command = positionals[0];
  if (values.help || command === 'help' || command === undefined) {
    io.stdout.write(HELP);
    return command === undefined && !values.help ? EXIT_USAGE : EXIT_OK;
  }
  if (command !== 'clear-expired' && command !== 'stats') return usage(io, `unknown command "${command}"`);
  if (positionals.length > 1) return usage(io, `unexpected argument "${positionals[1]}"`);

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
  if (/^\s*cookie:/i.test(url)) return usage(io, `${stateless(url)}${command === 'stats' ? 'count' : 'clear'}`);

  let store: SessionStore | StatelessStore;
  try {
    const timedOut = () => new SessionError('ERR_STORE_UNAVAILABLE', `Session store ${redactStoreUrl(url)} did not answer within ${connectTimeout} ms.`);
    store = await withDeadline(createStore(url, values.table ? { table: values.table } : {}), connectTimeout, timedOut);
  } catch (err) {
    return failure(io, err);
  }
  try {
    if (isStatelessStore(store)) {
      return usage(io, `${stateless(store.name)}${command === 'stats' ? 'count' : 'clear'}`);
    }
    if (command === 'stats') {
      const { live, expired } = await store.stats(Date.now());
      io.stdout.write(values.json ? `${JSON.stringify({ live, expired })}\n` : `${store.name}\nlive: ${live}\nexpired: ${expired}\n`);
      return EXIT_OK;
    }
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

function stateless(name: string): string {
  return `${redactStoreUrl(name)} keeps each session sealed inside its cookie: the server holds nothing to `;
}

function positiveInteger(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive integer, not "${value}"`);
  return n;
}

function usage(io: CliIO, message: string): number {
  io.stderr.write(`cloakroom: ${message}\nRun "cloakroom --help" for usage.\n`);
  return EXIT_USAGE;
}

function failure(io: CliIO, err: unknown): number {
  if (err instanceof SessionError && err.code === 'ERR_SESSION_CONFIG') {
    io.stderr.write(`cloakroom: ${err.message}\n`);
    return EXIT_USAGE;
  }
  const message = err instanceof Error ? err.message : String(err);
  io.stderr.write(`cloakroom: ${message}\n`);
  return EXIT_STORE_FAILED;
}

