/**
 * The part of `node:test` that cloakroom's conformance suite uses (describe, it, before, after,
 * with `skip` and `timeout` options), for running it inside a Worker, where workerd has no
 * `node:test`. The test bundle aliases `node:test` to this module; `runRegistered()` runs what
 * was declared and answers one line per test.
 */
type Fn = () => unknown | Promise<unknown>;
interface Options {
  skip?: boolean | string;
  timeout?: number;
}
interface Test {
  kind: 'test';
  name: string;
  fn: Fn;
  skip: boolean | string | undefined;
}
interface Suite {
  kind: 'suite';
  name: string;
  skip: boolean | string | undefined;
  before: Fn[];
  after: Fn[];
  children: Array<Suite | Test>;
}

/** One test's outcome. */
export interface Outcome {
  name: string;
  status: 'pass' | 'fail' | 'skip';
  error?: string;
}

const root: Suite = { kind: 'suite', name: '', skip: false, before: [], after: [], children: [] };
let current = root;

function split(a: Options | Fn | undefined, b: Fn | undefined): { options: Options; fn: Fn } {
  return typeof a === 'function' ? { options: {}, fn: a } : { options: a ?? {}, fn: b ?? (() => undefined) };
}

export function describe(name: string, a?: Options | Fn, b?: Fn): void {
  const { options, fn } = split(a, b);
  const suite: Suite = { kind: 'suite', name, skip: options.skip, before: [], after: [], children: [] };
  current.children.push(suite);
  const parent = current;
  current = suite;
  try {
    void fn();
  } finally {
    current = parent;
  }
}

export function it(name: string, a?: Options | Fn, b?: Fn): void {
  const { options, fn } = split(a, b);
  current.children.push({ kind: 'test', name, fn, skip: options.skip });
}

export const test = it;

export function before(fn: Fn): void {
  current.before.push(fn);
}

export function after(fn: Fn): void {
  current.after.push(fn);
}

async function run(suite: Suite, prefix: string, out: Outcome[]): Promise<void> {
  const name = suite.name ? `${prefix}${suite.name} > ` : prefix;
  if (suite.skip) {
    out.push({ name: `${name}(suite)`, status: 'skip', error: String(suite.skip) });
    return;
  }
  try {
    for (const hook of suite.before) await hook();
  } catch (err) {
    out.push({ name: `${name}before`, status: 'fail', error: describeError(err) });
    return;
  }
  for (const child of suite.children) {
    if (child.kind === 'suite') {
      await run(child, name, out);
      continue;
    }
    if (child.skip) {
      out.push({ name: name + child.name, status: 'skip', error: String(child.skip) });
      continue;
    }
    try {
      await child.fn();
      out.push({ name: name + child.name, status: 'pass' });
    } catch (err) {
      out.push({ name: name + child.name, status: 'fail', error: describeError(err) });
    }
  }
  for (const hook of suite.after) {
    try {
      await hook();
    } catch (err) {
      out.push({ name: `${name}after`, status: 'fail', error: describeError(err) });
    }
  }
}

function describeError(err: unknown): string {
  return err instanceof Error ? `${err.message}\n${err.stack ?? ''}` : String(err);
}

/** Runs every declared suite once, in order. */
export async function runRegistered(): Promise<Outcome[]> {
  const out: Outcome[] = [];
  await run(root, '', out);
  return out;
}
