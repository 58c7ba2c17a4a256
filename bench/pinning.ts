/**
 * CPU pinning for the measured runs: the server process on one core, the load generator on the
 * other. Unpinned, the scheduler moves wrk's threads onto the server's core mid-run, and the
 * server's CPU per request then swings by tens of µs between identical runs (measured: bare
 * Express ±10–45 µs/req) — more than the budgets being checked.
 */
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';

export type PinRole = 'server' | 'load';

let plan: Record<PinRole, string> | undefined;

/** Turns pinning on when asked, the machine has at least 2 cores and `taskset` exists; returns a description. */
export function setPinning(enabled: boolean): string {
  plan = undefined;
  if (!enabled) return 'not pinned (--no-pin)';
  const cores = cpus().length;
  if (cores < 2) return 'not pinned (1 core)';
  try {
    execFileSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' });
  } catch {
    return 'not pinned (taskset not available)';
  }
  // The server gets core 0 alone; the load generator (and anything else) the rest.
  plan = { server: '0', load: cores === 2 ? '1' : `1-${cores - 1}` };
  // This process too (it orchestrates, and logs in the measured sessions): beside the load
  // generator, off the server's core. The scale study's clear-expired runs on the server's core.
  try {
    execFileSync('taskset', ['-a', '-p', '-c', plan.load, String(process.pid)], { stdio: 'ignore' });
  } catch {
    // Not fatal: the measured processes are pinned by their own spawn.
  }
  return `server pinned to CPU ${plan.server}; load generator and the bench process itself to CPU ${plan.load} (taskset)`;
}

/** `command args` prefixed with `taskset -c <cpus>` for the role, when pinning is on. */
export function pinned(role: PinRole, command: string, args: string[]): [string, string[]] {
  return plan ? ['taskset', ['-c', plan[role], command, ...args]] : [command, args];
}
