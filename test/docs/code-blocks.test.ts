/**
 * Every ```ts block in README.md and docs/*.md (and in the module doc comment of src/extend.ts,
 * the minimal adapter shown to adapter authors) type-checks against the current sources, as the
 * consumer code it shows: `cloakroom/…` imports resolve to src/ through tsconfig `paths` built
 * from package.json `exports` (so a private path such as `cloakroom/stores/sql-shared` does not
 * resolve), under the project's own strict compiler options.
 *
 * Conventions for writers of the docs:
 * - A block is a module on its own (its imports included): it is compiled as its own file.
 * - A block that is intentionally not a whole module — a signature listing, a line to paste
 *   into existing code — is fenced ```ts fragment and is skipped. Use it sparingly: the point
 *   of this test is that examples cannot drift from the code.
 * - A block that augments `SessionData` (`declare module 'cloakroom' …`) is compiled only with
 *   the blocks that make the same augmentation, since an augmentation applies to a whole program.
 *   Each program also holds a file importing `cloakroom`, as any app does: a block that only
 *   declares the augmentation is then checked too.
 * - ```ts quickstart blocks (README) are compiled here like any other, and also run over HTTP
 *   by readme-quickstarts.test.ts.
 * - ```typescript blocks (docs/API.md's abridged signature summaries) are not compiled: they are
 *   declarations without bodies. The signatures that cannot drift are the generated ones in
 *   docs/api/, which this test does not scan either (api-reference.test.ts checks them).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import ts from 'typescript';
import { ROOT } from '../helpers/built-package.ts';
import { uniqueSuffix } from '../helpers/services.ts';
import { sourcePaths } from '../helpers/source-paths.ts';

const DIR = join(ROOT, '.cloakroom-test', `doc-blocks-${uniqueSuffix()}`);
const APP = join(DIR, 'app.ts');
const DOCS = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
// Module doc comments whose examples are whole modules, checked the same way (the ` * ` prefixes removed).
const DOC_COMMENTS = ['src/extend.ts'];

interface Block {
  doc: string;
  line: number;
  info: string[];
  source: string;
  file: string;
}

function blocksOf(doc: string): Block[] {
  let text = readFileSync(join(ROOT, doc), 'utf8');
  if (doc.endsWith('.ts')) text = text.replace(/^ \* ?/gm, ''); // a doc comment's lines, unprefixed
  const blocks: Block[] = [];
  for (const m of text.matchAll(/^```ts([^\n]*)\n([\s\S]*?)^```$/gm)) {
    const line = text.slice(0, m.index).split('\n').length; // the fence's line
    const file = join(DIR, `${basename(doc).replace(/\.(md|ts)$/, '')}-${line}.ts`);
    blocks.push({ doc, line, info: m[1]!.trim().split(/\s+/).filter(Boolean), source: m[2]!, file });
  }
  return blocks;
}

const ALL = [...DOCS, ...DOC_COMMENTS].flatMap(blocksOf);
const COMPILED = ALL.filter((b) => !b.info.includes('fragment'));

/** Blocks that may share one program: grouped by the SessionData augmentation they make. */
function groups(): Block[][] {
  const byAugmentation = new Map<string, Block[]>();
  for (const block of COMPILED) {
    const augmentation = /declare module 'cloakroom'[\s\S]*?\n?}\s*}/.exec(block.source)?.[0].replace(/\s+/g, ' ') ?? '';
    byAugmentation.set(augmentation, [...(byAugmentation.get(augmentation) ?? []), block]);
  }
  return [...byAugmentation.values()];
}

function compilerOptions(): ts.CompilerOptions {
  const config = ts.readConfigFile(join(ROOT, 'tsconfig.json'), ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
  return { ...parsed.options, paths: sourcePaths(), noEmit: true, incremental: false };
}

describe('the ```ts blocks of README.md and docs/*.md', () => {
  before(() => {
    mkdirSync(DIR, { recursive: true });
    writeFileSync(join(DIR, 'package.json'), JSON.stringify({ type: 'module' }));
    // `export {}`: a block without imports is still a module, so its names stay its own.
    for (const block of COMPILED) writeFileSync(block.file, `${block.source}\nexport {};\n`);
    writeFileSync(APP, "export type { Session } from 'cloakroom';\n");
  });
  after(() => rmSync(DIR, { recursive: true, force: true }));

  it('are found (README.md and the API guide have some)', () => {
    assert.ok(ALL.some((b) => b.doc === 'README.md'));
    assert.ok(ALL.some((b) => b.doc === 'docs/API.md'));
    for (const doc of DOC_COMMENTS) assert.ok(ALL.some((b) => b.doc === doc), doc);
  });

  it('type-check against the sources', { timeout: 600_000 }, () => {
    const options = compilerOptions();
    const host = ts.createCompilerHost(options);
    // Library and source files are parsed once for all programs.
    const cache = new Map<string, ts.SourceFile | undefined>();
    const getSourceFile = host.getSourceFile.bind(host);
    host.getSourceFile = (name, language, onError) => {
      if (name.startsWith(DIR)) return getSourceFile(name, language, onError);
      if (!cache.has(name)) cache.set(name, getSourceFile(name, language, onError));
      return cache.get(name);
    };
    const failures: string[] = [];
    let previous: ts.Program | undefined;
    for (const group of groups()) {
      const program = ts.createProgram([APP, ...group.map((b) => b.file)], options, host, previous);
      previous = program;
      for (const block of group) {
        const sourceFile = program.getSourceFile(block.file)!;
        const diagnostics = [...program.getSyntacticDiagnostics(sourceFile), ...program.getSemanticDiagnostics(sourceFile)];
        for (const d of diagnostics) {
          const { line } = sourceFile.getLineAndCharacterOfPosition(d.start ?? 0);
          failures.push(`${block.doc}:${block.line + 1 + line}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
        }
      }
    }
    assert.deepEqual(failures, [], 'fix the example, or fence it ```ts fragment if it is not meant to be a whole module');
  });
});
