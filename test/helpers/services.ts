/**
 * Real services for store tests. With CI=true a missing service fails the run; on a laptop
 * without it the suite is skipped with a loud message, never silently.
 */
import { connect, createServer } from 'node:net';

export const SERVICES = {
  redis: { host: '127.0.0.1', port: 6379, url: 'redis://127.0.0.1:6379' },
  postgres: { host: '127.0.0.1', port: 5432, url: 'postgres://postgres@127.0.0.1:5432/test' },
  mysql: { host: '127.0.0.1', port: 3306, url: 'mysql://root@127.0.0.1:3306/test' },
} as const;

export const IN_CI = process.env.CI === 'true' || process.env.CI === '1';

/** Resolves true when something accepts TCP connections on host:port within `timeoutMs`. */
export function canConnect(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * The `skip` option for a `describe` that needs `service`: false when it is up; a reason string
 * (and a loud stderr line) when it is down outside CI; throws in CI so the run fails.
 *
 * @example
 * describe('postgres store', { skip: await serviceOrSkip('postgres') }, () => { … });
 */
export async function serviceOrSkip(service: keyof typeof SERVICES): Promise<false | string> {
  const { host, port } = SERVICES[service];
  // A service that is not there refuses at once; one that is there but slow to accept (a busy
  // machine: seen over 1 s at load 15 on 2 cores) must not be taken for absent.
  if (await canConnect(host, port, 15_000)) return false;
  const message = `${service} is not reachable at ${host}:${port}`;
  if (IN_CI) throw new Error(`${message}; CI=true requires it (.ci/run starts it).`);
  process.stderr.write(`\n!!! SKIPPING ${service} tests: ${message}. Start it to run them (see .ci/run).\n\n`);
  return `SKIPPED: ${message}`;
}

/** A short random suffix so parallel test files never share tables, prefixes or folders. */
export function uniqueSuffix(): string {
  return `${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
}

/** A loopback port nothing listens on (bound, then released): for "store unreachable" tests. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
