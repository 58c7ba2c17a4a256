/**
 * The interop scenarios, run by one test file per backend: the real Django project
 * (app/, served by Django), the seed demo and a probe app (TypeScript) side by side on one
 * shared store, driven over real HTTP with one cookie jar.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startDemo, type RunningDemo } from '../../examples/seed/demo.ts';
import type { CreateStoreOptions } from '../../src/stores/from-url.ts';
import { manage, startDjango, type DjangoEnv, type RunningDjango } from './python.ts';
import { startProbe, type ProbeApp } from './probe-app.ts';
import { Jar, formLogin, heading } from './jar.ts';
import { uniqueSuffix } from '../helpers/services.ts';

export const KEY_A = 'django-interop-key-A-0123456789abcdefghijklmnopqrstuvwxyz-AAAA';
export const KEY_B = 'django-interop-key-B-0123456789abcdefghijklmnopqrstuvwxyz-BBBB';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** What one backend provides to the scenarios. */
export interface BackendRun {
  /** DJ_SESSION_ENGINE and the rest of the Django project's environment (not the keys). */
  djangoEnv: Omit<DjangoEnv, 'DJANGO_SECRET_KEY' | 'DJANGO_SECRET_KEY_FALLBACKS'>;
  /** SESSION_STORE for the TypeScript apps. */
  storeUrl: string;
  storeOptions: CreateStoreOptions;
  /** The `password` column of Django's user `userId`. */
  passwordHash(userId: string): Promise<string | null>;
  /** Corrupts the stored session (the signature no longer matches, or the bytes no longer decode). */
  tamper(sessionKey: string): Promise<void>;
  cleanup(): Promise<void>;
}

export interface BackendSpec {
  name: string;
  engine: NonNullable<DjangoEnv['DJ_SESSION_ENGINE']>;
  skip: false | string;
  setup(suffix: string): Promise<BackendRun>;
}

interface Side {
  django: RunningDjango;
  seed: RunningDemo;
  probe: ProbeApp;
}

async function startSide(run: BackendRun, secretKey: string, fallbacks: string[]): Promise<Side> {
  const django = await startDjango({ ...run.djangoEnv, DJANGO_SECRET_KEY: secretKey, DJANGO_SECRET_KEY_FALLBACKS: fallbacks.join(',') });
  const keys = { secretKey, secretKeyFallbacks: fallbacks };
  const storeOptions = { ...run.storeOptions, django: { ...run.storeOptions.django, ...keys } };
  const seed = await startDemo({ port: 0, host: '127.0.0.1', store: run.storeUrl, storeOptions, secrets: [secretKey], framework: 'node', log: () => {} });
  const probe = await startProbe({ storeUrl: run.storeUrl, storeOptions, keys, passwordHash: (id) => run.passwordHash(id) });
  return { django, seed, probe };
}

async function stopSide(side: Side | undefined): Promise<void> {
  if (!side) return;
  await Promise.allSettled([side.django.close(), side.seed.close(), side.probe.close()]);
}

export function interopSuite(spec: BackendSpec): void {
  describe(`sessions shared with a real Django: ${spec.name}`, { skip: spec.skip, timeout: 600_000 }, () => {
    let run: BackendRun;
    let a: Side;
    let dj: string;
    let seed: string;
    let probe: string;
    const warnings: string[] = [];
    const onWarning = (w: Error) => {
      if (w.name === 'CloakroomSuspiciousSession') warnings.push(w.message);
    };

    before(async () => {
      run = await spec.setup(uniqueSuffix());
      a = await startSide(run, KEY_A, []);
      dj = a.django.url;
      seed = a.seed.url;
      probe = a.probe.url;
      process.on('warning', onWarning);
    });
    after(async () => {
      process.off('warning', onWarning);
      await stopSide(a);
      await run?.cleanup();
    });

    const home = async (jar: Jar, base: string) => heading((await jar.get(`${base}/home/`)).body);

    it('log in on Django: the TypeScript app says "Welcome, <name>!"', async () => {
      const jar = new Jar();
      const login = await formLogin(jar, dj, 'ada');
      assert.equal(login.status, 302, login.body.slice(0, 300));
      assert.ok(jar.session, 'Django set sessionid');
      assert.equal(await home(jar, dj), 'Welcome, ada!');
      assert.equal(await home(jar, seed), 'Welcome, ada!');
    });

    it('log in on the TypeScript app: Django says "Welcome, <name>!"', async () => {
      const jar = new Jar();
      const login = await formLogin(jar, seed, 'Zoë 😀');
      assert.equal(login.status, 302);
      assert.equal(await home(jar, seed), 'Welcome, Zoë 😀!');
      assert.equal(await home(jar, dj), 'Welcome, Zoë 😀!');
    });

    for (const [who, base] of [['Django', () => dj], ['the TypeScript app', () => seed]] as const) {
      it(`log out on ${who}: both show Guest, and the old cookie replayed is refused by both`, async () => {
        const jar = new Jar();
        await formLogin(jar, base() === dj ? seed : dj, 'grace');
        const old = jar.session!;
        assert.equal(await home(jar, base()), 'Welcome, grace!');
        const out = await jar.get(`${base()}/logout/`);
        assert.equal(out.status, 302);
        assert.equal(await home(jar, dj), 'Welcome, Guest!');
        assert.equal(await home(jar, seed), 'Welcome, Guest!');
        const replay = new Jar();
        replay.session = old;
        const expected = spec.engine === 'signed_cookies' ? 'Welcome, grace!' : 'Welcome, Guest!';
        // signed_cookies keeps nothing on the server: a copied cookie stays valid until it
        // expires, on Django as on ours (Django's documented caveat; docs/running-next-to-django.md).
        assert.equal(await home(replay, dj), expected);
        assert.equal(await home(replay, seed), expected);
      });
    }

    it('values written by one app are read by the other (strings, numbers, nested objects, Unicode)', async () => {
      const jar = new Jar();
      const fromDjango = { s: 'plain', u: 'Zoë — 中文 😀', n: 42, f: 1.5, neg: -7, b: true, nil: null, nested: { list: [1, 'two', { three: 3 }], deep: { x: 'ü' } } };
      await jar.json(`${dj}/t/session/`, { set: fromDjango });
      const seen = await jar.json<{ data: Record<string, unknown> }>(`${probe}/t/session/`);
      assert.deepEqual(seen.data, fromDjango);
      const fromUs = { cart: [{ sku: 'A-1', qty: 2 }], theme: 'dark ☾', score: 0.25 };
      await jar.json(`${probe}/t/session/`, { set: fromUs, delete: ['s'] });
      const back = await jar.json<{ data: Record<string, unknown> }>(`${dj}/t/session/`);
      const { s: _dropped, ...rest } = fromDjango;
      assert.deepEqual(back.data, { ...rest, ...fromUs });
    });

    if (spec.engine !== 'signed_cookies') {
      it("parallel cloakroom writes of different keys all keep their writes (the changed-key merge, under the backend's lock)", async () => {
        const jar = new Jar();
        await jar.json(`${probe}/t/session/`, { set: { start: 0 } });
        const writes = Array.from({ length: 8 }, (_, i) => jar.json(`${probe}/t/session/`, { set: { [`k${i}`]: i } }));
        await Promise.all(writes);
        const data = (await jar.json<{ data: Record<string, unknown> }>(`${dj}/t/session/`)).data;
        for (let i = 0; i < 8; i++) assert.equal(data[`k${i}`], i, `k${i} kept: ${JSON.stringify(data)}`);
      });
    }

    it("a password change in Django ends the TypeScript side's login (get_user's _auth_user_hash check)", async () => {
      const jar = new Jar();
      const name = `u${uniqueSuffix()}`;
      const user = await jar.json<{ id: number; password: string }>(`${dj}/t/users/`, { username: name, password: 'first-password' });
      assert.equal((await jar.json<{ user: string | null }>(`${dj}/t/login/`, { username: name, password: 'first-password' })).user, name);
      assert.equal((await jar.json<{ user: string | null }>(`${probe}/t/session/`)).user, String(user.id), 'logged in on ours too');
      await new Jar().json(`${dj}/t/password/`, { username: name, password: 'second-password' });
      assert.equal((await jar.json<{ user: string | null }>(`${probe}/t/session/`)).user, null, 'our side refuses the stale hash');
      assert.equal((await jar.json<{ user: string | null }>(`${dj}/t/session/`)).user, null, 'and so does Django');
    });

    it("a login made on the TypeScript side is Django's request.user", async () => {
      const jar = new Jar();
      const name = `v${uniqueSuffix()}`;
      const user = await jar.json<{ id: number; password: string }>(`${dj}/t/users/`, { username: name, password: 'pw-123456' });
      const ours = await jar.json<{ user: string | null }>(`${probe}/t/login/`, { userId: user.id, passwordHash: user.password });
      assert.equal(ours.user, String(user.id));
      assert.equal((await jar.json<{ user: string | null }>(`${dj}/t/session/`)).user, name);
      await jar.json(`${dj}/t/logout/`, {});
      assert.equal((await jar.json<{ user: string | null }>(`${probe}/t/session/`)).user, null, 'a Django logout is a logout here');
    });

    it('tampered stored data or a forged cookie is refused by both, and reported on ours', async () => {
      const jar = new Jar();
      await formLogin(jar, dj, 'mallory');
      assert.equal(await home(jar, seed), 'Welcome, mallory!');
      warnings.length = 0;
      if (spec.engine === 'signed_cookies') {
        const [payload, ts, sig] = jar.session!.split(':') as [string, string, string];
        const forged = Buffer.from('{"username":"admin"}').toString('base64url');
        jar.session = `${forged}:${ts}:${sig}`;
        void payload;
      } else {
        await run.tamper(jar.session!);
      }
      assert.equal(await home(jar, seed), 'Welcome, Guest!');
      assert.equal(await home(jar, dj), 'Welcome, Guest!');
      assert.ok(warnings.some((w) => /Session data corrupted/.test(w)), `reported: ${warnings.join(' | ')}`);
      const unknown = new Jar();
      unknown.session = spec.engine === 'signed_cookies' ? 'eyJ1c2VybmFtZSI6ImFkbWluIn0:1vQJQe:AAAA' : 'a'.repeat(32);
      assert.equal(await home(unknown, seed), 'Welcome, Guest!');
      assert.equal(await home(unknown, dj), 'Welcome, Guest!');
    });

    if (spec.engine !== 'signed_cookies') {
      it('expiry: a session expired by Django is expired for us, and one expired by us is for Django', async () => {
        const past = new Date(Date.now() - 60_000).toISOString();
        for (const [writer, reader] of [[dj, probe], [probe, dj]] as const) {
          const jar = new Jar();
          await jar.json(`${writer}/t/session/`, { set: { username: 'short-lived' } });
          assert.deepEqual((await jar.json<{ data: Record<string, unknown> }>(`${reader}/t/session/`)).data, { username: 'short-lived' });
          await jar.json(`${writer}/t/session/`, { set: { touched: 1 }, expiry: 300 });
          assert.equal((await jar.json<{ expiry_age: number }>(`${reader}/t/session/`)).expiry_age, 300, `${writer} → ${reader}: set_expiry(300) is shared`);
          await jar.json(`${writer}/t/session/`, { expiry: past });
          assert.deepEqual((await jar.json<{ data: Record<string, unknown> }>(`${reader}/t/session/`)).data, {}, `${writer} expired it`);
        }
      });
    }

    if (spec.engine === 'db' || spec.engine === 'cached_db') {
      it("Django's clearsessions and `cloakroom clear-expired` agree on what they delete", async () => {
        const env = { ...run.djangoEnv, DJANGO_SECRET_KEY: KEY_A };
        const past = new Date(Date.now() - 60_000).toISOString();
        const make = async () => {
          const keys: { live: string[]; dead: string[] } = { live: [], dead: [] };
          for (const [base, expiry] of [[dj, null], [probe, null], [dj, past], [probe, past]] as const) {
            const jar = new Jar();
            await jar.json(`${base}/t/session/`, { set: { n: 1 } });
            const key = jar.session!;
            if (expiry) await jar.json(`${base}/t/session/`, { expiry });
            (expiry ? keys.dead : keys.live).push(key);
          }
          return keys;
        };
        const alive = async (key: string) => {
          const jar = new Jar();
          jar.session = key;
          return Object.keys((await jar.json<{ data: object }>(`${dj}/t/session/`)).data).length > 0;
        };
        const cli = () => {
          const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', 'clear-expired', '--store', run.storeUrl, '--nice', '0', ...(run.storeOptions.table ? ['--table', run.storeOptions.table] : [])], {
            cwd: ROOT,
            encoding: 'utf8',
            env: { ...process.env, DJANGO_SECRET_KEY: KEY_A },
            timeout: 120_000,
          });
          assert.equal(r.status, 0, r.stderr);
          return r.stdout + r.stderr;
        };
        const stats = () => (a.probe.store as { stats(now: number): Promise<{ live: number; expired: number }> }).stats(Date.now());
        // Ours first, then Django's finds nothing more; and the other way round.
        const first = await make();
        const before1 = await stats();
        assert.ok(before1.expired >= 2, `expired rows: ${JSON.stringify(before1)}`);
        assert.match(cli(), new RegExp(`Deleted ${before1.expired} expired sessions`));
        assert.deepEqual(await stats(), { live: before1.live, expired: 0 });
        manage(env, 'clearsessions');
        assert.deepEqual(await stats(), { live: before1.live, expired: 0 }, 'clearsessions finds nothing more');
        for (const k of first.live) assert.ok(await alive(k), 'live sessions survive both');
        const second = await make();
        const before2 = await stats();
        assert.equal(before2.expired, 2);
        manage(env, 'clearsessions');
        assert.deepEqual(await stats(), { live: before2.live, expired: 0 }, 'clearsessions deleted exactly the expired rows');
        assert.match(cli(), /Deleted 0 expired sessions/);
        for (const k of [...first.live, ...second.live]) assert.ok(await alive(k));
        for (const k of [...first.dead, ...second.dead]) assert.ok(!(await alive(k)));
      });
    }

    it('SECRET_KEY rotation with SECRET_KEY_FALLBACKS: old sessions stay valid on both sides, re-signed on the next write', async () => {
      const jar = new Jar();
      const name = `r${uniqueSuffix()}`;
      await jar.json(`${dj}/t/users/`, { username: name, password: 'rotate-me' });
      await jar.json(`${dj}/t/login/`, { username: name, password: 'rotate-me' });
      await jar.json(`${dj}/t/session/`, { set: { kept: 'yes' } });
      const b = await startSide(run, KEY_B, [KEY_A]);
      try {
        const viaDjangoB = await jar.json<{ user: string | null; data: Record<string, unknown> }>(`${b.django.url}/t/session/`);
        assert.equal(viaDjangoB.user, name, 'Django under the new key: still logged in (its fallback hash check re-made the hash)');
        assert.equal(viaDjangoB.data.kept, 'yes');
        const viaOursB = await jar.json<{ user: string | null; data: Record<string, unknown> }>(`${b.probe.url}/t/session/`);
        assert.notEqual(viaOursB.user, null, 'ours under the new key: still logged in');
        assert.equal(viaOursB.data.kept, 'yes');
        await jar.json(`${b.probe.url}/t/session/`, { set: { after: 'rotation' } });
        assert.equal(heading((await jar.get(`${b.django.url}/home/`)).body), 'Welcome, Guest!', 'no username: a Guest, but…');
        assert.equal((await jar.json<{ data: Record<string, unknown> }>(`${b.django.url}/t/session/`)).data.after, 'rotation');
        if (spec.engine === 'db' || spec.engine === 'signed_cookies') {
          // Re-signed with the new key: the old key alone no longer reads it (the caches hold
          // the session unsigned, so there the old key's app still reads the cached copy).
          assert.deepEqual((await jar.json<{ data: Record<string, unknown> }>(`${probe}/t/session/`)).data, {}, 'the old key alone cannot read it');
        }
      } finally {
        await stopSide(b);
      }
    });
  });
}
