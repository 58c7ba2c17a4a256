/**
 * Bounds how long a store call may take, without a timer per call: one shared watchdog
 * interval runs only while calls are pending and rejects the overdue ones. It is not unref'd
 * on purpose: a pending call must end in an answer (a 503), not vanish with the process.
 * `setTimeout` + `clearTimeout` + `Promise.race` per call cost more than the memory store's
 * whole lookup on the read path; this costs one Set insert and delete.
 * A call is rejected between `ms` and `ms + tick` after it started (tick ≤ 50 ms).
 */
interface Pending {
  deadline: number;
  reject: (err: unknown) => void;
  error: () => Error;
}

const pending = new Set<Pending>();
let watchdog: NodeJS.Timeout | undefined;
let tickMs = 50;

function sweep(): void {
  const now = Date.now();
  for (const entry of pending) {
    if (entry.deadline <= now) {
      pending.delete(entry);
      entry.reject(entry.error());
    }
  }
  if (pending.size === 0 && watchdog) {
    clearInterval(watchdog);
    watchdog = undefined;
  }
}

/**
 * Resolves like `promise`, rejects with `failure(reason)` when it rejects, or rejects with
 * `error()` once `ms` have passed. Mapping the failure here spares the caller a `catch` layer:
 * each promise layer is one more microtask hop on every store call.
 */
export function withDeadline<T>(promise: Promise<T>, ms: number, error: () => Error, failure: (reason: unknown) => unknown): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const entry: Pending = { deadline: Date.now() + ms, reject, error };
    pending.add(entry);
    if (watchdog === undefined || ms < tickMs * 4) {
      tickMs = Math.max(5, Math.min(50, Math.floor(ms / 4)));
      if (watchdog) clearInterval(watchdog);
      watchdog = setInterval(sweep, tickMs);
    }
    promise.then(
      (value) => {
        pending.delete(entry);
        resolve(value);
      },
      (err: unknown) => {
        pending.delete(entry);
        reject(failure(err));
      },
    );
  });
}
