/**
 * The one way cloakroom bounds a wait: a store call, a connection becoming ready, a store
 * being created by the CLI. The timer is not unref'd on purpose: a pending call must end in
 * an answer (a 503), not vanish with the process.
 */

const asIs = (reason: unknown): unknown => reason;

/**
 * Resolves like `promise`, rejects with `failure(reason)` when it rejects, or rejects with
 * `error()` once `ms` have passed. Mapping the failure here spares the caller a `catch` layer:
 * each promise layer is one more microtask hop on every store call.
 *
 * @example
 * await withDeadline(store.get(key, now), 1000, () => new SessionError('ERR_STORE_UNAVAILABLE', 'no answer'), toStoreFailure);
 */
export function withDeadline<T>(promise: Promise<T>, ms: number, error: () => Error, failure: (reason: unknown) => unknown = asIs): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    // A timer per call, not a shared watchdog: bench/deadline.ts measured the watchdog no faster, and in-process stores never get here.
    const timer = setTimeout(() => reject(error()), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(failure(err));
      },
    );
  });
}
