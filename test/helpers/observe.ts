/**
 * What an operator would see, for tests that provoke it on purpose (a store taken down, a forged
 * cookie): the manager's events or the console's lines (the default logger writes there), and a
 * bounded wait for something to happen.
 */
import assert from 'node:assert/strict';
import type { SessionEvent } from '../../src/core/events.ts';

/**
 * The console's lines, captured (not printed) until `restore()`.
 *
 * @example
 * const console_ = captureConsole();
 * try { … } finally { console_.restore(); }
 */
export function captureConsole() {
  const lines: Array<{ level: 'warn' | 'error' | 'log' | 'debug' | 'info'; text: string }> = [];
  const saved = { warn: console.warn, error: console.error, log: console.log, debug: console.debug, info: console.info };
  for (const level of ['warn', 'error', 'log', 'debug', 'info'] as const) console[level] = (...args: unknown[]) => lines.push({ level, text: args.map(String).join(' ') });
  return { lines, restore: () => Object.assign(console, saved) };
}

/** Polls `check` every 100 ms until it holds; a hang guard, not a timing assertion. */
export async function eventually(what: string, check: () => boolean | Promise<boolean>, limitMs = 60_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`never happened: ${what}`);
}

/**
 * A manager's events kept for the test instead of printed by the default logger: pass `options`
 * to the manager, and `take()` what the test provoked on purpose (a forged cookie, a missing
 * CSRF token, a store taken down). `take()` gives the warnings and errors since the last take,
 * as `type` or `type reason`, which is what the default logger would have printed.
 *
 * @example
 * const captured = captureEvents();
 * const manager = new SessionManager({ store, secrets, ...captured.options });
 * await manager.load('sessionid=forged');
 * assert.deepEqual(captured.take(), ['security.malformed-cookie format']);
 */
export function captureEvents() {
  const events: SessionEvent[] = [];
  return {
    options: { logger: false as const, onEvent: (event: SessionEvent) => void events.push(event) },
    /** Every event not taken yet, debug included, oldest first. */
    events,
    take: (): string[] => events.splice(0).filter((e) => e.level !== 'debug').map((e) => ('reason' in e ? `${e.type} ${e.reason}` : e.type)),
  };
}

/**
 * Asserts that what a test took (`captureEvents().take()`) is whole outages and nothing else:
 * began, ended, began, ended… (one line each way per outage; a store that flapped reports each
 * flap), ending with the recovery.
 */
export function assertWholeOutages(taken: string[], label: string): void {
  const whole = taken.length > 0 && taken.length % 2 === 0 && taken.every((t, i) => t === (i % 2 === 0 ? 'store.outage-began' : 'store.outage-ended'));
  assert.ok(whole, `${label}: ${taken.join(', ') || 'no outage reported'}`);
}
