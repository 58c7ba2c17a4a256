/**
 * Issue 3 §3 for the SQL stores: PostgreSQL and MySQL/MariaDB going away mid-traffic. The
 * machine's shared servers must not be stopped, so each store connects through a loopback TCP
 * proxy (test/helpers/tcp-proxy.ts) and the outage happens there: a hang (nothing forwarded,
 * sockets kept open) or a kill (every connection reset, new ones refused). Every request must
 * end in a bounded 503 (never a hang, a 500, an unhandled rejection or a dead process), service
 * must come back by itself when the link does, and a write in flight when the link breaks must
 * either be answered 503 or really be in the database: nothing a client was told was saved may
 * be missing. Real traffic: node:http + withSession + SessionManager over real connections;
 * the database is read back over a separate, direct connection.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import mysql from 'mysql2/promise';
import { SessionManager } from '../../src/core/manager.ts';
import { SessionError, publicMessage } from '../../src/core/errors.ts';
import { Signer } from '../../src/core/signing.ts';
import { storeKeyFor } from '../../src/core/session-id.ts';
import { withSession } from '../../src/adapters/node.ts';
import { PostgresStore } from '../../src/stores/postgres.ts';
import { MysqlStore } from '../../src/stores/mysql.ts';
import { SERVICES, serviceOrSkip, uniqueSuffix } from '../helpers/services.ts';
import { TcpProxy } from '../helpers/tcp-proxy.ts';
import { timedRequest, type Answer } from '../helpers/timed-request.ts';
import { assertWholeOutages, captureEvents } from '../helpers/observe.ts';

/*
 * The bounds below are not guesses at how slow a busy machine is (a 2-core CI runner at load 8
 * adds hundreds of ms, sometimes over a second, to a request): each is the next mechanism that
 * could have ended the request, so an answer before it proves which mechanism did.
 */
/** The store timeout of the server the hang tests use. */
const STORE_TIMEOUT = 500;
/** Connecting through a hung proxy gives up after this (pg `connectionTimeoutMillis`, mysql2 `connectTimeout`). */
const CONNECT_TIMEOUT = 6000;
/**
 * A statement unanswered this long fails and its connection is dropped (pg `query_timeout`, the
 * MySQL store's `queryTimeout`; both 10 s by default): shortened so that recovering from
 * connections lost for good takes a test seconds, not tens of seconds.
 */
const QUERY_TIMEOUT = 6000;
/** A hung link: a 503 before any driver timeout could fire came from the store timeout. */
const HANG_BOUND_MS = Math.min(CONNECT_TIMEOUT, QUERY_TIMEOUT);
/**
 * The store timeout of the server the kill tests use: as long as the driver timeouts, so that a
 * 503 before `KILL_BOUND_MS` can only come from the driver noticing the reset or the refusal.
 */
const KILL_STORE_TIMEOUT = HANG_BOUND_MS;
/** A killed link: a 503 before any timeout (the store's or the driver's) could fire. */
const KILL_BOUND_MS = KILL_STORE_TIMEOUT;
/** From the link's return to the first 200. */
const RECOVERY_BOUND_MS = 20_000;
const UNAVAILABLE_BODY = publicMessage(new SessionError('ERR_STORE_UNAVAILABLE', ''));
const SECRET = 'fault-test-secret-0123456789abcdef-0123456789';

type SqlStore = PostgresStore | MysqlStore;

/** A direct connection to the real server (not through the proxy), for reading rows back. */
interface Direct {
  /** The data column of the row with this key, parsed: `{ key: serialized value }`, or null. */
  data(key: string): Promise<Record<string, string> | null>;
  end(): Promise<void>;
}

interface Target {
  label: string;
  skip: false | string;
  upstream: { host: string; port: number };
  store(proxyPort: number, table: string): SqlStore;
  direct(table: string): Direct;
}

const targets: Target[] = [
  {
    label: 'postgres',
    skip: await serviceOrSkip('postgres'),
    upstream: SERVICES.postgres,
    store: (port, table) =>
      new PostgresStore({
        connectionString: `postgres://postgres@127.0.0.1:${port}/test`,
        table,
        poolOptions: { connectionTimeoutMillis: CONNECT_TIMEOUT, query_timeout: QUERY_TIMEOUT },
      }),
    direct: (table) => {
      const pool = new pg.Pool({ connectionString: SERVICES.postgres.url, max: 1 });
      return {
        data: async (key) => (await pool.query<{ data: Record<string, string> }>(`SELECT data FROM "${table}" WHERE key = $1`, [key])).rows[0]?.data ?? null,
        end: async () => {
          await pool.query(`DROP TABLE IF EXISTS "${table}"`);
          await pool.end();
        },
      };
    },
  },
  {
    label: 'mysql/mariadb',
    skip: await serviceOrSkip('mysql'),
    upstream: SERVICES.mysql,
    store: (port, table) =>
      new MysqlStore({ connectionString: `mysql://root@127.0.0.1:${port}/test`, table, queryTimeout: QUERY_TIMEOUT, poolOptions: { connectTimeout: CONNECT_TIMEOUT } }),
    direct: (table) => {
      const pool = mysql.createPool({ uri: SERVICES.mysql.url, connectionLimit: 1 });
      return {
        data: async (key) => {
          const [rows] = await pool.query<mysql.RowDataPacket[]>(`SELECT data FROM \`${table}\` WHERE \`key\` = ?`, [key]);
          const data: unknown = rows[0]?.data;
          if (data === undefined) return null;
          return typeof data === 'string' ? JSON.parse(data) : (data as Record<string, string>); // MariaDB: text; MySQL 8: object
        },
        end: async () => {
          await pool.query(`DROP TABLE IF EXISTS \`${table}\``);
          await pool.end();
        },
      };
    },
  },
];


const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const signer = new Signer([SECRET]);

/** The store key of the session a `name=value` cookie carries. */
function keyOf(cookie: string): string {
  const id = signer.unsign(decodeURIComponent(cookie.slice(cookie.indexOf('=') + 1)));
  assert.ok(id, 'the cookie verifies');
  return storeKeyFor(id);
}

for (const target of targets) {
  describe(`${target.label} going away mid-traffic (through a TCP proxy)`, { skip: target.skip }, () => {
    const problems: unknown[] = [];
    const onProblem = (err: unknown) => problems.push(err);
    const table = `cr_fault_${uniqueSuffix()}`;
    let proxy: TcpProxy;
    let store: SqlStore;
    let direct: Direct;
    let server: Server;
    let base: string;
    /** The same app and store behind a manager whose store timeout is `KILL_STORE_TIMEOUT`. */
    let killServer: Server;
    let killBase: string;
    let cookie: string;
    let serial = 0;
    /** The outages these tests cause on purpose, per server: asserted at the end, not printed. */
    const outages = { hang: captureEvents(), kill: captureEvents() };
    /** A token nobody else writes: the proxy spots it in the protocol bytes. */
    const token = (tag: string) => `t${tag}${++serial}x${Math.random().toString(36).slice(2, 8)}`;

    before(async () => {
      process.on('unhandledRejection', onProblem);
      process.on('uncaughtException', onProblem);
      proxy = await TcpProxy.start(target.upstream);
      store = target.store(proxy.port, table);
      await store.ready();
      direct = target.direct(table);
      const serve = async (storeTimeout: number, captured: ReturnType<typeof captureEvents>): Promise<[Server, string]> => {
        const manager = new SessionManager({ store, secrets: [SECRET], storeTimeout, ...captured.options });
        const app = createServer(
          withSession(manager, (req, res, session) => {
            const url = new URL(req.url!, 'http://x');
            if (url.pathname === '/write') session.set(url.searchParams.get('k')!, url.searchParams.get('v')!);
            res.end(`n=${session.get('n') ?? 0}`);
          }),
        );
        await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
        return [app, `http://127.0.0.1:${(app.address() as AddressInfo).port}`];
      };
      [server, base] = await serve(STORE_TIMEOUT, outages.hang);
      [killServer, killBase] = await serve(KILL_STORE_TIMEOUT, outages.kill);
    });

    after(async () => {
      try {
        for (const app of [server, killServer]) {
          app?.closeAllConnections();
          await new Promise((resolve) => app?.close(resolve));
        }
        // Let the store's pool end cleanly. A connection still stuck after a failed test is
        // reset through the proxy, so the pool ends anyway instead of hanging the run.
        await proxy?.resume();
        const closed = store?.close();
        const stuck = await Promise.race([closed?.then(() => false), new Promise<boolean>((r) => setTimeout(r, 3000, true).unref())]);
        await proxy?.close();
        if (stuck) await closed?.catch(() => {});
      } finally {
        await direct?.end();
        process.off('unhandledRejection', onProblem);
        process.off('uncaughtException', onProblem);
      }
    });

    /** A request to the hang tests' server, or with `via` to another (`killBase`). */
    const request = (path: string, withCookie: string | undefined, via = base): Promise<Answer> => timedRequest(via + path, withCookie);

    const write = (k: string, v: string, withCookie: string | undefined, via = base) =>
      request(`/write?k=${encodeURIComponent(k)}&v=${encodeURIComponent(v)}`, withCookie, via);

    /** A burst of reads (a store get), new-session writes (a create) and writes to a session (get, then update). */
    function burst(via = base): Promise<Answer[]> {
      return Promise.all([
        ...Array.from({ length: 5 }, () => request('/', cookie, via)),
        ...Array.from({ length: 5 }, () => write('new', '1', undefined, via)),
        ...Array.from({ length: 5 }, () => write('w', '1', cookie, via)),
      ]);
    }

    function assert503s(answers: Answer[], boundMs: number, label: string): number {
      for (const a of answers) {
        assert.equal(a.status, 503, `${label}: ${a.status} ${a.body}`);
        assert.equal(a.body, UNAVAILABLE_BODY);
        assert.equal(a.cookie, undefined, `${label}: no cookie on a 503`);
        assert.ok(a.ms < boundMs, `${label}: a request took ${a.ms.toFixed(0)} ms (bound ${boundMs})`);
      }
      const worst = Math.max(...answers.map((a) => a.ms));
      const best = Math.min(...answers.map((a) => a.ms));
      process.stderr.write(`# ${target.label} ${label}: ${answers.length} requests, all 503, in ${best.toFixed(0)}–${worst.toFixed(0)} ms\n`);
      return worst;
    }

    /** Polls until `path` answers 200 (only 503s before); resolves the answer. Bounded. */
    async function recovers(path: string, withCookie: string | undefined, label: string): Promise<Answer> {
      const started = performance.now();
      for (;;) {
        const a = await request(path, withCookie);
        const took = performance.now() - started;
        if (a.status === 200) {
          process.stderr.write(`# ${target.label} ${label}: first 200 after ${took.toFixed(0)} ms\n`);
          return a;
        }
        assert.equal(a.status, 503, `${label}: only 503s while recovering, got ${a.status} ${a.body}`);
        assert.ok(took < RECOVERY_BOUND_MS, `${label}: no 200 within ${RECOVERY_BOUND_MS} ms`);
        await sleep(50);
      }
    }

    it('serves normally through the proxy', async () => {
      const first = await write('n', '1', undefined);
      assert.equal(first.status, 200, first.body);
      cookie = first.cookie!;
      assert.ok(cookie);
      assert.equal((await request('/', cookie)).body, 'n=1');
      assert.deepEqual(await direct.data(keyOf(cookie)), { n: '"1"' }, 'the row is really there');
    });

    it('a hung link: every request is a 503 within the store timeout; service returns by itself when the link does', async () => {
      proxy.hang();
      try {
        const worst1 = assert503s(await burst(), HANG_BOUND_MS, 'hang round 1');
        const worst2 = assert503s(await burst(), HANG_BOUND_MS, 'hang round 2');
        // Sanity: these 503s came from the timeout, so the proxy really held the bytes.
        assert.ok(Math.min(worst1, worst2) >= STORE_TIMEOUT - 10);
      } finally {
        await proxy.resume();
      }
      const back = await recovers('/', cookie, 'after the hang');
      assert.equal(back.body, 'n=1', 'the session survived the hang');
      assert.deepEqual(problems, []);
    });

    it('a killed link (connections reset, port refusing): 503s before any timeout; the pool reconnects on its own', async () => {
      const acceptedBefore = proxy.accepted;
      await proxy.kill();
      try {
        assert503s(await burst(killBase), KILL_BOUND_MS, 'kill');
        await sleep(700); // the pool is now empty and every reconnect attempt is refused
        assert503s(await burst(killBase), KILL_BOUND_MS, 'kill +700 ms');
      } finally {
        await proxy.resume();
      }
      const back = await recovers('/', cookie, 'after the kill');
      assert.equal(back.body, 'n=1', 'the session survived the kill');
      assert.ok(proxy.accepted > acceptedBefore, 'the pool opened new connections');
      assert.deepEqual(problems, []);
    });

    /**
     * The outage hits one write at an exact protocol moment: `before` the server gets the
     * statement (the proxy sees it going out and breaks the link first) or `after` the server
     * ran it (the first reply bytes are what the proxy breaks the link on).
     */
    for (const outage of ['kill', 'hang'] as const) {
      for (const moment of ['before', 'after'] as const) {
        it(`a write in flight (${outage} ${moment} the server runs it): 503, and the database holds what is true`, async () => {
          const k = token(`${outage[0]}${moment[0]}`);
          let struckLink: number | undefined;
          let armed: number | undefined;
          const strike = () => {
            if (outage === 'kill') void proxy.kill();
            else proxy.hang();
          };
          proxy.onChunk = (chunk, direction, link) => {
            if (struckLink !== undefined) return;
            if (direction === 'toServer' && chunk.includes(k)) {
              if (moment === 'before') {
                struckLink = link;
                strike();
              } else armed = link;
            } else if (direction === 'toClient' && link === armed) {
              struckLink = link;
              strike();
            }
          };
          let answer: Answer;
          try {
            answer = await write(k, k, cookie, outage === 'kill' ? killBase : base);
          } finally {
            proxy.onChunk = undefined;
            await proxy.resume();
          }
          assert.ok(struckLink !== undefined, 'the proxy saw the write');
          assert.equal(answer.status, 503, `${answer.status} ${answer.body}`);
          assert.equal(answer.cookie, undefined);
          assert.ok(answer.ms < (outage === 'kill' ? KILL_BOUND_MS : HANG_BOUND_MS), `the 503 took ${answer.ms.toFixed(0)} ms`);
          await recovers('/', cookie, `after the ${outage} ${moment} the write`);
          const saved = (await direct.data(keyOf(cookie)))?.[k];
          process.stderr.write(`# ${target.label} write in flight, ${outage} ${moment}: 503 in ${answer.ms.toFixed(0)} ms, in the database: ${saved !== undefined}\n`);
          // kill before: the statement never reached the server. After: it ran, only the reply
          // was lost. hang before: the held statement is delivered when the link returns, so a
          // 503 does not promise "not saved", only "not confirmed".
          assert.equal(saved !== undefined, !(outage === 'kill' && moment === 'before'));
          if (saved !== undefined) assert.equal(saved, JSON.stringify(k));
          assert.deepEqual(problems, []);
        });
      }
    }

    /**
     * Several clients write without pause (to their own sessions, and new sessions) while the
     * link breaks under them after the 10th write statement. Every 200 must be in the database.
     */
    for (const outage of ['kill', 'hang'] as const) {
      it(`concurrent writers through a ${outage}: every write answered 200 is in the database; every other answer is a bounded 503`, async () => {
        const tag = token(`c${outage[0]}`);
        const via = outage === 'kill' ? killBase : base;
        const outageMs = 1200;
        const sessions: string[] = [];
        for (let i = 0; i < 4; i++) sessions.push((await write('n', '1', undefined, via)).cookie!);
        let seen = 0;
        let struckAt: number | undefined;
        proxy.onChunk = (chunk, direction) => {
          if (struckAt !== undefined || direction !== 'toServer' || !chunk.includes(tag)) return;
          if (++seen === 10) {
            struckAt = performance.now();
            if (outage === 'kill') void proxy.kill();
            else proxy.hang();
          }
        };
        const acknowledged: Array<{ cookie: string; k: string }> = [];
        const failed: Array<{ cookie: string | undefined; k: string; ms: number }> = [];
        let resumedAt: number | undefined;
        let firstOkAfterResume: number | undefined;
        let okAfterResume = 0;
        const worker = async (w: number) => {
          const started = performance.now();
          for (let j = 0; ; j++) {
            const own = w < sessions.length ? sessions[w] : undefined; // the last worker always makes a new session
            const k = `${tag}_${w}_${j}`;
            const a = await write(k, k, own, via);
            if (a.status === 200) {
              acknowledged.push({ cookie: a.cookie ?? own!, k });
              if (resumedAt !== undefined) {
                firstOkAfterResume ??= performance.now();
                if (++okAfterResume >= 10) return;
              }
            } else {
              assert.equal(a.status, 503, `${a.status} ${a.body}`);
              failed.push({ cookie: own, k, ms: a.ms });
              await sleep(10); // refused connections answer at once: no need to spin
            }
            assert.ok(performance.now() - started < RECOVERY_BOUND_MS + 5000, 'the writers never got going again');
          }
        };
        let writersDone = false;
        const writers = Promise.all(Array.from({ length: sessions.length + 1 }, (_, w) => worker(w))).finally(() => {
          writersDone = true;
        });
        try {
          while (struckAt === undefined && !writersDone) await sleep(10);
          await sleep(outageMs);
        } finally {
          proxy.onChunk = undefined;
          await proxy.resume();
          resumedAt = performance.now();
        }
        await writers;
        const bound = outage === 'kill' ? KILL_BOUND_MS : HANG_BOUND_MS;
        assert.ok(failed.length > 0, 'some writes met the outage');
        for (const f of failed) assert.ok(f.ms < bound, `a 503 took ${f.ms.toFixed(0)} ms (bound ${bound})`);
        const missing: string[] = [];
        for (const { cookie: c, k } of acknowledged) {
          if ((await direct.data(keyOf(c)))?.[k] !== JSON.stringify(k)) missing.push(k);
        }
        let landed = 0;
        for (const { cookie: c, k } of failed) if (c && (await direct.data(keyOf(c)))?.[k] !== undefined) landed++;
        process.stderr.write(
          `# ${target.label} concurrent writers through a ${outage}: ${acknowledged.length} answered 200, ${failed.length} answered 503 ` +
            `(slowest ${Math.max(...failed.map((f) => f.ms)).toFixed(0)} ms, ${landed} of them in the database anyway), ` +
            `first 200 ${(firstOkAfterResume! - resumedAt!).toFixed(0)} ms after the link returned\n`,
        );
        assert.deepEqual(missing, [], 'writes answered 200 but missing from the database');
        assert.ok(firstOkAfterResume! - resumedAt! < RECOVERY_BOUND_MS);
        assert.deepEqual(problems, []);
      });
    }

    it('a hang after which the open connections are gone for good (silently): 503s, then service returns on fresh connections', async () => {
      // Fill the pool with open connections first, so the outage catches every one of them.
      await Promise.all(Array.from({ length: 20 }, () => request('/', cookie)));
      proxy.hang();
      const hungAt = performance.now();
      try {
        assert503s(await burst(), HANG_BOUND_MS, 'hang before forget');
      } finally {
        proxy.forget();
      }
      // Before the fix, pg and mysql2 waited for ever on the lost connections: the pool stayed
      // full of them and every request was a 503 (no 200 within the 10 s bound).
      const back = await recovers('/', cookie, 'after forget');
      assert.equal(back.body, 'n=1');
      const took = performance.now() - hungAt;
      assert.ok(took < QUERY_TIMEOUT + RECOVERY_BOUND_MS, `the first 200 came ${took.toFixed(0)} ms after the hang began (query timeout ${QUERY_TIMEOUT} ms)`);
      assert.deepEqual(problems, []);
    });

    it('raised no unhandled rejection or uncaught exception, and the process is still serving', async () => {
      await sleep(100); // late rejections from statements the outages cut off
      assert.deepEqual(problems, []);
      assert.equal((await request('/', cookie)).status, 200);
      assert.equal((await request('/', cookie, killBase)).status, 200);
      // Each outage was reported once each way, and nothing else was (no warning of any other kind).
      assertWholeOutages(outages.hang.take(), 'hang tests');
      assertWholeOutages(outages.kill.take(), 'kill tests');
    });
  });
}
