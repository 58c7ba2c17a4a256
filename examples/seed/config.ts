/**
 * The demo's configuration from environment variables, checked at startup so a mistake is one
 * clear message naming the variable, never a crash on the first request.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SessionError } from '../../src/core/errors.ts';
import { MIN_SECRET_LENGTH } from '../../src/core/signing.ts';
import { splitSecrets } from '../../src/core/secrets.ts';
import type { CreateStoreOptions } from '../../src/stores/from-url.ts';
import type { SessionManagerOptions } from '../../src/core/manager.ts';

export const FRAMEWORKS = ['node', 'express', 'fastify', 'hono', 'koa', 'fetch'] as const;
export type FrameworkName = (typeof FRAMEWORKS)[number];

export interface DemoConfig {
  /** TCP port; 0 picks a free one (tests). Env `PORT`, default 3000. */
  port: number;
  /** Interface to listen on. Env `HOST`, default 127.0.0.1 (loopback only). */
  host: string;
  /** Store URL. Env `SESSION_STORE`, default `sqlite:./data/sessions.db`. */
  store: string;
  /** Extra options for `createStore` (e.g. a `table` name); tests use it to stay apart. */
  storeOptions?: Omit<CreateStoreOptions, 'secrets'>;
  /** Signing secrets, newest first. Env `SESSION_SECRET`, comma-separated. */
  secrets: string[];
  /** Session lifetime in seconds. Env `SESSION_COOKIE_AGE`, default two weeks. */
  cookieAge?: number | undefined;
  /**
   * Absolute timeout in seconds: a session ends this long after login, however active (OWASP
   * ASVS V7.3). Env `SESSION_ABSOLUTE_TIMEOUT`, default 12 hours; `0` turns it off.
   */
  absoluteTimeout?: number | undefined;
  /** Env `FRAMEWORK`, default `node`. */
  framework: FrameworkName;
  /** Count page views for /progress/ (each counted view writes the session). Default true. */
  trackProgress?: boolean;
  /** Where startup lines go. Default `console.log`. */
  log?: (line: string) => void;
  /**
   * Who takes the session manager's events (see docs/operations.md). Default: cloakroom's
   * logger, warnings and errors to the console. Tests that send forged cookies on purpose take
   * them with `onEvent` instead of printing them.
   */
  events?: Pick<SessionManagerOptions, 'onEvent' | 'logger'>;
}

export interface ConfigFromEnvOptions {
  /** Where a development secret is kept. Env `DATA_DIR`, default `./data`. */
  dataDir?: string;
  /** Where warnings go. Default `console.warn`. */
  warn?: (line: string) => void;
}

/** The demo's absolute timeout unless `SESSION_ABSOLUTE_TIMEOUT` says otherwise: 12 hours. */
export const DEFAULT_ABSOLUTE_TIMEOUT = 12 * 3600;

/** Name of the generated development secret's file inside the data folder. */
export const SECRET_FILE = 'secret';

/**
 * Reads `PORT`, `HOST`, `SESSION_STORE`, `SESSION_SECRET`, `SESSION_COOKIE_AGE`,
 * `SESSION_ABSOLUTE_TIMEOUT`, `FRAMEWORK`
 * (and `DATA_DIR`, `NODE_ENV`). Throws `SessionError` `ERR_SESSION_CONFIG` naming the variable
 * that is wrong; with `NODE_ENV=production` a missing `SESSION_SECRET` is such an error.
 *
 * @example
 * const config = configFromEnv(process.env);
 * const demo = await startDemo(config);
 */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env, options: ConfigFromEnvOptions = {}): DemoConfig {
  const { dataDir = env.DATA_DIR || './data', warn = (line: string) => console.warn(line) } = options;
  const framework = (env.FRAMEWORK || 'node').toLowerCase();
  if (!(FRAMEWORKS as readonly string[]).includes(framework)) {
    throw configError(`FRAMEWORK must be one of ${FRAMEWORKS.join(', ')} (got ${JSON.stringify(env.FRAMEWORK)}).`);
  }
  return {
    port: integerVar(env, 'PORT', 3000, 0, 65535),
    host: env.HOST || '127.0.0.1',
    store: env.SESSION_STORE || 'sqlite:./data/sessions.db',
    secrets: secretsFrom(env, dataDir, warn),
    // Browsers keep no cookie longer than 400 days (RFC 6265bis), and the manager refuses more.
    cookieAge: env.SESSION_COOKIE_AGE ? integerVar(env, 'SESSION_COOKIE_AGE', 0, 1, 400 * 86400) : undefined,
    absoluteTimeout: integerVar(env, 'SESSION_ABSOLUTE_TIMEOUT', DEFAULT_ABSOLUTE_TIMEOUT, 0, 400 * 86400),
    framework: framework as FrameworkName,
  };
}

function secretsFrom(env: NodeJS.ProcessEnv, dataDir: string, warn: (line: string) => void): string[] {
  const given = splitSecrets(env.SESSION_SECRET ?? '');
  if (given.length > 0) {
    const weak = given.findIndex((s) => s.length < MIN_SECRET_LENGTH);
    if (weak >= 0) throw configError(`SESSION_SECRET: secret #${weak + 1} is shorter than ${MIN_SECRET_LENGTH} characters.`);
    return given;
  }
  if (env.NODE_ENV === 'production') {
    throw configError(
      'SESSION_SECRET is required when NODE_ENV=production: set it to one or more random strings of at least ' +
        `${MIN_SECRET_LENGTH} characters, comma-separated, newest first (e.g. \`openssl rand -base64 48\`).`,
    );
  }
  const { secret, path, created } = developmentSecret(dataDir);
  warn(
    `WARNING: SESSION_SECRET is not set; using the development secret ${created ? 'just generated in' : 'kept in'} ${path}. ` +
      'Set SESSION_SECRET in production (NODE_ENV=production refuses to start without it).',
  );
  return [secret];
}

/** The secret kept in `<dataDir>/secret` (mode 0600), generated on first use. */
function developmentSecret(dataDir: string): { secret: string; path: string; created: boolean } {
  const path = join(dataDir, SECRET_FILE);
  const existing = readSecretFile(path);
  if (existing !== null) return { secret: existing, path, created: false };
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const secret = randomBytes(48).toString('base64url');
  try {
    // `wx`: if another process wrote one first, keep theirs rather than logging everyone out.
    writeFileSync(path, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw configError(`SESSION_SECRET is not set and the development secret could not be written to ${path}: ${(err as Error).message}`);
    }
    const theirs = readSecretFile(path);
    if (theirs !== null) return { secret: theirs, path, created: false };
  }
  return { secret, path, created: true };
}

function readSecretFile(path: string): string | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw configError(`SESSION_SECRET is not set and ${path} cannot be read: ${(err as Error).message}`);
  }
  if (text.length < MIN_SECRET_LENGTH) {
    throw configError(`SESSION_SECRET is not set and ${path} holds no usable secret (shorter than ${MIN_SECRET_LENGTH} characters); delete it to generate a new one.`);
  }
  return text;
}

function integerVar(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw configError(`${name} must be a whole number from ${min} to ${max} (got ${JSON.stringify(text)}).`);
  }
  return value;
}

function configError(message: string): SessionError {
  return new SessionError('ERR_SESSION_CONFIG', message);
}
