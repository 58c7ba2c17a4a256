/**
 * Whether the store is down, as the manager's calls see it: the first failure after an answer
 * begins an outage, the first answer after failures ends it. One report each way, however
 * many requests fail in between (a flapping store reports each flap, which is what happened).
 */

/** @internal How an outage ended. */
export interface OutageEnd {
  durationMs: number;
  failures: number;
}

/** @internal The two-state machine behind `store.outage-began` / `store.outage-ended`. */
export class OutageState {
  #since: number | null = null;
  #failures = 0;

  /** True between a failure and the next answer: only then does an answer need reporting. */
  get down(): boolean {
    return this.#since !== null;
  }

  /** A call failed at `now`; true when this failure begins an outage. */
  failed(now: number): boolean {
    this.#failures++;
    if (this.#since !== null) return false;
    this.#since = now;
    return true;
  }

  /** A call answered at `now`; the outage it ends, or null when there was none. */
  answered(now: number): OutageEnd | null {
    if (this.#since === null) return null;
    const end = { durationMs: Math.max(0, now - this.#since), failures: this.#failures };
    this.#since = null;
    this.#failures = 0;
    return end;
  }
}
