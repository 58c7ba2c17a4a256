/**
 * docs/API.md is the hand-written guide; its ```typescript blocks are abridged signature
 * summaries (declarations without bodies, so not compiled like the ```ts examples). So that they
 * cannot drift from the code either, every name they declare must exist in the generated
 * reference (docs/api/, itself checked against the sources by api-reference.test.ts):
 * - a top-level `function`/`class`/`interface`/`type`/`const`/`namespace` must be an export of
 *   the module of its section (`## 3. \`cloakroom/node\`` …; a numbered section naming no module
 *   means `cloakroom`);
 * - a member on its own line inside a multi-line `class`/`interface` summary must be a public
 *   member of that export.
 * A name removed or renamed in the code therefore fails here until the guide follows.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers/built-package.ts';

const GUIDE = 'docs/API.md';

/** Top-level names of a generated page (### headings) with their members (##### headings). */
function reference(module: string): Map<string, Set<string>> | undefined {
  const page = join(ROOT, 'docs/api', module === 'cloakroom' ? 'cloakroom.md' : `${module}.md`);
  if (!existsSync(page)) return undefined;
  const names = new Map<string, Set<string>>();
  let current: Set<string> | undefined;
  // `sync?`, `touch()?`, `MAX\_FORM\_BYTES` → sync, touch, MAX_FORM_BYTES
  const clean = (heading: string) => heading.replaceAll('\\', '').trim().replace(/(\(\))?\??$/, '');
  for (const line of readFileSync(page, 'utf8').split('\n')) {
    const top = /^### (.+)$/.exec(line);
    if (top) names.set(clean(top[1]!), (current = new Set()));
    const member = /^##### (.+)$/.exec(line);
    if (member && current) current.add(clean(member[1]!));
  }
  return names;
}

interface Summary {
  line: number;
  module: string;
  source: string[];
}

function summaries(): Summary[] {
  const lines = readFileSync(join(ROOT, GUIDE), 'utf8').split('\n');
  const out: Summary[] = [];
  let module = 'cloakroom';
  for (let i = 0; i < lines.length; i++) {
    const heading = /^##+ \d+(?:\.\d+)*\.? (.*)$/.exec(lines[i]!);
    if (heading) module = /`(cloakroom(?:\/[\w-]+)*)`/.exec(heading[1]!)?.[1] ?? 'cloakroom';
    if (lines[i] === '```typescript') {
      const start = i + 1;
      while (lines[++i] !== '```') if (i >= lines.length) throw new Error(`${GUIDE}:${start}: unclosed block`);
      out.push({ line: start + 1, module, source: lines.slice(start, i) });
    }
  }
  return out;
}

const DECLARATION = /^(?:declare )?(?:abstract )?(function|class|interface|type|const|namespace) ([A-Za-z_$][\w$]*)/;
const MEMBER = /^ {2}(?:readonly |static )*([A-Za-z_$][\w$]*)\??\s*[(<:;]/;

describe(`the signature summaries of ${GUIDE}`, () => {
  it('name only what the generated reference has', () => {
    const problems: string[] = [];
    const blocks = summaries();
    assert.ok(blocks.length > 10, 'summaries found');
    for (const block of blocks) {
      const names = reference(block.module);
      if (!names) {
        problems.push(`${GUIDE}:${block.line}: no generated page for ${block.module}`);
        continue;
      }
      let owner: string | undefined;
      block.source.forEach((text, offset) => {
        const at = `${GUIDE}:${block.line + offset}`;
        const declaration = DECLARATION.exec(text);
        if (declaration) {
          const name = declaration[2]!;
          if (!names.has(name)) problems.push(`${at}: \`${name}\` is not exported by ${block.module}`);
          owner = (declaration[1] === 'class' || declaration[1] === 'interface') && text.trimEnd().endsWith('{') ? name : undefined;
          return;
        }
        if (text.startsWith('}')) owner = undefined;
        const member = owner && text.trimStart().startsWith('//') === false ? MEMBER.exec(text) : null;
        if (owner && member && member[1] !== 'constructor') {
          const members = names.get(owner);
          if (members && !members.has(member[1]!)) problems.push(`${at}: \`${owner}.${member[1]}\` is not a public member in ${block.module}`);
        }
      });
    }
    assert.deepEqual(problems, [], 'update docs/API.md to the code (docs/api/ is generated from it)');
  });
});
