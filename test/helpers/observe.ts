/**
 * What an operator would see, for tests that take a store down on purpose: the console's lines
 * (the manager's default logger writes there), and a bounded wait for something to happen.
 */
import assert from 'node:assert/strict';

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
