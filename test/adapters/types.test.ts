/**
 * Type test: once an app augments `SessionData`, every framework's session is typed — reads give
 * the declared type, writes of the wrong type do not compile — with no cast in user code.
 *
 * The augmentation is global to a TypeScript program, so it cannot live in the repo's own
 * program (it would retype every other test). The fixture is compiled as its own program, in a
 * scratch folder under node_modules/.cache so that package imports resolve as in an app.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { uniqueSuffix } from '../helpers/services.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dir = join(root, 'node_modules', '.cache', `cloakroom-types-${uniqueSuffix()}`);
const src = (path: string) => JSON.stringify(join(root, 'src', path));

const fixture = `
import express from 'express';
import Koa from 'koa';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { MemoryStore, SessionManager } from ${src('index.ts')};
import { session as expressSession } from ${src('adapters/express.ts')};
import { session as koaSession } from ${src('adapters/koa.ts')};
import { session as fastifySession } from ${src('adapters/fastify.ts')};
import { session as honoSession } from ${src('adapters/hono.ts')};
import { withSession as nodeSession } from ${src('adapters/node.ts')};
import { withSession as fetchSession } from ${src('adapters/fetch.ts')};

declare module ${src('index.ts')} {
  interface SessionData { username: string; visits: number }
}

const sessions = new SessionManager({ store: new MemoryStore(), secrets: 'x'.repeat(40) });

nodeSession(sessions, (_req, res, session) => {
  const name: string | undefined = session.get('username');
  // @ts-expect-error visits is a number
  session.set('visits', 'many');
  res.end(name);
});

fetchSession(sessions, (_request, session) => {
  // @ts-expect-error no such key
  session.get('nope');
  return new Response(String(session.get('visits', 0) + 1));
});

const e = express();
e.use(expressSession(sessions));
e.get('/', (req, res) => {
  const name: string | undefined = req.session.get('username');
  // @ts-expect-error visits is a number
  req.session.set('visits', 'many');
  res.send(name);
});

const k = new Koa();
k.use(koaSession(sessions));
k.use((ctx) => {
  ctx.body = ctx.session.get('username', 'Guest').toUpperCase();
  // @ts-expect-error username is a string
  ctx.session.set('username', 42);
});

const f = Fastify();
void f.register(fastifySession(sessions));
f.get('/', async (request) => {
  // @ts-expect-error no such key
  request.session.get('nope');
  return request.session.get('visits', 0) + 1;
});

const h = new Hono();
h.use(honoSession(sessions));
h.get('/', (c) => {
  const session = c.get('session');
  session.set('visits', session.get('visits', 0) + 1);
  // @ts-expect-error username is a string
  session.set('username', null);
  return c.text(session.get('username') ?? 'Guest');
});
`;

describe('adapter typing with an augmented SessionData', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('types req.session, ctx.session, request.session and c.get("session") without casts', () => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'app.ts'), fixture);
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2023', 'DOM'], strict: true,
          skipLibCheck: true, types: ['node'], noEmit: true, allowImportingTsExtensions: true, esModuleInterop: true,
          verbatimModuleSyntax: false, typeRoots: [join(root, 'node_modules', '@types')],
        },
        files: ['app.ts'],
      }),
    );
    const tsc = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(dir, 'tsconfig.json')], {
      encoding: 'utf8',
      // Only a hang guard: a type check with Express's types takes minutes on a busy 2-core machine.
      timeout: 900_000,
    });
    assert.equal(tsc.status, 0, `tsc failed:\n${tsc.stdout}${tsc.stderr}`);
  });
});
