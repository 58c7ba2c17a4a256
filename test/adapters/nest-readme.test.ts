/**
 * README.md's NestJS quickstart (fenced `ts fragment`: the project's own compiler options have
 * no `experimentalDecorators`, so the shared code-block check skips it) is checked here as a
 * Nest app compiles it: type-checked with the decorator options against the sources, then
 * compiled with decorator metadata, run on both platforms, and driven over HTTP.
 */
import 'reflect-metadata';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { Controller, Get, Module, type INestApplication, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Session } from '../../src/adapters/nest.ts';
import { ROOT } from '../helpers/built-package.ts';
import { uniqueSuffix } from '../helpers/services.ts';
import { sourcePaths } from '../helpers/source-paths.ts';
import { REQUEST_TIMEOUT_MS } from '../helpers/timed-request.ts';

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const BLOCK = /^\*\*NestJS[^\n]*\n[^\n]*\n```ts fragment\n([\s\S]*?)^```$/m.exec(README)?.[1];
const DIR = join(ROOT, '.cloakroom-test', `nest-readme-${uniqueSuffix()}`);
const SECRET = 'nest-readme-secret-0123456789abcdefghijk';
/**
 * What the block takes from the quickstarts above it: `sessions`, a SessionManager. Its logger
 * is off: the test posts without a CSRF token on purpose and asserts the 403 itself.
 */
const PREAMBLE = "import { SessionManager, MemoryStore } from 'cloakroom';\nconst sessions = new SessionManager({ store: new MemoryStore(), secrets: process.env.NEST_README_SECRET!, logger: false });\n";
/** Appended to the type check: `Session` is typed by the app's `SessionData` augmentation. */
const TYPED = `
declare module 'cloakroom' { interface SessionData { username: string } }
export function typed(session: Session): string | undefined {
  // @ts-expect-error 'username' is a string
  session.set('username', 42);
  return session.get('username');
}
`;
const DECORATORS = { experimentalDecorators: true, emitDecoratorMetadata: true };

describe("README.md's NestJS quickstart", () => {
  before(() => {
    assert.ok(BLOCK, 'README.md has a **NestJS** quickstart fenced ```ts fragment');
    mkdirSync(DIR, { recursive: true });
  });
  after(() => rmSync(DIR, { recursive: true, force: true }));

  it('is ten lines or fewer', () => {
    assert.ok(BLOCK!.trimEnd().split('\n').length <= 10, BLOCK);
  });

  it('type-checks with the decorator options a Nest app compiles with, Session typed by SessionData', { timeout: 600_000 }, () => {
    const file = join(DIR, 'quickstart.ts');
    writeFileSync(file, PREAMBLE + BLOCK + TYPED);
    const config = ts.readConfigFile(join(ROOT, 'tsconfig.json'), ts.sys.readFile);
    const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
    const program = ts.createProgram([file], { ...options, ...DECORATORS, paths: sourcePaths(), noEmit: true });
    const diagnostics = ts.getPreEmitDiagnostics(program).filter((d) => d.file?.fileName === file);
    assert.deepEqual(diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')), []);
  });

  for (const platform of ['express', 'fastify'] as const) {
    it(`runs on ${platform}: login through CsrfGuard, @Redirect, LoginRequiredGuard, @Session()`, async () => {
      // cloakroom's subpaths point at the sources, which this (tsx-run) process can import.
      let source = PREAMBLE + BLOCK;
      for (const [name, [path]] of Object.entries(sourcePaths())) source = source.replaceAll(`'${name}'`, `'${pathToFileURL(path!).href}'`);
      const { outputText } = ts.transpileModule(source, { compilerOptions: { ...DECORATORS, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext } });
      const file = join(DIR, `quickstart-${platform}.mjs`);
      writeFileSync(file, outputText);
      process.env.NEST_README_SECRET = SECRET;
      const { AppModule } = (await import(pathToFileURL(file).href)) as { AppModule: Type };

      // The form page of the quickstarts above, for the token.
      class FormController {}
      Controller()(FormController);
      const token = (session: Session) => session.csrfToken();
      Object.defineProperty(FormController.prototype, 'token', { value: token });
      Get()(FormController.prototype, 'token', Object.getOwnPropertyDescriptor(FormController.prototype, 'token')!);
      Session()(FormController.prototype, 'token', 0);
      class TestModule {}
      Module({ imports: [AppModule], controllers: [FormController] })(TestModule);

      const adapter = platform === 'express' ? new ExpressAdapter() : new FastifyAdapter({ routerOptions: { ignoreTrailingSlash: true } });
      const app: INestApplication = await NestFactory.create(TestModule, adapter, { logger: false, abortOnError: false });
      try {
        await app.listen(0, '127.0.0.1');
        const base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
        const send = (path: string, init: RequestInit = {}) => fetch(base + path, { redirect: 'manual', signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS), ...init });
        const cookieOf = (res: Response) => res.headers.getSetCookie()[0]?.split(';')[0];

        const guest = await send('/home/');
        assert.equal(guest.status, 303, 'LoginRequiredGuard sends a visitor to loginUrl');
        assert.equal(guest.headers.get('location'), '/');
        const form = await send('/');
        const [csrf, cookie] = [await form.text(), cookieOf(form)!];
        const post = (fields: Record<string, string>) =>
          send('/login/', { method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields) });
        assert.equal((await post({ username: 'Mallory' })).status, 403, 'CsrfGuard refuses a POST without the token');
        const login = await post({ username: 'Ada', csrf_token: csrf });
        assert.equal(login.status, 303);
        assert.equal(login.headers.get('location'), '/home/');
        const home = await send('/home/', { headers: { cookie: cookieOf(login)! } });
        assert.equal(home.status, 200);
        assert.equal(await home.text(), 'Welcome, Ada!');
      } finally {
        await app.close();
      }
    });
  }
});
