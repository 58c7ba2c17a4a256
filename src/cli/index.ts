#!/usr/bin/env node
/**
 * `cloakroom` (the package's bin): `cloakroom clear-expired --store URL`, `cloakroom stats --store URL`.
 * See `cloakroom --help`; the work is in `./main.ts`, so it can be tested and embedded.
 *
 * @example
 * // crontab: every night at 03:00, Django's clearsessions
 * // 0 3 * * * SESSION_STORE=postgres://app@db/app npx cloakroom clear-expired
 */
import { runCli } from './main.js';

const code = await runCli(process.argv.slice(2));
// Exit explicitly: a driver's reconnect timer must not keep a finished command alive.
process.exit(code);
