import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, utimesSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeStoreConformance, newStoreKey, sampleChange, sampleRecord } from '../../src/testing/index.ts';
import { FileStore } from '../../src/stores/file.ts';
import { SessionManager } from '../../src/core/manager.ts';
import { uniqueSuffix } from '../helpers/services.ts';

const root = mkdtempSync(join(tmpdir(), `cloakroom-file-${uniqueSuffix()}-`));
after(() => rmSync(root, { recursive: true, force: true }));
const quiet = { warn: () => undefined };
function everythingIn(dir: string): string {
  if (!existsSync(dir)) return '';
  return readdirSync(dir)
    .map((name) => `${name}\n${readFileSync(join(dir, name), 'utf8')}`)
    .join('\n');
}

describeStoreConformance({
  name: 'file',
  setup: async () => new FileStore({ directory: join(root, 'conformance') }),
  dump: async (store) => everythingIn((store as FileStore).directory),
});

describeStoreConformance({
  name: 'file (in-process lock only)',
  setup: async () => new FileStore({ directory: join(root, 'conformance-nolockfile'), crossProcessLock: false }),
});

describe('file store specifics', () => {
  it('names each file by the store key and leaves no temp or lock files behind', async () => {
    const dir = join(root, 'names');
    const store = new FileStore({ directory: dir });
    const key = newStoreKey();
    await store.create(key, sampleRecord({ a: 1 }));
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.update(key, sampleChange({ [`k${i}`]: i }), Date.now())));
    assert.deepEqual(readdirSync(dir), [key]);
    await store.close();
  });

  it('never builds a path from anything but a 43-character digest', async () => {
    const dir = join(root, 'traversal');
    const store = new FileStore({ directory: dir });
    for (const bad of ['../../etc/passwd', '..', '', 'a/b', 'x'.repeat(43) + '\0', 'ÿ'.repeat(43), newStoreKey().slice(1)]) {
      assert.equal(await store.get(bad, Date.now()), null);
      assert.equal(await store.update(bad, sampleChange({ a: 1 }), Date.now()), false);
      assert.equal(await store.touch(bad, Date.now() + 1000, Date.now(), Date.now()), false);
      await store.destroy(bad);
      await assert.rejects(store.create(bad, sampleRecord({ a: 1 })), { code: 'ERR_STORE_KEY', status: 500 });
    }
    assert.deepEqual(existsSync(dir) ? readdirSync(dir) : [], []);
  });

  it('reads a truncated, garbage or foreign file as no session, never a throw', async () => {
    const dir = join(root, 'garbage');
    const warnings: string[] = [];
    const store = new FileStore({ directory: dir, logger: { warn: (m: string) => warnings.push(m) } });
    const key = newStoreKey();
    await store.create(key, sampleRecord({ username: 'ada' }));
    const full = readFileSync(join(dir, key), 'utf8');
    const otherKey = newStoreKey();
    const variants = [
      full.slice(0, full.length / 2), // truncated mid-write (power loss without durable: true)
      '',
      '\x00\x01\xff garbage',
      'null',
      '[]',
      JSON.stringify({ ...JSON.parse(full), data: { a: 1 } }), // a non-string value
      JSON.stringify({ ...JSON.parse(full), key: otherKey }), // a file copied under another name
      JSON.stringify({ ...JSON.parse(full), expiresAt: 'soon' }),
    ];
    for (const text of variants) {
      writeFileSync(join(dir, key), text);
      assert.equal(await store.get(key, Date.now()), null, `for ${JSON.stringify(text.slice(0, 40))}`);
      assert.equal(await store.update(key, sampleChange({ b: 2 }), Date.now()), false);
    }
    assert.ok(warnings.length >= variants.length && warnings[0]!.includes(key));

    // Through the manager: a broken file is an empty session, not a 5xx.
    const manager = new SessionManager({ store, secrets: ['file-test-secret-0123456789abcdef-0123456789'] });
    const s = await manager.load(undefined);
    s.set('username', 'ada');
    const cookie = (await manager.commit(s, { status: 200 })).setCookie!.split(';')[0]!;
    for (const name of readdirSync(dir)) writeFileSync(join(dir, name), '{"v":1,"key":');
    const loaded = await manager.load(cookie);
    assert.equal(loaded.get('username'), undefined);
  });

  it('clearExpired removes unreadable and crash-debris files once they are old, not fresh ones', async () => {
    const dir = join(root, 'debris');
    const store = new FileStore({ directory: dir, logger: quiet });
    const fresh = newStoreKey();
    const old = newStoreKey();
    await store.create(fresh, sampleRecord({ a: 1 }));
    await store.create(old, sampleRecord({ a: 1 }));
    writeFileSync(join(dir, fresh), 'garbage');
    writeFileSync(join(dir, old), 'garbage');
    writeFileSync(join(dir, `.${old}.abcdef.tmp`), '{');
    writeFileSync(join(dir, `${old}.lock`), '');
    const longAgo = new Date(Date.now() - 3_600_000);
    for (const f of [old, `.${old}.abcdef.tmp`, `${old}.lock`]) utimesSync(join(dir, f), longAgo, longAgo);
    assert.equal((await store.stats(Date.now())).expired, 2);
    assert.equal(await store.clearExpired(Date.now()), 1);
    assert.deepEqual(readdirSync(dir), [fresh]);
  });

  it('clearExpired works in batches and reports growing progress', async () => {
    const dir = join(root, 'batches');
    const store = new FileStore({ directory: dir });
    for (let i = 0; i < 55; i++) await store.create(newStoreKey(), sampleRecord({ i }, -1000));
    const live = newStoreKey();
    await store.create(live, sampleRecord({ keep: 1 }));
    const progress: number[] = [];
    assert.equal(await store.clearExpired(Date.now(), { batchSize: 10, onProgress: (n) => progress.push(n) }), 55);
    assert.ok(progress.length >= 6, `progress ${progress}`);
    assert.equal(progress.at(-1), 55);
    assert.deepEqual(readdirSync(dir), [live]);
  });

  it('breaks a lock file left by a crashed process, and times out on a live one', async () => {
    const dir = join(root, 'locks');
    const store = new FileStore({ directory: dir, lockTimeout: 150, staleLockAge: 5_000 });
    const key = newStoreKey();
    await store.create(key, sampleRecord({ a: 1 }));
    writeFileSync(join(dir, `${key}.lock`), '');
    const started = Date.now();
    await assert.rejects(store.update(key, sampleChange({ b: 2 }), Date.now()), { code: 'ERR_STORE_UNAVAILABLE' });
    // Ended by lockTimeout: a wait past staleLockAge would have broken the lock and the update succeeded.
    assert.ok(Date.now() - started < 5_000, 'bounded wait');
    const longAgo = new Date(Date.now() - 60_000);
    utimesSync(join(dir, `${key}.lock`), longAgo, longAgo);
    assert.equal(await store.update(key, sampleChange({ b: 2 }), Date.now()), true);
    assert.deepEqual(readdirSync(dir), [key]);
  });

  it('keeps every write when several processes update one session at once', async () => {
    const dir = join(root, 'processes');
    const store = new FileStore({ directory: dir });
    const key = newStoreKey();
    await store.create(key, sampleRecord({ base: true }));
    const moduleUrl = new URL('../../src/stores/file.ts', import.meta.url).href;
    const script = (worker: number) => `
      import { FileStore } from ${JSON.stringify(moduleUrl)};
      const store = new FileStore({ directory: ${JSON.stringify(dir)}});
      const now = Date.now();
      await Promise.all(Array.from({ length: 25 }, (_, i) => store.update(${JSON.stringify(key)},
        { set: { ['w${worker}_' + i]: String(i) }, unset: [], replace: false, expiresAt: now + 600000, lastSeenAt: now }, now)
        .then((ok) => { if (!ok) throw new Error('update refused'); })));`;
    const runs = [0, 1, 2, 3].map(
      (w) =>
        new Promise<number>((resolve, reject) => {
          const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script(w)], { stdio: ['ignore', 'ignore', 'inherit'] });
          const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
          child.on('error', reject);
          child.on('exit', (code) => {
            clearTimeout(timer);
            resolve(code ?? -1);
          });
        }),
    );
    assert.deepEqual(await Promise.all(runs), [0, 0, 0, 0]);
    const data = (await store.get(key, Date.now()))!.data;
    assert.equal(Object.keys(data).length, 1 + 4 * 25, 'all 100 writes from 4 processes kept');
  });
});

describe('file store disk errors are reported, not swallowed', () => {
  it('a folder that cannot exist (its parent is a regular file: ENOTDIR) → ERR_STORE_UNAVAILABLE with the cause', async () => {
    // chmod does not stop root, and tests run as root; ENOTDIR fails for every user.
    const parent = join(root, 'a-regular-file');
    writeFileSync(parent, 'not a folder');
    const store = new FileStore({ directory: join(parent, 'sessions') });
    const key = newStoreKey();
    const check = (err: unknown) => {
      const e = err as { code: string; cause: { code: string }; message: string };
      assert.equal(e.code, 'ERR_STORE_UNAVAILABLE');
      assert.equal(e.cause.code, 'ENOTDIR');
      assert.match(e.message, /ENOTDIR/);
      return true;
    };
    await assert.rejects(store.create(key, sampleRecord({ a: 1 })), check);
    await assert.rejects(store.get(key, Date.now()), check);
    await assert.rejects(store.update(key, sampleChange({ a: 1 }), Date.now()), check);
    await assert.rejects(store.stats(Date.now()), check);
    await assert.rejects(store.clearExpired(Date.now()), check);
  });

  const chattr = spawnSync('chattr', ['--help']).error === undefined;
  it('a read-only folder (immutable: stops root too) → ERR_STORE_UNAVAILABLE, and the data already there stays readable', { skip: !chattr && 'chattr not installed' }, async (t) => {
    const dir = join(root, 'immutable');
    mkdirSync(dir);
    const store = new FileStore({ directory: dir });
    const key = newStoreKey();
    await store.create(key, sampleRecord({ a: 1 }));
    const set = spawnSync('chattr', ['+i', dir]);
    if (set.status !== 0) return t.skip(`chattr +i refused here: ${set.stderr}`);
    try {
      await assert.rejects(store.create(newStoreKey(), sampleRecord({ a: 1 })), (err: { code: string; cause: { code: string } }) => {
        assert.equal(err.code, 'ERR_STORE_UNAVAILABLE');
        assert.ok(['EPERM', 'EACCES'].includes(err.cause.code), err.cause.code);
        return true;
      });
      await assert.rejects(store.update(key, sampleChange({ b: 2 }), Date.now()), { code: 'ERR_STORE_UNAVAILABLE' });
      assert.deepEqual(Object.keys((await store.get(key, Date.now()))!.data), ['a']);
    } finally {
      spawnSync('chattr', ['-i', dir]);
    }
  });

  it('a full disk (ENOSPC on a tiny tmpfs) → ERR_STORE_UNAVAILABLE, no half-written record left', async (t) => {
    const dir = join(root, 'full');
    mkdirSync(dir);
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir]);
    if (mounted.status !== 0) return t.skip('cannot mount a tmpfs here (needs root with CAP_SYS_ADMIN)');
    try {
      const store = new FileStore({ directory: dir });
      const keys: string[] = [];
      let error: { code?: string; cause?: { code?: string } } | undefined;
      for (let i = 0; i < 100 && !error; i++) {
        const key = newStoreKey();
        try {
          await store.create(key, sampleRecord({ blob: 'x'.repeat(8_000) }));
          keys.push(key);
        } catch (err) {
          error = err as typeof error;
        }
      }
      assert.equal(error?.code, 'ERR_STORE_UNAVAILABLE');
      assert.equal(error?.cause?.code, 'ENOSPC');
      // Every file left is a whole, readable record.
      for (const name of readdirSync(dir)) assert.ok(keys.includes(name), `unexpected file ${name}`);
      for (const key of keys) assert.ok(await store.get(key, Date.now()));
    } finally {
      spawnSync('umount', ['-l', dir]);
    }
  });
});
