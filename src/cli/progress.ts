/**
 * A one-line progress bar for a terminal, without a dependency. It draws only on a TTY and
 * only once the work has run for `delay` ms (short jobs print just their final line), redraws
 * at most every `interval` ms, and erases itself when done so the final line stands alone.
 */
export interface ProgressBarOptions {
  /** The expected total, or undefined when unknown (a counter is drawn instead of a bar). */
  total?: number | undefined;
  /** What is counted, e.g. "expired sessions deleted". */
  label: string;
  /** ms before the first draw. Default 250. */
  delay?: number;
  /** Minimum ms between redraws. Default 100. */
  interval?: number;
  /** Bar width in characters. Default 30. */
  width?: number;
  /** Injectable clock for tests. */
  now?: () => number;
}

/** The part of a stream the bar needs: `process.stderr` fits. */
export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

/**
 * @example
 * const bar = new ProgressBar(process.stderr, { total: 120_000, label: 'expired sessions deleted' });
 * await store.clearExpired(Date.now(), { onProgress: (n) => bar.update(n) });
 * bar.done();
 */
export class ProgressBar {
  readonly #stream: ProgressStream;
  readonly #total: number | undefined;
  readonly #label: string;
  readonly #delay: number;
  readonly #interval: number;
  readonly #width: number;
  readonly #now: () => number;
  readonly #started: number;
  #lastDraw = -Infinity;
  #drawn = false;

  constructor(stream: ProgressStream, { total, label, delay = 250, interval = 100, width = 30, now = Date.now }: ProgressBarOptions) {
    this.#stream = stream;
    this.#total = total !== undefined && total > 0 ? total : undefined;
    this.#label = label;
    this.#delay = delay;
    this.#interval = interval;
    this.#width = width;
    this.#now = now;
    this.#started = now();
  }

  /** Reports `done` units so far; draws when due. */
  update(done: number): void {
    if (!this.#stream.isTTY) return;
    const t = this.#now();
    if (t - this.#started < this.#delay || t - this.#lastDraw < this.#interval) return;
    this.#lastDraw = t;
    this.#drawn = true;
    // \r returns to column 0; \x1b[K erases what a longer previous line left behind.
    this.#stream.write(`\r${this.render(done, t)}\x1b[K`);
  }

  /** Erases the bar (if it was drawn), leaving the cursor at the start of a clean line. */
  done(): void {
    if (this.#drawn) this.#stream.write('\r\x1b[K');
    this.#drawn = false;
  }

  /** The text of one frame. */
  render(done: number, at = this.#now()): string {
    const seconds = ((at - this.#started) / 1000).toFixed(1);
    const count = done.toLocaleString('en-US');
    if (this.#total === undefined) return `${count} ${this.#label} · ${seconds}s`;
    const fraction = Math.min(1, done / this.#total);
    const filled = Math.round(fraction * this.#width);
    const bar = `${'█'.repeat(filled)}${'░'.repeat(this.#width - filled)}`;
    const line = `[${bar}] ${String(Math.floor(fraction * 100)).padStart(3)}% ${count}/${this.#total.toLocaleString('en-US')} ${this.#label} · ${seconds}s`;
    const columns = this.#stream.columns ?? 0;
    return columns > 10 && line.length >= columns ? line.slice(0, columns - 1) : line;
  }
}
