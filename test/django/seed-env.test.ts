/**
 * The seed demo configured only by its environment (§3 of issue 17): SESSION_STORE=django+sqlite:PATH
 * with DJANGO_SECRET_KEY writes the session Django reads, under the session key `username`.
 * No Django needed: the table is the one Django's migration creates, and the row is decoded
 * with Django's salt.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { configFromEnv } from '../../examples/seed/config.ts';
import { startDemo } from '../../examples/seed/demo.ts';
import { SessionDataCodec, DB_SESSION_SALT } from '../../src/django/index.ts';
import { Jar, formLogin, heading } from './jar.ts';

const KEY = 'seed-env-django-key-0123456789abcdefghijklmnopqrstuvwxyz';

describe('the seed demo with SESSION_STORE=django+sqlite:PATH', () => {
  it("logs in with Django's cookie and row, the name under `username`", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cloakroom-seed-django-'));
    const path = join(dir, 'db.sqlite3');
    const db = new Database(path);
    // Django's sessions.0001_initial on SQLite.
    db.exec('CREATE TABLE "django_session" ("session_key" varchar(40) NOT NULL PRIMARY KEY, "session_data" text NOT NULL, "expire_date" datetime NOT NULL)');
    const saved = { ...process.env };
    Object.assign(process.env, { DJANGO_SECRET_KEY: KEY, DJANGO_SECRET_KEY_FALLBACKS: '' });
    try {
      const config = configFromEnv({ SESSION_STORE: `django+sqlite:${path}`, PORT: '0', SESSION_SECRET: KEY }, { warn: () => {} });
      const demo = await startDemo({ ...config, log: () => {} });
      try {
        const jar = new Jar();
        assert.equal((await formLogin(jar, demo.url, 'ada')).status, 302);
        assert.match(jar.session!, /^[a-z0-9]{32}$/, "Django's session key, unsigned");
        assert.equal(heading((await jar.get(`${demo.url}/home/`)).body), 'Welcome, ada!');
        const row = db.prepare('SELECT session_data, expire_date FROM django_session WHERE session_key = ?').get(jar.session) as { session_data: string; expire_date: string };
        const decoded = new SessionDataCodec({ secretKey: KEY, salt: DB_SESSION_SALT }).decode(row.session_data);
        assert.equal(decoded?.data.username, '"ada"');
        assert.match(row.expire_date, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{6})?$/, "Django's SQLite datetime text");
      } finally {
        await demo.close();
      }
    } finally {
      process.env = saved;
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
