/**
 * `npm run start:workers`: the seed Worker under `wrangler dev`, local only (workerd on this
 * machine; nothing is deployed), configured from the environment as `npm start` is: PORT, HOST,
 * SESSION_SECRET (the development secret in DATA_DIR when unset) and SESSION_STORE (`d1:`, the
 * default, `durable-object:`, `memory:` or `cookie:`). D1's local data is kept in DATA_DIR/wrangler.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configFromEnv } from '../config.ts';
import { WORKER_STORES } from './worker.ts';

/** A free loopback port for wrangler's inspector (its default, 9229, is shared by every instance). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function main(): Promise<void> {
  const store = (process.env.SESSION_STORE || 'd1:').trim().toLowerCase();
  if (!(WORKER_STORES as readonly string[]).includes(store)) {
    throw new Error(`SESSION_STORE on Workers must be one of ${WORKER_STORES.join(', ')} (got ${JSON.stringify(process.env.SESSION_STORE)}).`);
  }
  const config = configFromEnv({ ...process.env, SESSION_STORE: 'memory:' });
  const dataDir = process.env.DATA_DIR || './data';
  const runtime = fileURLToPath(new URL('../../../scripts/runtime.mjs', import.meta.url));
  // The secret goes to wrangler in a file only we can read, not on a command line that every
  // local user can see in `ps`. Single quotes: the value is taken as written.
  const secrets = config.secrets.join(',');
  if (/['\n]/.test(secrets)) throw new Error('SESSION_SECRET must not contain a single quote or a newline on Workers (it is passed in a .env file).');
  mkdirSync(join(dataDir, 'wrangler'), { recursive: true, mode: 0o700 });
  const envFile = join(dataDir, 'wrangler', 'seed.env');
  writeFileSync(envFile, `SESSION_SECRET='${secrets}'\nSESSION_STORE='${store}'\n`, { mode: 0o600 });
  const args = [
    runtime, 'wrangler', 'dev',
    '--config', fileURLToPath(new URL('./wrangler.toml', import.meta.url)),
    '--ip', config.host,
    '--port', String(config.port),
    '--inspector-port', String(await freePort()),
    '--persist-to', join(dataDir, 'wrangler'),
    '--show-interactive-dev-session=false',
    '--env-file', envFile,
  ];
  console.log(`Seed demo (workerd via wrangler dev, ${store}) at http://${config.host}:${config.port}/`);
  // No calls home: no telemetry, no Request.cf download. A registry of its own: wrangler's shared
  // dev registry would route this Worker's Durable Objects to another running instance of the
  // same Worker name (seen: a second start:workers answered with the first one's objects).
  const child = spawn(process.execPath, args, {
    stdio: 'inherit',
    env: {
      ...process.env,
      WRANGLER_SEND_METRICS: 'false',
      CLOUDFLARE_CF_FETCH_ENABLED: 'false',
      WRANGLER_SEND_ERROR_REPORTS: 'false',
      WRANGLER_REGISTRY_PATH: join(dataDir, 'wrangler', 'registry'),
    },
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

main().catch((err: unknown) => {
  console.error(`Error: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
