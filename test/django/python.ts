/**
 * Real Django for the interop tests: the venv (made by setup-venv.sh when missing), the
 * byte-for-byte oracle (app/tools.py) and the test project's server (app/serve.py).
 * Without python3 or Django the suites skip loudly; with CI=true that is a failure.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { IN_CI } from '../helpers/services.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const APP = fileURLToPath(new URL('./app/', import.meta.url));
export const VENV_PYTHON = `${ROOT}node_modules/.cache/django-venv/bin/python`;

let checked: false | string | undefined;

/**
 * The `skip` option for a suite that needs Django: false when the venv has it (made on first
 * use); a reason (and a loud stderr line) outside CI when it cannot be had; throws in CI.
 */
export function djangoOrSkip(): false | string {
  if (checked !== undefined) return checked;
  const ok = () => existsSync(VENV_PYTHON) && spawnSync(VENV_PYTHON, ['-c', 'import django, psycopg, pymysql, redis'], { stdio: 'ignore' }).status === 0;
  if (!ok()) {
    const made = spawnSync('bash', [`${ROOT}test/django/setup-venv.sh`], { encoding: 'utf8', timeout: 600_000 });
    if (!ok()) {
      const message = `Django is not available (python3 + test/django/setup-venv.sh failed: ${(made.stderr || made.error?.message || '').trim().slice(-300)})`;
      if (IN_CI) throw new Error(`${message}; CI=true requires it (.ci/run makes the venv).`);
      process.stderr.write(`\n!!! SKIPPING Django interop tests: ${message}.\n\n`);
      return (checked = `SKIPPED: ${message}`);
    }
  }
  return (checked = false);
}

/** Environment of the test Django project (see app/djproject/settings.py). */
export interface DjangoEnv {
  DJANGO_SECRET_KEY: string;
  DJANGO_SECRET_KEY_FALLBACKS?: string;
  DJ_SESSION_ENGINE?: 'db' | 'cache' | 'cached_db' | 'signed_cookies';
  DJ_DATABASE?: string;
  DJ_TABLE_SUFFIX?: string;
  DJ_REDIS_URL?: string;
  DJ_CACHE_PREFIX?: string;
  DJ_COOKIE_AGE?: string;
}

function pythonEnv(env: DjangoEnv): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, PYTHONDONTWRITEBYTECODE: '1', PYTHONPATH: APP, ...env };
}

/** app/tools.py: asks real Django what it writes and reads, one JSON line per question. */
export class DjangoOracle {
  readonly #child: ChildProcess;
  readonly #waiting: ((line: string) => void)[] = [];

  constructor(env: DjangoEnv) {
    this.#child = spawn(VENV_PYTHON, [`${APP}tools.py`], { env: pythonEnv(env), stdio: ['pipe', 'pipe', 'inherit'] });
    createInterface({ input: this.#child.stdout! }).on('line', (line) => this.#waiting.shift()?.(line));
  }

  /** Django's answer to one request (see tools.py); rejects with Django's exception text. */
  ask<T = unknown>(request: Record<string, unknown>): Promise<T> {
    return new Promise((resolve, reject) => {
      this.#waiting.push((line) => {
        const answer = JSON.parse(line) as { result?: T; error?: string };
        if (answer.error !== undefined) reject(new Error(`Django: ${answer.error}`));
        else resolve(answer.result as T);
      });
      this.#child.stdin!.write(`${JSON.stringify(request)}\n`);
    });
  }

  close(): void {
    this.#child.stdin!.end();
    this.#child.kill();
  }
}

/** Runs `manage.py <args>` of the test project; resolves its output (rejects on failure). */
export function manage(env: DjangoEnv, ...args: string[]): string {
  const run = spawnSync(VENV_PYTHON, [`${APP}manage.py`, ...args], { env: pythonEnv(env), encoding: 'utf8', timeout: 120_000 });
  if (run.status !== 0) throw new Error(`manage.py ${args.join(' ')} failed: ${run.stderr || run.error?.message}`);
  return run.stdout;
}

/** A running test Django project. */
export interface RunningDjango {
  url: string;
  /** What Django logged on stderr so far (e.g. "Session data corrupted"). */
  log(): string;
  close(): Promise<void>;
}

/** Starts app/serve.py (tables created first for db and cached_db) on a free loopback port. */
export function startDjango(env: DjangoEnv): Promise<RunningDjango> {
  const child = spawn(VENV_PYTHON, [`${APP}serve.py`], { env: pythonEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const close = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill();
    });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void close();
      reject(new Error(`Django did not start within 120 s:\n${stderr}`));
    }, 120_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Django exited (${code}) before listening:\n${stderr}`));
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = /^LISTENING (\d+)$/.exec(line);
      if (!m) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve({ url: `http://127.0.0.1:${m[1]}`, log: () => stderr, close });
    });
  });
}
