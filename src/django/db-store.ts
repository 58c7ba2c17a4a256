/**
 * Django's `db` session backend as a cloakroom store: the `django_session` table
 * (`session_key`, `session_data`, `expire_date`) that Django's migrations created, on SQLite,
 * PostgreSQL or MySQL/MariaDB, read and written exactly as Django does. Keys are Django's raw
 * session keys (`ids`), so the cookie is Django's `sessionid` and either app can serve it.
 *
 * `update` is a locked read-modify-write (the row lock of a transaction): cloakroom's writes to
 * one session still merge key by key, but Django's own saves write the whole session back.
 */
import { SessionError } from '../core/errors.js';
import { applyChange, type ClearExpiredOptions, type SessionChange, type SessionRecord, type SessionStore, type StoreStats, type UserSessionInfo } from '../core/store.js';
import { clearInBatches } from '../stores/sql-shared.js';
import { DB_SESSION_SALT, SessionDataCodec } from './session-data.js';
import { DJANGO_SESSION_IDS } from './session-key.js';
import { recordFromDjango, reportSuspicious, type DjangoKeys, type SuspiciousHandler } from './record.js';

/** One row as a backend reads it: `session_data` and `expire_date` (epoch ms). */
export interface DjangoSessionRow {
  sessionData: string;
  expireDate: number;
}

/**
 * What each database does for the store: the SQL of Django's table in its dialect. Times are
 * epoch ms; each backend stores them as Django's database backend does.
 *
 * @example
 * const backend: DjangoSqlBackend = await sqliteBackend('./db.sqlite3', 'django_session');
 */
export interface DjangoSqlBackend {
  readonly name: string;
  /** The live row (`expire_date > now`), or null. */
  get(key: string, now: number): Promise<DjangoSessionRow | null>;
  /** INSERT; false when the key exists. */
  insert(key: string, row: DjangoSessionRow): Promise<boolean>;
  /** Under the row's lock: reads the live row, writes what `next` makes of it; false when there is none. */
  modify(key: string, now: number, next: (current: DjangoSessionRow) => DjangoSessionRow): Promise<boolean>;
  /** Moves `expire_date` of the live row; false when there is none. */
  touch(key: string, expireDate: number, now: number): Promise<boolean>;
  /** Deletes the row; a missing row is not an error. */
  delete(key: string): Promise<void>;
  /** Deletes up to `limit` rows with `expire_date < now` (Django's `clear_expired`); the number deleted. */
  clearBatch(now: number, limit: number): Promise<number>;
  /** Live (`expire_date > now`) and expired row counts. */
  stats(now: number): Promise<StoreStats>;
  /** Ends the connection or pool the backend opened. */
  close(): Promise<void>;
}

/**
 * Options of `new DjangoDbStore()`.
 *
 * @example
 * new DjangoDbStore({ backend: await djangoSqlite('./db.sqlite3'), secretKey: process.env.DJANGO_SECRET_KEY! });
 */
export interface DjangoDbStoreOptions extends DjangoKeys {
  backend: DjangoSqlBackend;
  /** Where tampered `session_data` is reported. Default: a `CloakroomSuspiciousSession` process warning. */
  onSuspicious?: SuspiciousHandler;
}

/**
 * Django's `db` (and, with a cache in front, `cached_db`) session table as a `SessionStore`.
 *
 * @example
 * import { DjangoDbStore, djangoPostgres } from 'cloakroom/django';
 * const store = new DjangoDbStore({ backend: await djangoPostgres('postgres://app@db/app'), secretKey: process.env.DJANGO_SECRET_KEY! });
 */
export class DjangoDbStore implements SessionStore {
  readonly name: string;
  readonly ids = DJANGO_SESSION_IDS;
  readonly #backend: DjangoSqlBackend;
  readonly #codec: SessionDataCodec;
  readonly #onSuspicious: SuspiciousHandler;

  constructor(options: DjangoDbStoreOptions) {
    this.#backend = options.backend;
    this.name = `django+${options.backend.name}`;
    this.#codec = new SessionDataCodec({ secretKey: options.secretKey, fallbackKeys: options.secretKeyFallbacks ?? [], salt: DB_SESSION_SALT, ...(options.now ? { now: options.now } : {}) });
    this.#onSuspicious = options.onSuspicious ?? reportSuspicious;
  }

  /** The codec signing `session_data` (shared with the cached_db store). */
  get codec(): SessionDataCodec {
    return this.#codec;
  }

  async get(key: string, now: number): Promise<SessionRecord | null> {
    const row = await this.#backend.get(key, now);
    return row === null ? null : this.recordOf(row, now);
  }

  /** @internal The record in a row, or null (reported) when its data does not verify. */
  recordOf(row: DjangoSessionRow, now: number): SessionRecord | null {
    const decoded = this.#codec.decode(row.sessionData);
    if (decoded === null) {
      this.#onSuspicious({ store: this.name, reason: 'session_data failed its signature or does not decode' });
      return null;
    }
    // Signed with a fallback key: re-signed (as Django does) on the next write.
    return recordFromDjango(decoded.data, row.expireDate, now);
  }

  create(key: string, record: SessionRecord): Promise<boolean> {
    return this.#backend.insert(key, { sessionData: this.#codec.encode(record.data), expireDate: record.expiresAt });
  }

  async update(key: string, change: SessionChange, now: number): Promise<boolean> {
    return (await this.modify(key, change, now)) !== null;
  }

  /** @internal `update`, answering the data now stored (null when the row is gone). */
  async modify(key: string, change: SessionChange, now: number): Promise<Record<string, string> | null> {
    let data: Record<string, string> | null = null;
    const found = await this.#backend.modify(key, now, (current) => {
      const decoded = this.#codec.decode(current.sessionData);
      // Unreadable stored data is what Django reads as an empty session: the change replaces it.
      data = applyChange(decoded?.data ?? {}, change);
      return { sessionData: this.#codec.encode(data), expireDate: change.expiresAt };
    });
    return found ? data : null;
  }

  touch(key: string, expiresAt: number, _lastSeenAt: number, now: number): Promise<boolean> {
    return this.#backend.touch(key, expiresAt, now);
  }

  destroy(key: string): Promise<void> {
    return this.#backend.delete(key);
  }

  /** Django's `clearsessions`: deletes rows with `expire_date < now`, in batches. */
  clearExpired(now: number, options?: ClearExpiredOptions): Promise<number> {
    return clearInBatches((limit) => this.#backend.clearBatch(now, limit), options);
  }

  /** Django keeps no per-user index: `ERR_STORE_UNSUPPORTED`. */
  async listByUser(): Promise<UserSessionInfo[]> {
    throw noUserIndex(this.name);
  }

  /** Django keeps no per-user index: `ERR_STORE_UNSUPPORTED`. */
  async destroyByUser(): Promise<number> {
    throw noUserIndex(this.name);
  }

  stats(now: number): Promise<StoreStats> {
    return this.#backend.stats(now);
  }

  close(): Promise<void> {
    return this.#backend.close();
  }
}

/**
 * The error for listing or revoking a user's sessions on a Django store.
 *
 * @example
 * throw noUserIndex('django+sqlite:./db.sqlite3');
 */
export function noUserIndex(name: string): SessionError {
  return new SessionError(
    'ERR_STORE_UNSUPPORTED',
    `${name}: Django's session backends keep no index of a user's sessions, so they cannot be listed or revoked by user.`,
  );
}
