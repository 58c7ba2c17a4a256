import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import mysql from 'mysql2/promise';
import { createStore, redactStoreUrl } from '../../src/stores/from-url.ts';
import { isStatelessStore, type SessionStore } from '../../src/core/store.ts';
import { MemoryStore } from '../../src/stores/memory.ts';
import { SqliteStore } from '../../src/stores/sqlite.ts';
import { FileStore } from '../../src/stores/file.ts';
import { CookieStore } from '../../src/stores/cookie.ts';
import { TieredStore } from '../../src/stores/tiered.ts';
import { SessionManager } from '../../src/core/manager.ts';
import type { SessionEvent } from '../../src/core/events.ts';
import { newStoreKey, sampleRecord } from '../../src/testing/index.ts';
import { closedPort, SERVICES, serviceOrSkip, uniqueSuffix } from '../helpers/services.ts';

const dir = mkdtempSync(join(tmpdir(), `cloakroom-url-${uniqueSuffix()}-`));
after(() => rmSync(dir, { recursive: true, force: true }));
const SECRET = 'from-url-secret-0123456789abcdef-0123456789';

async function roundTrip(store: SessionStore): Promise<void> {
  const key = newStoreKey();
  assert.equal(await store.create(key, sampleRecord({ hello: 'world' })), true);
  assert.equal((await store.get(key, Date.now()))?.data.hello, '"world"');
  await store.destroy(key);
}

describe('createStore(url)', () => {
  it('memory:', async () => {
    const store = await createStore('memory:');
    assert.ok(store instanceof MemoryStore);
    await roundTrip(store);
    await store.close();
  });

  it('sqlite:PATH creates the database file', async () => {
    const path = join(dir, 'nested', 'sessions.db');
    const store = await createStore(`sqlite:${path}`);
    assert.ok(store instanceof SqliteStore);
    assert.ok(existsSync(path));
    await roundTrip(store);
    await store.close();
  });

  it('file:DIR and file:///absolute/dir', async () => {
    for (const url of [`file:${join(dir, 'files-a')}`, pathToFileURL(join(dir, 'files b')).href]) {
      const store = await createStore(url);
      assert.ok(store instanceof FileStore, url);
      await roundTrip(store);
      await store.close();
    }
    assert.ok(existsSync(join(dir, 'files b')));
  });

  it('file: on a folder that cannot be written is a startup error naming the URL', async () => {
    writeFileSync(join(dir, 'plain-file'), '');
    await assert.rejects(createStore(`file:${join(dir, 'plain-file', 'sessions')}`), (err: { code: string; message: string }) => {
      assert.equal(err.code, 'ERR_STORE_UNAVAILABLE');
      assert.match(err.message, /plain-file/);
      return true;
    });
  });

  it('cookie: takes its secrets from the option or SESSION_SECRET, and refuses to start without', async () => {
    const store = await createStore('cookie:', { secrets: SECRET });
    assert.ok(store instanceof CookieStore && isStatelessStore(store));
    const saved = process.env.SESSION_SECRET;
    try {
      process.env.SESSION_SECRET = `${SECRET},${SECRET}-old`;
      assert.ok(isStatelessStore(await createStore('cookie:')));
      delete process.env.SESSION_SECRET;
      await assert.rejects(createStore('cookie:'), { code: 'ERR_SESSION_CONFIG', message: /SESSION_SECRET/ });
    } finally {
      if (saved === undefined) delete process.env.SESSION_SECRET;
      else process.env.SESSION_SECRET = saved;
    }
  });

  it('tiered:CACHE|DB builds a tiered store', async () => {
    const store = await createStore(`tiered:memory:|sqlite:${join(dir, 'tiered.db')}`);
    assert.ok(store instanceof TieredStore);
    assert.equal(store.name, `tiered:memory:|sqlite:${join(dir, 'tiered.db')}`);
    await roundTrip(store);
    await store.close();
  });

  it("tiered: with its cache down at startup still starts, serves from the database, and its manager reports the cache tier's outage", async () => {
    const port = await closedPort();
    const store = (await createStore(`tiered:redis://127.0.0.1:${port}|sqlite:${join(dir, 'tiered-down.db')}`)) as SessionStore;
    try {
      await roundTrip(store);
      const events: SessionEvent[] = [];
      new SessionManager({ store, secrets: [SECRET], logger: false, onEvent: (e) => events.push(e) });
      const began = events.filter((e) => e.type === 'store.outage-began');
      assert.equal(began.length, 1, JSON.stringify(events));
      assert.ok(began[0]?.type === 'store.outage-began' && began[0].tier === 'cache' && /ECONNREFUSED/.test(began[0].error), JSON.stringify(began));
    } finally {
      await store.close();
    }
  });

  const badUrls: Array<[string, RegExp]> = [
    ['', /empty/],
    ['nonsense', /no scheme/],
    ['http://example.com/sessions', /unknown scheme "http:"/],
    ['mongodb://admin:hunter2@db.example.com/app', /unknown scheme "mongodb:"/],
    ['memory:extra', /memory: takes no path/],
    ['cookie:/tmp/x', /cookie: takes no path/],
    ['file:', /needs a folder/],
    ['tiered:memory:', /exactly two URLs/],
    ['tiered:memory:|memory:|memory:', /exactly two URLs/],
    ['tiered:cookie:|sqlite:x.db', /cannot be a tier/],
    ['tiered:tiered:memory:|memory:', /exactly two URLs|another tiered/],
    ['tiered:memory:|ftp://x', /is not a store URL/],
    ['redis://127.0.0.1:6379/notanumber', /not a database number/],
    ['redis://a:1,b:2', /exactly one host/],
  ];
  for (const [url, why] of badUrls) {
    it(`refuses ${JSON.stringify(url)} with ERR_SESSION_CONFIG, the reason and the accepted forms`, async () => {
      await assert.rejects(createStore(url), (err: { code: string; message: string }) => {
        assert.equal(err.code, 'ERR_SESSION_CONFIG');
        assert.match(err.message, why);
        assert.match(err.message, /Accepted forms:[\s\S]*sqlite:PATH[\s\S]*redis\+cluster:\/\/[\s\S]*tiered:CACHE_URL\|DATABASE_URL/);
        assert.ok(!err.message.includes('hunter2'), 'no password in the message');
        return true;
      });
    });
  }

  it('an unreachable server is ERR_STORE_UNAVAILABLE naming the URL without its password, within seconds', async () => {
    const port = await closedPort();
    for (const url of [
      `postgres://postgres:hunter2@127.0.0.1:${port}/test`,
      `mysql://root:hunter2@127.0.0.1:${port}/test`,
      `redis://:hunter2@127.0.0.1:${port}`,
    ]) {
      const started = Date.now();
      await assert.rejects(createStore(url), (err: { code: string; message: string }) => {
        assert.equal(err.code, 'ERR_STORE_UNAVAILABLE', `${url}: ${err.message}`);
        assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
        assert.ok(!err.message.includes('hunter2'), err.message);
        // Ended by the refusal (Redis: at its 2 s readiness bound, naming the refusal), not by a hang.
        assert.match(err.message, /ECONNREFUSED/);
        return true;
      });
      // Only against a hang: a busy 2-core machine can add seconds to a connection attempt.
      assert.ok(Date.now() - started < 30_000, `${url} answered in ${Date.now() - started} ms`);
    }
  });

  it('redactStoreUrl hides every password, tiered pairs included', () => {
    assert.equal(redactStoreUrl('postgres://app:s3cr3t@db:5432/app'), 'postgres://app:***@db:5432/app');
    assert.equal(redactStoreUrl('tiered:redis://:p1@r:6379|mysql://u:p2@m/db'), 'tiered:redis://:***@r:6379|mysql://u:***@m/db');
    assert.equal(redactStoreUrl('sqlite:./data/x.db'), 'sqlite:./data/x.db');
  });
});

const skips = { redis: await serviceOrSkip('redis'), postgres: await serviceOrSkip('postgres'), mysql: await serviceOrSkip('mysql') };

describe('createStore on real servers', () => {
  const suffix = uniqueSuffix();

  it('redis://…?prefix=', { skip: skips.redis }, async () => {
    const store = await createStore(`${SERVICES.redis.url}?prefix=cloakroom-url-${suffix}:`);
    assert.match(store.name, /^redis:\/\/127\.0\.0\.1:6379/);
    await roundTrip(store as SessionStore);
    await store.close();
  });

  it('postgres:// and postgresql://', { skip: skips.postgres }, async () => {
    const table = `cloakroom_url_${suffix}`;
    try {
      for (const url of [SERVICES.postgres.url, SERVICES.postgres.url.replace('postgres:', 'postgresql:')]) {
        const store = await createStore(url, { table });
        await roundTrip(store as SessionStore);
        await store.close();
      }
    } finally {
      const client = new pg.Client({ connectionString: SERVICES.postgres.url });
      await client.connect();
      await client.query(`DROP TABLE IF EXISTS "${table}"`);
      await client.end();
    }
  });

  it('mysql:// and mariadb://', { skip: skips.mysql }, async () => {
    const table = `cloakroom_url_${suffix}`;
    try {
      for (const url of [SERVICES.mysql.url, SERVICES.mysql.url.replace('mysql:', 'mariadb:')]) {
        const store = await createStore(url, { table });
        await roundTrip(store as SessionStore);
        await store.close();
      }
    } finally {
      const connection = await mysql.createConnection({ uri: SERVICES.mysql.url });
      await connection.query(`DROP TABLE IF EXISTS \`${table}\``);
      await connection.end();
    }
  });
});
