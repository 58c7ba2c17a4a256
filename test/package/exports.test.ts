/**
 * The public surface, as a consumer sees it: the built package imported by name.
 * - every subpath in package.json `exports` imports, and exports exactly the runtime names below;
 * - each of those names is documented on its subpath's page of the generated reference (docs/api/);
 * - private modules (`cloakroom/stores/sql-shared`, `cloakroom/adapters/…`, `cloakroom/dist/…`)
 *   are refused with ERR_PACKAGE_PATH_NOT_EXPORTED;
 * - TypeScript consumers resolve the same subpaths' types under moduleResolution nodenext, bundler
 *   and node10 (through `typesVersions`), with the `SessionData` augmentation reaching the adapters,
 *   and cannot import the private modules either;
 * - package.json states what it needs: engines, LICENSE, no `prepare`.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildPackage, ROOT, type BuiltPackage } from '../helpers/built-package.ts';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  exports: Record<string, string | { types?: string; default?: string; import?: { types: string; default: string }; require?: { types: string; default: string } }>;
  typesVersions: Record<string, Record<string, string[]>>;
  engines: { node: string };
  scripts: Record<string, string>;
  files: string[];
};

/** The runtime (value) exports of each public subpath: the surface we chose, sorted. */
const EXPECTED: Record<string, string[]> = {
  '.': [
    'CSRF_FIELD', 'CSRF_HEADER', 'DEFAULT_COOKIE_NAME', 'DEFAULT_MAX_AGE', 'HANDLE_LENGTH', 'MIN_SECRET_LENGTH', 'MemoryStore', 'SESSION_ID_LENGTH',
    'STORE_KEY_PATTERN', 'Session', 'SessionError', 'SessionManager', 'Signer', 'applyChange', 'applySessionHeaders', 'generateSessionId',
    'isSessionError', 'isStateChangingMethod', 'isStatelessStore', 'isValidSessionId', 'privateCacheControl', 'publicMessage',
    'sessionHandle', 'splitSecrets', 'storeKeyFor',
  ],
  './node': ['MAX_FORM_BYTES', 'attachSession', 'readForm', 'sendSessionError', 'withSession'],
  './express': ['csrfProtection', 'session'],
  './fetch': ['checkCsrf', 'sessionErrorResponse', 'withSession', 'withSessionHeaders'],
  './fastify': ['csrfProtection', 'session'],
  './hono': ['csrfProtection', 'session'],
  './koa': ['csrfProtection', 'session'],
  './h3': ['csrfProtection', 'session'],
  './sveltekit': ['session'],
  './nest': ['CloakroomModule', 'CsrfGuard', 'LoginRequiredGuard', 'SESSION_MANAGER', 'Session'],
  './express-session': ['Cookie', 'MemoryStore', 'Session', 'Store', 'default', 'session'],
  './testing': ['describeStoreConformance', 'newStoreKey', 'sampleChange', 'sampleRecord'],
  './extend': ['applyChange', 'applySessionHeaders', 'errorAnswer', 'isStatelessStore', 'privateCacheControl', 'readCookie'],
  './stores/memory': ['MemoryStore'],
  './stores/sqlite': ['SqliteStore', 'sqliteSchemaSql'],
  './stores/file': ['FileStore', 'parseRecord'],
  './stores/cookie': ['CookieStore'],
  './stores/redis': ['RedisStore', 'createRedisStore', 'createRedisStoreFromUrl', 'parseRedisUrl', 'redact', 'sessionRedisOptions'],
  './stores/postgres': ['POSTGRES_MIGRATION', 'PostgresStore', 'postgresSchemaSql'],
  './stores/mysql': ['MYSQL_MIGRATION', 'MysqlStore', 'mysqlSchemaSql'],
  './stores/tiered': ['TieredStore'],
  './stores/from-url': ['STORE_URL_FORMS', 'createStore', 'redactStoreUrl'],
  './telemetry': ['openTelemetry'],
  './stores/d1': ['D1Store'],
  './stores/durable-object': ['DurableObjectStore', 'SessionObject'],
  './stores/sqlite-sync': ['SyncSqliteStore', 'openBunSqliteStore', 'openNodeSqliteStore'],
  './django': [
    'AUTH_USER_BACKEND', 'AUTH_USER_HASH', 'AUTH_USER_ID', 'CACHED_DB_SESSION_PREFIX', 'CACHE_SESSION_PREFIX', 'DB_SESSION_SALT',
    'DJANGO_SESSION_IDS', 'DJANGO_URL_FORMS', 'DjangoCacheStore', 'DjangoCachedDbStore', 'DjangoDbStore', 'DjangoSignedCookieStore',
    'DjangoSigner', 'MODEL_BACKEND', 'SIGNED_COOKIES_SALT', 'SessionDataCodec', 'createDjangoStore', 'djangoLogin', 'djangoLogout',
    'djangoManagerOptions', 'djangoMysql', 'djangoPostgres', 'djangoSqlite', 'djangoUser', 'sessionAuthHash',
  ],
  './react-router': ['createCloakroomSessionStorage', 'createSessionMiddleware'],
  './next': ['hasValidSessionCookie', 'nextSessions'],
};

/** Modules that exist in dist/ but are not part of the public surface. */
const PRIVATE = [
  'cloakroom/stores/sql-shared',
  'cloakroom/stores/in-process',
  'cloakroom/stores/redis-scripts',
  'cloakroom/stores/redis-connection',
  'cloakroom/stores/sqlite-checkpoints',
  'cloakroom/stores/sqlite-sql',
  'cloakroom/stores/sqlite-open',
  'cloakroom/adapters/response-methods',
  'cloakroom/adapters/error-answer',
  'cloakroom/adapters/node-response',
  'cloakroom/adapters/express',
  'cloakroom/core/manager',
  'cloakroom/cli/main',
  'cloakroom/dist/index.js',
  'cloakroom/dist/stores/sql-shared.js',
];

const specifier = (subpath: string) => (subpath === '.' ? 'cloakroom' : `cloakroom/${subpath.slice(2)}`);
const publicSubpaths = Object.keys(pkg.exports).filter((s) => s !== './package.json');

let built: BuiltPackage;

function runNode(file: string, source: string): string {
  const path = join(built.sandbox, file);
  writeFileSync(path, source);
  const result = spawnSync(process.execPath, [path], { cwd: built.sandbox, encoding: 'utf8', timeout: 120_000 });
  assert.equal(result.status, 0, `${file} failed:\n${result.stderr}`);
  return result.stdout.trim().split('\n').at(-1)!;
}

/** The level-3 headings of a generated reference page: the names documented on it. */
function documentedNames(subpath: string): Set<string> {
  const page = join(ROOT, 'docs/api', subpath === '.' ? 'cloakroom.md' : `cloakroom/${subpath.slice(2)}.md`);
  assert.ok(existsSync(page), `${page} exists (npm run docs)`);
  const names = [...readFileSync(page, 'utf8').matchAll(/^### (.+)$/gm)].map((m) => m[1]!.replaceAll('\\', '').replace(/\(\)$/, ''));
  return new Set(names);
}

describe('the package surface (package.json exports)', () => {
  before(() => {
    built = buildPackage('cloakroom-exports', ['index.js', 'extend.d.ts', 'adapters/node.d.ts']);
  });
  after(() => built?.remove());

  it('lists exactly the chosen public subpaths, no wildcard', () => {
    assert.deepEqual(publicSubpaths.sort(), Object.keys(EXPECTED).sort());
    for (const subpath of Object.keys(pkg.exports)) assert.ok(!subpath.includes('*'), `${subpath} is explicit`);
  });

  it('every public subpath imports by name and exports the chosen runtime names', () => {
    const out = runNode(
      'names.mjs',
      `const subpaths = ${JSON.stringify(publicSubpaths.map(specifier))};
       const names = {};
       for (const s of subpaths) names[s] = Object.keys(await import(s)).sort();
       console.log(JSON.stringify(names));
       process.exit(0);`,
    );
    const actual = JSON.parse(out) as Record<string, string[]>;
    for (const subpath of publicSubpaths) {
      assert.deepEqual(
        actual[specifier(subpath)],
        EXPECTED[subpath],
        `runtime exports of ${specifier(subpath)}`,
      );
    }
  });

  it('each of those names is documented on its subpath page of docs/api/', () => {
    for (const subpath of publicSubpaths) {
      const documented = documentedNames(subpath);
      const missing = EXPECTED[subpath]!.filter((n) => !documented.has(n));
      assert.deepEqual(missing, [], `${specifier(subpath)}: names missing from its reference page`);
    }
  });

  it('private modules are not importable: ERR_PACKAGE_PATH_NOT_EXPORTED', () => {
    const out = runNode(
      'private.mjs',
      `const codes = {};
       for (const s of ${JSON.stringify(PRIVATE)}) {
         try { await import(s); codes[s] = 'imported'; } catch (err) { codes[s] = err.code; }
       }
       console.log(JSON.stringify(codes));
       process.exit(0);`,
    );
    assert.deepEqual(JSON.parse(out), Object.fromEntries(PRIVATE.map((s) => [s, 'ERR_PACKAGE_PATH_NOT_EXPORTED'])));
  });

  it('every exports and typesVersions target exists in the build', () => {
    const targets: string[] = [];
    for (const target of Object.values(pkg.exports)) {
      if (typeof target === 'string') continue;
      for (const leaf of [target, target.import, target.require]) if (leaf?.types) targets.push(leaf.types, leaf.default!);
    }
    for (const paths of Object.values(pkg.typesVersions['*']!)) targets.push(...paths.map((p) => `./${p}`));
    const missing = targets.filter((t) => t !== './package.json' && !existsSync(join(built.dir, t)));
    assert.deepEqual(missing, []);
  });

  // One consumer program, type-checked against the built .d.ts files under each resolution mode.
  const CONSUMER = `
    import { SessionManager, MemoryStore, type Session } from 'cloakroom';
    import { withSession } from 'cloakroom/node';
    import { session as expressSession } from 'cloakroom/express';
    import { withSession as withFetchSession } from 'cloakroom/fetch';
    import { session as fastifySession } from 'cloakroom/fastify';
    import { session as honoSession, type SessionEnv } from 'cloakroom/hono';
    import { session as koaSession } from 'cloakroom/koa';
    import { CloakroomModule, type Session as NestSession } from 'cloakroom/nest';
    import dropIn from 'cloakroom/express-session';
    import { describeStoreConformance } from 'cloakroom/testing';
    import { applySessionHeaders, errorAnswer, readCookie, type SessionStore, type HeaderTarget } from 'cloakroom/extend';
    import { MemoryStore as Memory } from 'cloakroom/stores/memory';
    import { SqliteStore } from 'cloakroom/stores/sqlite';
    import { FileStore } from 'cloakroom/stores/file';
    import { CookieStore } from 'cloakroom/stores/cookie';
    import { RedisStore } from 'cloakroom/stores/redis';
    import { PostgresStore } from 'cloakroom/stores/postgres';
    import { MysqlStore } from 'cloakroom/stores/mysql';
    import { TieredStore } from 'cloakroom/stores/tiered';
    import { createStore } from 'cloakroom/stores/from-url';
    import type { Request, Response } from 'express';
    // @ts-expect-error a private module
    import type * as sqlShared from 'cloakroom/stores/sql-shared';
    // @ts-expect-error a private module
    import type * as responseMethods from 'cloakroom/adapters/response-methods';

    declare module 'cloakroom' { interface SessionData { username: string } }

    const sessions = new SessionManager({ store: new MemoryStore(), secrets: 'a-secret-of-at-least-thirty-two-chars' });
    export const handlers = [expressSession(sessions), fastifySession(sessions), honoSession(sessions), koaSession(sessions), dropIn];
    export const node = withSession(sessions, (_req, res, session) => {
      // @ts-expect-error 'username' is a string (the augmentation reaches cloakroom/node)
      session.set('username', 42);
      res.end();
    });
    export const web = withFetchSession(sessions, async (_request, session) => new Response(session.get('username', 'Guest').toUpperCase()));
    export function route(req: Request, res: Response): void {
      const name: string | undefined = req.session.get('username'); // the augmentation reaches the adapter
      // @ts-expect-error 'username' is a string
      req.session.set('username', 42);
      res.send(name);
    }
    export const stores = [Memory, SqliteStore, FileStore, CookieStore, RedisStore, PostgresStore, MysqlStore, TieredStore, createStore];
    export const extend: [typeof applySessionHeaders, typeof errorAnswer, typeof readCookie, SessionStore?, HeaderTarget?] = [applySessionHeaders, errorAnswer, readCookie];
    export const typed: Session | undefined = undefined;
    export const env: SessionEnv | undefined = undefined;
    export const nest = CloakroomModule.forRoot({ manager: sessions });
    export const nestName = (session: NestSession): string | undefined => session.get('username');
    export { describeStoreConformance };
  `;

  for (const [mode, options] of [
    ['nodenext', { module: 'nodenext', moduleResolution: 'nodenext' }],
    ['bundler', { module: 'esnext', moduleResolution: 'bundler' }],
    ['node10', { module: 'commonjs', moduleResolution: 'node10', esModuleInterop: true, ignoreDeprecations: '5.0' }],
  ] as const) {
    it(`TypeScript resolves every public subpath under moduleResolution ${mode}, and no private one`, () => {
      const dir = join(built.sandbox, `ts-${mode}`);
      spawnSync('mkdir', ['-p', dir]);
      writeFileSync(join(dir, mode === 'nodenext' ? 'consumer.mts' : 'consumer.ts'), CONSUMER);
      writeFileSync(
        join(dir, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: { ...options, target: 'es2022', lib: ['es2023', 'dom'], strict: true, noEmit: true, skipLibCheck: true, types: ['node'], typeRoots: [join(ROOT, 'node_modules/@types')] },
          include: ['consumer.*'],
        }),
      );
      const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', dir], { cwd: dir, encoding: 'utf8', timeout: 900_000 });
      assert.equal(tsc.status, 0, `tsc (${mode}) failed:\n${tsc.stdout}${tsc.stderr}`);
    });
  }

  it('package.json: engines, LICENSE, repository, and no prepare script', () => {
    // The CommonJS entry of cloakroom/express-session loads the ESM build through require(esm),
    // unflagged from Node 20.19.
    assert.ok(existsSync(join(ROOT, 'src/express-session/index.cts')));
    assert.equal(pkg.engines.node, '>=20.19');
    assert.match(readFileSync(join(ROOT, 'LICENSE'), 'utf8'), /^MIT License\n\nCopyright \(c\) 2026 the cloakroom authors\n/);
    const full = pkg as unknown as { repository?: { url: string }; homepage?: string; license: string };
    assert.equal(full.license, 'MIT');
    assert.equal(full.repository?.url, 'github:cloakroom/cloakroom');
    assert.ok(full.homepage);
    // An install from git or a registry must not run a build; packing does.
    for (const hook of ['prepare', 'preinstall', 'install', 'postinstall']) assert.equal(pkg.scripts[hook], undefined, `no ${hook} script`);
    assert.equal(pkg.scripts.prepack, 'npm run build');
  });
});
