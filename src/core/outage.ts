/**
 * Whether a store is down, as the manager's calls see it: the first failure after an answer
 * begins an outage, the first answer after failures ends it. One report each way, however
 * many requests fail in between (a flapping store reports each flap, which is what happened).
 *
 * The same rule, and the same events, hold for the store as a whole and for each tier a store
 * reports on (a tiered store's cache): `StoreHealth` is made once per place, with the place's
 * fields, so there is one statement of what an outage is and of what it prints.
 */
import type { SessionEvents } from './events.js';

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

/** @internal Which store an event is about, and which of its tiers (none: the store as a whole). */
export interface StorePlace {
  store: string;
  tier?: string;
}

/**
 * @internal One place's calls as events: each failure (`store.failed`, debug) and the outage
 * machine's transitions (`store.outage-began`, `store.outage-ended`), with the place's fields.
 */
export class StoreHealth {
  readonly #state = new OutageState();
  readonly #place: StorePlace;
  readonly #events: SessionEvents;
  readonly #now: () => number;

  constructor(place: StorePlace, events: SessionEvents, now: () => number) {
    this.#place = place;
    this.#events = events;
    this.#now = now;
  }

  get down(): boolean {
    return this.#state.down;
  }

  /** A call failed with `error` (the driver's words); a timeout was already reported as such. */
  failed(error: string, timedOut = false): void {
    if (!timedOut) this.#events.emit('store.failed', undefined, { ...this.#place, error });
    if (this.#state.failed(this.#now())) this.#events.emit('store.outage-began', undefined, { ...this.#place, error });
  }

  /** A call answered: reports the end of an outage, if there was one. Cheap while up. */
  answered(): void {
    if (!this.#state.down) return;
    const end = this.#state.answered(this.#now());
    if (end) this.#events.emit('store.outage-ended', undefined, { ...this.#place, ...end });
  }
}
