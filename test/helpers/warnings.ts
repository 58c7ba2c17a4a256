/**
 * Deliberate process warnings, caught by name so a test can assert them instead of printing them.
 *
 * Node prints every warning through a 'warning' listener of its own, and a listener added beside
 * it does not silence it. While a capture runs, Node's listeners are set aside: warnings with one
 * of the captured names are kept for the test; any other warning is handed to them and printed as
 * usual, so an unexpected warning is never swallowed. Warnings are emitted on the next tick after
 * `process.emitWarning`: let one pass (`await settle()`) before asserting.
 *
 * @example
 * const warnings = captureWarnings(['CloakroomLateSessionChange']);
 * try {
 *   await get('/late');
 *   await settle();
 *   assert.deepEqual(warnings.take().map((w) => w.name), ['CloakroomLateSessionChange']);
 * } finally {
 *   warnings.stop();
 * }
 */
export interface WarningCapture {
  /** The captured warnings not taken yet, oldest first; `take` empties the list. */
  take(): Error[];
  /** Hands warnings back to Node's own listeners. Idempotent. */
  stop(): void;
}

type Listener = (warning: Error) => void;

export function captureWarnings(names: readonly string[]): WarningCapture {
  const wanted = new Set(names);
  const kept: Error[] = [];
  const others = process.listeners('warning') as Listener[];
  for (const listener of others) process.off('warning', listener);
  const onWarning: Listener = (warning) => {
    if (wanted.has(warning.name)) kept.push(warning);
    else for (const listener of others) listener(warning);
  };
  process.on('warning', onWarning);
  let stopped = false;
  return {
    take: () => kept.splice(0),
    stop: () => {
      if (stopped) return;
      stopped = true;
      process.off('warning', onWarning);
      for (const listener of others) process.on('warning', listener);
    },
  };
}

/** Resolves once warnings emitted so far have reached their listeners (they go out on the next tick). */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
