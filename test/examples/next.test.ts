/**
 * examples/next: the seed app in the Next.js App Router, built with `npm run build -w
 * examples/next` and served by `npm start -w examples/next` (`next start`) as its own process.
 * The login, preference and cart forms are Server Actions submitted as a browser without
 * JavaScript would (multipart, Next's hidden action fields, Origin); the contract's "two form
 * posts at once" is a pair of Server Actions changing different keys, and both are kept.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Browserish, formHolding, logIn, seedContract, textOf, type ServedApp } from './seed-contract.ts';
import { buildExample, startExample } from '../helpers/example-process.ts';

const dir = mkdtempSync(join(tmpdir(), 'cloakroom-next-'));
process.once('exit', () => rmSync(dir, { recursive: true, force: true }));

let built = false;
function start(store: string): Promise<ServedApp> {
  if (!built) {
    buildExample('next');
    built = true;
  }
  return startExample({ command: 'npm', args: ['start', '-w', 'examples/next'], env: { SESSION_STORE: store, DATA_DIR: dir } });
}

seedContract('Next.js example (next start, SQLite)', () => start(`sqlite:${join(dir, 'sessions.db')}`), { browser: true, useCasePages: true, timeout: 1_500_000 }); // the build runs in its before hook: minutes on a busy machine

describe('Next.js example: what Next itself adds', { timeout: 600_000 }, () => {
  let app: ServedApp;
  before(async () => {
    app = await start('memory:');
  });
  after(async () => {
    await app?.close();
  });

  it('a Server Action that ends in redirect() still sets the session cookie on that response', async () => {
    const client = new Browserish(app.url);
    const landed = await logIn(client, 'Nina');
    assert.ok(client.jar.has('sessionid'), 'the redirecting action response carried Set-Cookie');
    assert.match(textOf(landed.body), /Welcome, Nina!/);
  });

  it("a cross-site Server Action with the form's own action fields is refused by Next's Origin check", async () => {
    const mallory = new Browserish(app.url);
    const form = formHolding((await mallory.get('/')).body, 'username');
    assert.ok(form.hidden.some(([name]) => name.startsWith('$ACTION')), 'the login form is a Server Action');
    const body = new FormData();
    for (const [k, v] of form.hidden) body.append(k, v);
    body.append('username', 'Mallory');
    const res = await fetch(`${app.url}/`, { method: 'POST', body, headers: { origin: 'https://evil.example' }, redirect: 'manual' });
    await res.arrayBuffer();
    assert.equal(res.headers.getSetCookie().length, 0, `no session cookie (answered ${res.status})`);
    assert.match(textOf((await mallory.get('/home/')).body), /Welcome, Guest!/);
  });

  it('Your sessions lists this device and signs out another one', async () => {
    const [laptop, phone] = [new Browserish(app.url), new Browserish(app.url)];
    await logIn(laptop, 'Olga');
    await logIn(phone, 'Olga');
    const list = await laptop.get('/sessions/');
    assert.match(textOf(list.body), /on 2 device\(s\)/);
    await laptop.submit(list, { action: 'revoke-others' });
    assert.match(textOf((await phone.get('/home/')).body), /Welcome, Guest!/, 'the other device is signed out');
    assert.match(textOf((await laptop.get('/home/')).body), /Welcome, Olga!/);
  });
});
