/**
 * Sessions as files: one JSON file per record in one folder, named by the store key.
 *
 * How each guarantee of the store contract maps to the file system:
 * - create → `open(path, 'wx')` (O_CREAT|O_EXCL): EEXIST means the key is taken.
 * - update / touch / destroy → read-modify-write under a per-key lock, the new content written
 *   to a temp file in the same folder and `rename`d over the record (rename(2) is atomic on one
 *   file system, so a reader sees the old record or the new one, never half of each).
 * - The lock is two-level: a promise chain per key inside this process, plus (by default) an
 *   O_EXCL lock file `KEY.lock` with bounded retry, so several processes sharing the folder
 *   (cluster mode, PM2) still keep every parallel write. A lock file left by a crashed process
 *   is broken after `staleLockAge`.
 * - Only a 43-character base64url SHA-256 digest ever becomes a path: the key is checked
 *   before anything touches the disk, so no `..`, `/` or NUL can get in.
 *
 * Costs to know: `listByUser`, `destroyByUser`, `stats` and `clearExpired` read every file in
 * the folder (O(sessions)). That is fine for thousands of sessions on one machine; for more,
 * or for many machines, use a server store (sqlite, postgres, redis).
 */
import { mkdir, open, opendir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { SessionError } from '../core/errors.js';
import { STORE_KEY_PATTERN } from '../core/session-id.js';
import { isSessionRecord } from '../core/record.js';
import { applyChange, type ClearExpiredOptions, type SessionChange, type SessionRecord, type SessionStore, type StoreStats, type UserSessionInfo } from '../core/store.js';

/**
 * Options of `new FileStore()`.
 *
 * @example
 * new FileStore({ directory: './data/sessions', durable: true, lockTimeout: 1000 });
 */
export interface FileStoreOptions {
  /** The folder that holds the session files; created on first write. */
  directory: string;
  /**
   * Also take an O_EXCL lock file per write, so several processes can share the folder safely.
   * Default true. With false, only writes within this process are serialized.
   */
  crossProcessLock?: boolean;
  /** Longest wait for a busy lock file, in ms, before the call fails with ERR_STORE_UNAVAILABLE. Default 2000. */
  lockTimeout?: number;
  /** A lock file older than this (ms) was left by a crashed process and is removed. Default 10,000. */
  staleLockAge?: number;
  /** fsync each file before it is renamed into place (survives power loss; slower). Default false. */
  durable?: boolean;
  /** Receives a warning for each unreadable session file. Default `console`. */
  logger?: Pick<Console, 'warn'>;
}

/** Temp files, lock files and unreadable records older than this are debris (ms). */
const DEBRIS_AGE = 60_000;
/** Files read at once during a scan: enough to keep the disk busy, few enough to bound memory. */
const SCAN_CONCURRENCY = 32;
const FORMAT_VERSION = 1;

interface StoredFile extends SessionRecord {
  v: number;
  key: string;
}

type ReadResult = { record: SessionRecord } | { garbage: true } | null;

/**
 * A session store in a folder of JSON files. No server, no dependency.
 *
 * @example
 * import { FileStore } from 'cloakroom/stores/file';
 * const store = new FileStore({ directory: './data/sessions' });
 * const sessions = new SessionManager({ store, secrets: process.env.SESSION_SECRET! });
 */
export class FileStore implements SessionStore {
  readonly name: string;
  readonly directory: string;
  readonly #crossProcessLock: boolean;
  readonly #lockTimeout: number;
  readonly #staleLockAge: number;
  readonly #durable: boolean;
  readonly #logger: Pick<Console, 'warn'>;
  readonly #chains = new Map<string, Promise<void>>();
  #ready: Promise<void> | undefined;

  constructor({ directory, crossProcessLock = true, lockTimeout = 2000, staleLockAge = 10_000, durable = false, logger = console }: FileStoreOptions) {
    if (typeof directory !== 'string' || directory.length === 0) {
      throw new SessionError('ERR_SESSION_CONFIG', 'FileStore needs a directory.');
    }
    this.directory = resolve(directory);
    this.name = `file:${directory}`;
    this.#crossProcessLock = crossProcessLock;
    this.#lockTimeout = lockTimeout;
    this.#staleLockAge = staleLockAge;
    this.#durable = durable;
    this.#logger = logger;
  }

  /**
   * Creates the folder and proves it writable (a probe file is written and removed). Call it at
   * startup to fail fast with `ERR_STORE_UNAVAILABLE`; every other method works without it.
   */
  async ready(): Promise<void> {
    await this.#ensureDirectory();
    const probe = join(this.directory, `.ready.${randomBytes(6).toString('hex')}.tmp`);
    try {
      await writeFile(probe, '', { flag: 'wx' });
      await unlink(probe);
    } catch (err) {
      throw this.#unavailable('write to its folder', err);
    }
  }

  async get(key: string, now: number): Promise<SessionRecord | null> {
    if (!STORE_KEY_PATTERN.test(key)) return null; // nothing but a digest is ever stored
    const found = await this.#read(key);
    if (found === null || 'garbage' in found) return null;
    return found.record.expiresAt > now ? found.record : null;
  }

  async create(key: string, record: SessionRecord): Promise<boolean> {
    assertKey(key);
    await this.#ensureDirectory();
    return this.#withLock(key, async () => {
      const path = this.#path(key);
      let handle;
      try {
        handle = await open(path, 'wx');
      } catch (err) {
        if (codeOf(err) !== 'EEXIST') throw this.#unavailable('create', err);
        // Taken. An expired or unreadable leftover under the same key may be replaced.
        const existing = await this.#read(key);
        if (existing !== null && 'record' in existing && existing.record.expiresAt > Date.now()) return false;
        await this.#writeAtomic(key, record);
        return true;
      }
      try {
        await handle.writeFile(serialize(key, record));
        if (this.#durable) await handle.sync();
        await handle.close();
      } catch (err) {
        await handle.close().catch(() => undefined);
        await unlink(path).catch(() => undefined); // never leave a half-written record behind
        throw this.#unavailable('create', err);
      }
      return true;
    });
  }

  async update(key: string, change: SessionChange, now: number): Promise<boolean> {
    if (!STORE_KEY_PATTERN.test(key)) return false;
    await this.#ensureDirectory();
    return this.#withLock(key, async () => {
      const found = await this.#read(key);
      if (found === null || 'garbage' in found || found.record.expiresAt <= now) return false;
      const record = found.record;
      record.data = applyChange(record.data, change);
      record.expiresAt = change.expiresAt;
      record.lastSeenAt = change.lastSeenAt;
      if (change.userId !== undefined) record.userId = change.userId;
      await this.#writeAtomic(key, record);
      return true;
    });
  }

  async touch(key: string, expiresAt: number, lastSeenAt: number, now: number): Promise<boolean> {
    if (!STORE_KEY_PATTERN.test(key)) return false;
    await this.#ensureDirectory();
    return this.#withLock(key, async () => {
      const found = await this.#read(key);
      if (found === null || 'garbage' in found || found.record.expiresAt <= now) return false;
      await this.#writeAtomic(key, { ...found.record, expiresAt, lastSeenAt });
      return true;
    });
  }

  async destroy(key: string): Promise<void> {
    if (!STORE_KEY_PATTERN.test(key)) return;
    await this.#ensureDirectory();
    // Under the lock: an update that read the record before this unlink must not rename it back.
    await this.#withLock(key, () => this.#unlink(key));
  }

  async clearExpired(now: number, { batchSize = 1000, onProgress }: ClearExpiredOptions = {}): Promise<number> {
    let deleted = 0;
    for await (const batch of this.#scan(batchSize)) {
      await eachLimited(batch.keys, async (key) => {
        const found = await this.#read(key);
        if (found === null) return; // removed while we scanned
        if ('record' in found && found.record.expiresAt > now) return;
        if ('garbage' in found && !(await this.#olderThan(key, DEBRIS_AGE))) return; // maybe being created
        const removed = await this.#withLock(key, async () => {
          const again = await this.#read(key); // a touch may have renewed it since the first read
          if (again === null) return false;
          if ('record' in again && again.record.expiresAt > now) return false;
          await this.#unlink(key);
          return true;
        });
        if (removed) deleted++;
      });
      await eachLimited(batch.debris, async (file) => {
        const path = join(this.directory, file);
        if (await olderThan(path, Math.max(DEBRIS_AGE, this.#staleLockAge))) await unlink(path).catch(() => undefined);
      });
      onProgress?.(deleted);
    }
    return deleted;
  }

  async listByUser(userId: string, now: number): Promise<UserSessionInfo[]> {
    const out: UserSessionInfo[] = [];
    await this.#eachRecord((key, r) => {
      if (r.userId === userId && r.expiresAt > now) {
        out.push({ key, createdAt: r.createdAt, lastSeenAt: r.lastSeenAt, expiresAt: r.expiresAt, userAgent: r.userAgent });
      }
    });
    return out.sort((a, b) => b.lastSeenAt - a.lastSeenAt);
  }

  async destroyByUser(userId: string, exceptKey?: string): Promise<number> {
    const keys: string[] = [];
    await this.#eachRecord((key, r) => {
      if (r.userId === userId && key !== exceptKey) keys.push(key);
    });
    await eachLimited(keys, (key) => this.destroy(key));
    return keys.length;
  }

  async stats(now: number): Promise<StoreStats> {
    let live = 0;
    let expired = 0;
    for await (const batch of this.#scan(1000)) {
      await eachLimited(batch.keys, async (key) => {
        const found = await this.#read(key);
        if (found === null) return; // removed while we scanned
        if ('record' in found && found.record.expiresAt > now) live++;
        else expired++; // unreadable files are counted (and later removed) with the expired ones
      });
    }
    return { live, expired };
  }

  async close(): Promise<void> {
    // Let writes in flight finish so a closing process does not leave lock files behind.
    await Promise.all([...this.#chains.values()]);
  }

  // ---- internals ---------------------------------------------------------------

  #path(key: string): string {
    return join(this.directory, key);
  }

  #ensureDirectory(): Promise<void> {
    this.#ready ??= mkdir(this.directory, { recursive: true }).then(
      () => undefined,
      (err) => {
        this.#ready = undefined; // try again next time: the disk may be fixed by then
        throw this.#unavailable('create the folder', err);
      },
    );
    return this.#ready;
  }

  /** The record, `{ garbage }` for an unreadable file, or null when there is no file. */
  async #read(key: string): Promise<ReadResult> {
    let text: string;
    try {
      text = await readFile(this.#path(key), 'utf8');
    } catch (err) {
      if (codeOf(err) === 'ENOENT') return null;
      throw this.#unavailable('read', err);
    }
    const record = parseRecord(text, key);
    if (record === null) {
      // A truncated or edited file is an empty session, never a 500 (Django logs it as suspicious too).
      this.#logger.warn(`[cloakroom] ${this.name}: session file ${key} is not a valid record; treated as no session.`);
      return { garbage: true };
    }
    return { record };
  }

  async #writeAtomic(key: string, record: SessionRecord): Promise<void> {
    // Same folder as the target: rename(2) is only atomic within one file system.
    const temp = join(this.directory, `.${key}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      if (this.#durable) {
        const handle = await open(temp, 'wx');
        try {
          await handle.writeFile(serialize(key, record));
          await handle.sync();
        } finally {
          await handle.close();
        }
      } else {
        await writeFile(temp, serialize(key, record), { flag: 'wx' });
      }
      await rename(temp, this.#path(key));
    } catch (err) {
      await unlink(temp).catch(() => undefined);
      throw this.#unavailable('write', err);
    }
  }

  async #unlink(key: string): Promise<void> {
    try {
      await unlink(this.#path(key));
    } catch (err) {
      if (codeOf(err) !== 'ENOENT') throw this.#unavailable('delete', err);
    }
  }

  async #olderThan(key: string, age: number): Promise<boolean> {
    return olderThan(this.#path(key), age);
  }

  /** Runs `fn` while holding the key's in-process lock and, if enabled, its lock file. */
  async #withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.#chains.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const tail = previous.then(() => mine);
    this.#chains.set(key, tail);
    await previous;
    try {
      return this.#crossProcessLock ? await this.#withLockFile(key, fn) : await fn();
    } finally {
      release();
      if (this.#chains.get(key) === tail) this.#chains.delete(key);
    }
  }

  async #withLockFile<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const lockPath = `${this.#path(key)}.lock`;
    const deadline = Date.now() + this.#lockTimeout;
    let delay = 1;
    for (;;) {
      try {
        await (await open(lockPath, 'wx')).close();
        break;
      } catch (err) {
        if (codeOf(err) !== 'EEXIST') throw this.#unavailable('lock', err);
      }
      if (await olderThan(lockPath, this.#staleLockAge)) {
        // Left by a process that died while holding it: writes take milliseconds, not seconds.
        await unlink(lockPath).catch(() => undefined);
        continue;
      }
      if (Date.now() >= deadline) {
        throw new SessionError('ERR_STORE_UNAVAILABLE', `Session store ${this.name}: lock file for one session stayed busy for ${this.#lockTimeout} ms.`);
      }
      // Jittered exponential backoff keeps many waiters from retrying in lockstep.
      await new Promise((r) => setTimeout(r, delay + Math.random() * delay));
      delay = Math.min(delay * 2, 20);
    }
    try {
      return await fn();
    } finally {
      await unlink(lockPath).catch(() => undefined);
    }
  }

  /** The folder's names in batches: record keys, and debris (temp and lock files). */
  async *#scan(batchSize: number): AsyncGenerator<{ keys: string[]; debris: string[] }> {
    const size = Math.max(1, Math.floor(batchSize));
    let dir;
    try {
      dir = await opendir(this.directory, { bufferSize: Math.min(size, 1024) });
    } catch (err) {
      if (codeOf(err) === 'ENOENT') return; // nothing written yet
      throw this.#unavailable('list', err);
    }
    let batch = { keys: [] as string[], debris: [] as string[] };
    try {
      for await (const entry of dir) {
        if (!entry.isFile()) continue;
        if (STORE_KEY_PATTERN.test(entry.name)) batch.keys.push(entry.name);
        else if (entry.name.endsWith('.tmp') || entry.name.endsWith('.lock')) batch.debris.push(entry.name);
        if (batch.keys.length >= size) {
          yield batch;
          batch = { keys: [], debris: [] };
        }
      }
    } catch (err) {
      throw this.#unavailable('list', err);
    }
    if (batch.keys.length > 0 || batch.debris.length > 0) yield batch;
  }

  async #eachRecord(fn: (key: string, record: SessionRecord) => void): Promise<void> {
    for await (const batch of this.#scan(1000)) {
      await eachLimited(batch.keys, async (key) => {
        const found = await this.#read(key);
        if (found !== null && 'record' in found) fn(key, found.record);
      });
    }
  }

  #unavailable(action: string, err: unknown): SessionError {
    if (err instanceof SessionError) return err;
    const code = codeOf(err) ?? 'unknown error';
    return new SessionError('ERR_STORE_UNAVAILABLE', `Session store ${this.name} could not ${action} (${code}): ${(err as Error)?.message ?? err}`, {
      cause: err,
    });
  }
}

function assertKey(key: string): void {
  if (typeof key !== 'string' || !STORE_KEY_PATTERN.test(key)) {
    // Only the core's SHA-256 digests may become file names; anything else is a caller bug.
    throw new SessionError('ERR_STORE_KEY', 'FileStore keys must be 43-character base64url SHA-256 digests (storeKeyFor(id)).');
  }
}

function serialize(key: string, record: SessionRecord): string {
  const stored: StoredFile = {
    v: FORMAT_VERSION,
    key,
    data: record.data,
    expiresAt: record.expiresAt,
    createdAt: record.createdAt,
    lastSeenAt: record.lastSeenAt,
    userId: record.userId,
    userAgent: record.userAgent,
  };
  return JSON.stringify(stored);
}

/**
 * The record in `text`, or null for anything that is not exactly what `serialize` writes.
 *
 * @example
 * parseRecord(await readFile(path, 'utf8'), key); // the record, or null
 */
export function parseRecord(text: string, key: string): SessionRecord | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Partial<StoredFile>;
  // The key inside guards against case-insensitive file systems, where two keys could share a file.
  if (v.v !== FORMAT_VERSION || v.key !== key) return null;
  const record = { data: v.data, expiresAt: v.expiresAt, createdAt: v.createdAt, lastSeenAt: v.lastSeenAt, userId: v.userId, userAgent: v.userAgent };
  if (!isSessionRecord(record)) return null;
  return { ...record, data: Object.assign(Object.create(null) as Record<string, string>, record.data) };
}

function codeOf(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

async function olderThan(path: string, age: number): Promise<boolean> {
  try {
    return Date.now() - (await stat(path)).mtimeMs > age;
  } catch {
    return false; // gone already
  }
}

/** Runs `fn` over `items`, at most SCAN_CONCURRENCY at a time. */
async function eachLimited<T>(items: readonly T[], fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(SCAN_CONCURRENCY, items.length) }, worker));
}
