/**
 * Sessions in Cloudflare Durable Objects: one object per session, so each session has one
 * writer at a time and reads its own writes everywhere (what KV cannot give, see
 * docs/RUNTIMES.md). The object's storage calls are serialized by its input gates, so every
 * operation below runs alone:
 * - create: refuses a key whose record is live; update and touch refuse a record that is gone
 *   or expired (a logout is never undone); update applies only the change (`applyChange`).
 * - an alarm at `expiresAt` deletes the object's record, so expiry needs no sweep.
 * A directory object (one per namespace) indexes keys and their users for listing, revoking and
 * counting; it is written on create, on a user (un)binding and on destroy, never on a plain
 * read or write, and each entry is checked against its session object before it is used.
 */
import { SessionError } from '../core/errors.js';
import { isLiveSessionRecord, isSessionRecord } from '../core/record.js';
import { applyChange, type ClearExpiredOptions, type SessionChange, type SessionRecord, type SessionStore, type StoreStats, type UserSessionInfo } from '../core/store.js';
import { storeUnavailable } from './sql-shared.js';

/**
 * A Durable Object namespace binding, as much of it as the store uses (`DurableObjectNamespace`).
 *
 * @example
 * new DurableObjectStore({ namespace: env.SESSIONS });
 */
export interface DurableObjectNamespaceLike {
  /** The id of the object named `name`. */
  idFromName(name: string): unknown;
  /** A stub for that object. */
  get(id: never): {
    /** Sends one request to the object. */
    fetch(url: string, init: RequestInit): Promise<Response>;
  };
}

/** A Durable Object's storage, as much of it as `SessionObject` uses. */
interface StorageLike {
  get<T>(key: string): Promise<T | undefined>;
  put(key: string, value: unknown): Promise<void>;
  delete(key: string): Promise<boolean>;
  deleteAll(): Promise<void>;
  list<T>(options: { prefix: string }): Promise<Map<string, T>>;
  setAlarm(time: number): Promise<void>;
  deleteAlarm(): Promise<void>;
}

/** The user each indexed session key was bound to (null: none). */
type Directory = Array<[key: string, userId: string | null]>;

const RECORD = 'record';
const ENTRY = 'key:';
const DIRECTORY = 'cloakroom:directory';

/**
 * The Durable Object class behind `DurableObjectStore`. Export it from your Worker and bind it
 * (wrangler.toml `[[durable_objects.bindings]] name = "SESSIONS", class_name = "SessionObject"`).
 * It speaks a small JSON protocol over `fetch`; only the store calls it.
 *
 * @example
 * export { SessionObject } from 'cloakroom/stores/durable-object';
 */
export class SessionObject {
  readonly #storage: StorageLike;

  /** Called by the runtime with the object's state. */
  constructor(state: { storage: StorageLike }) {
    this.#storage = state.storage;
  }

  /** One operation: `POST /<op>` with a JSON body; answers JSON. */
  async fetch(request: Request): Promise<Response> {
    const op = new URL(request.url).pathname.slice(1);
    const body = (await request.json()) as Record<string, unknown>;
    return Response.json(await this.#run(op, body));
  }

  /** Deletes the record once it has expired (an alarm is set at every new expiry). */
  async alarm(): Promise<void> {
    const record = await this.#storage.get<SessionRecord>(RECORD);
    if (record && record.expiresAt > Date.now()) await this.#storage.setAlarm(record.expiresAt);
    else await this.#storage.deleteAll();
  }

  async #run(op: string, a: Record<string, unknown>): Promise<unknown> {
    const s = this.#storage;
    const now = a.now as number;
    const live = async () => {
      const record = await s.get<SessionRecord>(RECORD);
      return isLiveSessionRecord(record, now) ? record : null;
    };
    const save = async (record: SessionRecord) => {
      await s.put(RECORD, record);
      await s.setAlarm(record.expiresAt);
    };
    switch (op) {
      case 'get':
        return live();
      case 'create': {
        if (await live()) return false;
        const record = a.record as SessionRecord;
        if (!isSessionRecord(record)) throw new Error('not a session record');
        await save(record);
        return true;
      }
      case 'update': {
        const record = await live();
        if (!record) return false;
        const change = a.change as SessionChange;
        await save({
          ...record,
          data: applyChange(record.data, change),
          expiresAt: change.expiresAt,
          lastSeenAt: change.lastSeenAt,
          userId: change.userId === undefined ? record.userId : change.userId,
        });
        return true;
      }
      case 'touch': {
        const record = await live();
        if (!record) return false;
        await save({ ...record, expiresAt: a.expiresAt as number, lastSeenAt: a.lastSeenAt as number });
        return true;
      }
      case 'destroy':
        await s.deleteAlarm();
        await s.deleteAll();
        return true;
      case 'state': {
        // For the directory's users: the record's times and user, and whether it has expired.
        const record = await s.get<SessionRecord>(RECORD);
        if (!record) return null;
        return { expired: record.expiresAt <= now, userId: record.userId, createdAt: record.createdAt, lastSeenAt: record.lastSeenAt, expiresAt: record.expiresAt, userAgent: record.userAgent };
      }
      case 'index':
        await s.put(ENTRY + (a.key as string), a.userId ?? null);
        return true;
      case 'unindex':
        await s.delete(ENTRY + (a.key as string));
        return true;
      case 'entries':
        return [...(await s.list<string | null>({ prefix: ENTRY })).entries()].map(([k, userId]) => [k.slice(ENTRY.length), userId]);
      default:
        throw new Error(`unknown operation ${op}`);
    }
  }
}

/**
 * Options of `new DurableObjectStore()`.
 *
 * @example
 * new DurableObjectStore({ namespace: env.SESSIONS });
 */
export interface DurableObjectStoreOptions {
  /** The binding of the `SessionObject` class (`env.SESSIONS`). */
  namespace: DurableObjectNamespaceLike;
}

interface SessionState {
  expired: boolean;
  userId: string | null;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
  userAgent: string | null;
}

/**
 * A `SessionStore` on Durable Objects: one `SessionObject` per session key, one directory object
 * for listings and counts. Listing, revoking and counting read every indexed session's object:
 * fine for one user's sessions, linear in all sessions for `stats` and `clearExpired` (alarms
 * already delete expired records, so `clearExpired` only tidies the directory).
 *
 * @example
 * import { DurableObjectStore, SessionObject } from 'cloakroom/stores/durable-object';
 * export { SessionObject };
 * const store = new DurableObjectStore({ namespace: env.SESSIONS });
 */
export class DurableObjectStore implements SessionStore {
  readonly name = 'durable-object:';
  readonly #namespace: DurableObjectNamespaceLike;

  constructor({ namespace }: DurableObjectStoreOptions) {
    if (!namespace || typeof namespace.idFromName !== 'function' || typeof namespace.get !== 'function') {
      throw new SessionError('ERR_SESSION_CONFIG', 'DurableObjectStore needs a Durable Object namespace binding of SessionObject (env.SESSIONS).');
    }
    this.#namespace = namespace;
  }

  async #call<T>(name: string, op: string, body: Record<string, unknown>): Promise<T> {
    let response: Response;
    try {
      const stub = this.#namespace.get(this.#namespace.idFromName(name) as never);
      response = await stub.fetch(`https://session-object/${op}`, { method: 'POST', body: JSON.stringify(body) });
    } catch (err) {
      throw storeUnavailable(this.name, err);
    }
    if (!response.ok) throw storeUnavailable(this.name, new Error(`${op} answered ${response.status}: ${(await response.text()).slice(0, 200)}`));
    return (await response.json()) as T;
  }

  #session<T>(key: string, op: string, body: Record<string, unknown> = {}): Promise<T> {
    return this.#call<T>(`session:${key}`, op, body);
  }

  #index(key: string, userId: string | null): Promise<boolean> {
    return this.#call(DIRECTORY, 'index', { key, userId });
  }

  #unindex(key: string): Promise<boolean> {
    return this.#call(DIRECTORY, 'unindex', { key });
  }

  /** Every indexed key with the state of its object (null: gone). */
  async #states(now: number, userId?: string): Promise<Array<[string, SessionState | null]>> {
    const entries = await this.#call<Directory>(DIRECTORY, 'entries', {});
    const wanted = userId === undefined ? entries : entries.filter(([, u]) => u === userId);
    return Promise.all(wanted.map(async ([key]) => [key, await this.#session<SessionState | null>(key, 'state', { now })] as [string, SessionState | null]));
  }

  /** Nothing to prepare: objects are created on first use. */
  async ready(): Promise<void> {}

  get(key: string, now: number): Promise<SessionRecord | null> {
    return this.#session(key, 'get', { now });
  }

  async create(key: string, record: SessionRecord): Promise<boolean> {
    const created = await this.#session<boolean>(key, 'create', { record, now: Date.now() });
    if (created) await this.#index(key, record.userId);
    return created;
  }

  async update(key: string, change: SessionChange, now: number): Promise<boolean> {
    const updated = await this.#session<boolean>(key, 'update', { change, now });
    if (updated && change.userId !== undefined) await this.#index(key, change.userId);
    return updated;
  }

  touch(key: string, expiresAt: number, lastSeenAt: number, now: number): Promise<boolean> {
    return this.#session(key, 'touch', { expiresAt, lastSeenAt, now });
  }

  async destroy(key: string): Promise<void> {
    await this.#session(key, 'destroy');
    await this.#unindex(key);
  }

  async clearExpired(now: number, { batchSize = 1000, onProgress }: ClearExpiredOptions = {}): Promise<number> {
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new SessionError('ERR_SESSION_CONFIG', `clearExpired batchSize must be a positive integer, got ${batchSize}.`);
    const states = await this.#states(now);
    let deleted = 0;
    for (let i = 0; i < states.length; i += batchSize) {
      for (const [key, state] of states.slice(i, i + batchSize)) {
        if (state !== null && !state.expired) continue;
        if (state !== null) {
          await this.#session(key, 'destroy');
          deleted++;
        }
        await this.#unindex(key);
      }
      onProgress?.(deleted);
    }
    return deleted;
  }

  async listByUser(userId: string, now: number): Promise<UserSessionInfo[]> {
    return (await this.#states(now, userId))
      .filter((entry): entry is [string, SessionState] => entry[1] !== null && !entry[1].expired && entry[1].userId === userId)
      .map(([key, s]) => ({ key, createdAt: s.createdAt, lastSeenAt: s.lastSeenAt, expiresAt: s.expiresAt, userAgent: s.userAgent }))
      .sort((a, b) => b.lastSeenAt - a.lastSeenAt);
  }

  async destroyByUser(userId: string, exceptKey?: string): Promise<number> {
    let removed = 0;
    for (const [key, state] of await this.#states(Date.now(), userId)) {
      if (key === exceptKey || state === null || state.userId !== userId) continue;
      await this.destroy(key);
      removed++;
    }
    return removed;
  }

  async stats(now: number): Promise<StoreStats> {
    let live = 0;
    let expired = 0;
    for (const [, state] of await this.#states(now)) {
      if (state === null) continue;
      if (state.expired) expired++;
      else live++;
    }
    return { live, expired };
  }

  /** Nothing to release: the binding belongs to the Worker. */
  async close(): Promise<void> {}
}
