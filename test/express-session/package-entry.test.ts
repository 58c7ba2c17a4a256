/**
 * The built package: `import session from 'cloakroom/express-session'` and
 * `require('cloakroom/express-session')` both give the callable middleware factory (not a
 * namespace), with `Store`, `MemoryStore`, `Session`, `Cookie`, and it serves a real request.
 * Built with the project's own tsconfig.build.json and package.json exports, into a private
 * folder so parallel test runs never share a dist/ (test/helpers/built-package.ts): the test
 * needs no `npm run build` beforehand.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildPackage, type BuiltPackage } from '../helpers/built-package.ts';

let built: BuiltPackage;

const PROBE = `
  const express = require('express');
  function describe(session) {
    return {
      type: typeof session,
      exports: ['Store', 'MemoryStore', 'Session', 'Cookie'].filter((k) => typeof session[k] === 'function'),
      memoryIsStore: new session.MemoryStore() instanceof session.Store,
    };
  }
  async function serve(session) {
    const app = express();
    app.use(session({ secret: 'built package secret', resave: false, saveUninitialized: false }));
    app.get('/', (req, res) => { req.session.views = (req.session.views || 0) + 1; res.send(String(req.session.views)); });
    const server = await new Promise((ok) => { const s = app.listen(0, '127.0.0.1', () => ok(s)); });
    const url = 'http://127.0.0.1:' + server.address().port + '/';
    const first = await fetch(url, { signal: AbortSignal.timeout(60000) });
    const cookie = first.headers.getSetCookie()[0].split(';')[0];
    const second = await fetch(url, { headers: { cookie }, signal: AbortSignal.timeout(60000) });
    const views = [await first.text(), await second.text()];
    server.close();
    return { cookieName: cookie.split('=')[0], signed: cookie.startsWith('connect.sid=s%3A'), views };
  }
`;

function run(file: string, source: string): Record<string, unknown> {
  const path = join(built.sandbox, file);
  writeFileSync(path, source);
  // Bounded so that a hang fails; generous because a busy 2-core machine is slow to start a child.
  const result = spawnSync(process.execPath, [path], { cwd: built.sandbox, encoding: 'utf8', timeout: 120_000 });
  assert.equal(result.status, 0, `${file} failed:\n${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
}

const EXPECTED = {
  type: 'function',
  exports: ['Store', 'MemoryStore', 'Session', 'Cookie'],
  memoryIsStore: true,
  served: { cookieName: 'connect.sid', signed: true, views: ['1', '2'] },
};

describe('the built cloakroom/express-session entry points', () => {
  before(() => {
    built = buildPackage('cloakroom-es', ['index.js', 'index.cjs', 'index.d.ts', 'index.d.cts'].map((f) => `express-session/${f}`));
  });
  after(() => built?.remove());

  it("ESM: import session from 'cloakroom/express-session'", () => {
    const out = run(
      'esm.mjs',
      `import { createRequire } from 'node:module';
       const require = createRequire(import.meta.url);
       ${PROBE}
       const { default: session, Store, MemoryStore, Session, Cookie } = await import('cloakroom/express-session');
       const named = [Store, MemoryStore, Session, Cookie].every((c, i) => c === session[['Store', 'MemoryStore', 'Session', 'Cookie'][i]]);
       console.log(JSON.stringify({ ...describe(session), named, served: await serve(session) }));`,
    );
    assert.deepEqual(out, { ...EXPECTED, named: true });
  });

  it("CommonJS: require('cloakroom/express-session') is the function itself", () => {
    const out = run(
      'cjs.cjs',
      `${PROBE}
       const session = require('cloakroom/express-session');
       (async () => {
         const esm = await import('cloakroom/express-session');
         console.log(JSON.stringify({ ...describe(session), sameAsEsm: esm.default === session, served: await serve(session) }));
       })();`,
    );
    assert.deepEqual(out, { ...EXPECTED, sameAsEsm: true });
  });

  it("connect-pg-simple's require('connect-pg-simple')(session) gets the Store class", () => {
    const out = run(
      'pg.cjs',
      `const session = require('cloakroom/express-session');
       const PgStore = require('connect-pg-simple')(session);
       const store = new PgStore({ conString: 'postgres://127.0.0.1:1/none', pruneSessionInterval: false });
       console.log(JSON.stringify({ isStore: store instanceof session.Store }));
       store.close();`,
    );
    assert.deepEqual(out, { isStore: true });
  });
});
