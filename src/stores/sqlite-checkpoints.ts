/**
 * WAL checkpoints off the event loop, for `SqliteStore({ checkpoints: 'worker' })`.
 *
 * SQLite's auto-checkpoint runs on the connection that commits the transaction crossing 1,000
 * WAL pages: there it copies the pages into the database file and fsyncs it, and with
 * better-sqlite3 that happens inside a request's synchronous write: that checkpoint is SQLite's
 * write tail latency. Run by another connection every `checkpointInterval` instead, it leaves
 * the writer's tail far shorter (measured side by side in docs/DESIGN-NOTES.md).
 *
 * The WAL file is reused from its start only when a write begins after a checkpoint that left
 * nothing behind. Under writes with no pause between them that moment may not come, and the WAL
 * then grows to the safety net (10,000 pages, ~40 MB) before the store's own connection restarts
 * it; that checkpoint is cheap, the worker having copied the pages already.
 */
import { createRequire } from 'node:module';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';

/** WAL pages before the store's own connection checkpoints anyway: the safety net if the worker lags or dies. */
export const SAFETY_NET_PAGES = 10_000;
/** SQLite's default auto-checkpoint, restored when the worker is gone. */
const SQLITE_DEFAULT_PAGES = 1000;

// CommonJS, evaluated in the worker: no file to ship beside the compiled module, the same under
// tsx and in dist. PASSIVE never waits for readers or the writer; it copies what it can.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
const timer = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch { /* busy or transient: the next round retries */ }
}, workerData.interval);
parentPort.once('message', () => { clearInterval(timer); db.close(); parentPort.close(); });
`;

/**
 * A worker thread with its own connection to `path` that checkpoints the WAL every `interval`
 * ms, while `db` (the store's connection) checkpoints only past `SAFETY_NET_PAGES`. If the worker
 * fails or exits unasked, `db` goes back to SQLite's default auto-checkpoint.
 *
 * @example
 * const checkpoints = BackgroundCheckpoints.start(db, './data/sessions.db', 100);
 * await checkpoints?.close(); // before db.close()
 */
export class BackgroundCheckpoints {
  readonly #worker: Worker;
  /** Settles when the worker has exited, asked to or not (a crashed worker must not hang `close()`). */
  readonly #exited: Promise<unknown>;
  #closing = false;

  /**
   * Starts the worker; undefined (and `db` left checkpointing inline) where no worker can be
   * started, e.g. a bundle in which better-sqlite3 cannot be resolved by path.
   */
  static start(db: Database.Database, path: string, interval: number): BackgroundCheckpoints | undefined {
    let worker: Worker;
    try {
      const driver = createRequire(import.meta.url).resolve('better-sqlite3');
      worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { driver, path, interval } });
    } catch {
      return undefined;
    }
    return new BackgroundCheckpoints(db, worker);
  }

  private constructor(db: Database.Database, worker: Worker) {
    db.pragma(`wal_autocheckpoint = ${SAFETY_NET_PAGES}`);
    this.#worker = worker;
    // A background helper: it must not keep the process alive.
    worker.unref();
    this.#exited = once(worker, 'exit').catch(() => undefined);
    const fallBack = () => {
      if (!this.#closing && db.open) db.pragma(`wal_autocheckpoint = ${SQLITE_DEFAULT_PAGES}`);
    };
    worker.on('error', fallBack);
    worker.on('exit', fallBack);
  }

  /** Stops the worker (its connection closed cleanly); terminated if it does not stop within 2 s. Call before closing `db`. */
  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    this.#worker.postMessage('close');
    const timer = setTimeout(() => void this.#worker.terminate(), 2000);
    await this.#exited;
    clearTimeout(timer);
  }
}
