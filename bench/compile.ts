/**
 * Compiles src/ and bench/ to plain JavaScript for the benchmark servers, so they run the way a
 * user's production build does. Running them under tsx would measure tsx too: its esbuild
 * transform keeps function names with an `__name(fn)` call on every closure created (cloakroom
 * makes several per request), which showed up at ~3% of the read path's profile.
 * Uses TypeScript's own `transpileModule` (a devDependency) file by file, no type check.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sources(path));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** Writes the build to a fresh temporary folder and resolves its path; remove it with `removeBuild`. */
export function compileBench(): string {
  const out = mkdtempSync(join(tmpdir(), 'cloakroom-bench-build-'));
  const options: ts.CompilerOptions = {
    module: ts.ModuleKind.ESNext,
    target: ts.ScriptTarget.ES2022,
    rewriteRelativeImportExtensions: true,
    sourceMap: false,
  };
  for (const file of [...sources(join(ROOT, 'src')), ...sources(join(ROOT, 'bench'))]) {
    const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), { compilerOptions: options, fileName: file });
    const target = join(out, relative(ROOT, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, outputText);
  }
  writeFileSync(join(out, 'package.json'), JSON.stringify({ type: 'module' }));
  // Packages resolve from the repository's node_modules, as they would next to a real build.
  symlinkSync(join(ROOT, 'node_modules'), join(out, 'node_modules'), 'dir');
  return out;
}

export function removeBuild(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
