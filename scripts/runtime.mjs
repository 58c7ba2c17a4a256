#!/usr/bin/env node
// Runs one of the other runtimes' binaries (bun, deno, wrangler) from runtimes/node_modules,
// which the root install leaves out (they are large): `npm run runtimes:install` brings them.
// Usage: node scripts/runtime.mjs NAME [ARGS...]; signals are passed on, the exit code kept.
import { existsSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const [name, ...args] = process.argv.slice(2);
const bin = fileURLToPath(new URL(`../runtimes/node_modules/.bin/${name}`, import.meta.url));
if (!name || !existsSync(bin)) {
  console.error(`Error: ${name ?? 'a runtime'} is not installed: run \`npm run runtimes:install\` (installs runtimes/package.json: bun, deno, wrangler).`);
  process.exit(1);
}
const child = spawn(bin, args, { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
