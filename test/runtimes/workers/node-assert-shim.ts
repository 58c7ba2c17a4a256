/**
 * The part of `node:assert/strict` that the store conformance suite and the cookie store's
 * suite use, for running them in a Worker without `nodejs_compat` (where workerd has no
 * `node:assert`). The no-compat test bundle aliases `node:assert/strict` to this module. Strict
 * semantics, as the suites expect: `equal` is `Object.is`, `deepEqual` compares prototypes,
 * own keys and values recursively.
 */
class AssertionError extends Error {
  override name = 'AssertionError';
}

function fail(message: string | undefined, fallback: string): never {
  throw new AssertionError(message ?? fallback);
}

function show(value: unknown): string {
  try {
    return typeof value === 'string' ? JSON.stringify(value) : String(JSON.stringify(value) ?? value);
  } catch {
    return String(value);
  }
}

function deepStrictEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  if (a instanceof Date) return a.getTime() === (b as Date).getTime();
  if (ArrayBuffer.isView(a)) {
    const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    const y = new Uint8Array((b as ArrayBufferView).buffer, (b as ArrayBufferView).byteOffset, (b as ArrayBufferView).byteLength);
    return x.length === y.length && x.every((v, i) => v === y[i]);
  }
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.length !== keysB.length) return false;
  return keysA.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepStrictEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** Whether `error` meets `expected` (a class, a RegExp on its message, an object of properties, or a predicate). */
function matches(error: unknown, expected: unknown): boolean {
  if (expected === undefined) return true;
  if (expected instanceof RegExp) return expected.test(String((error as Error)?.message ?? error));
  if (typeof expected === 'function') {
    if (expected.prototype !== undefined && error instanceof (expected as new () => unknown)) return true;
    return (expected as (e: unknown) => unknown)(error) === true;
  }
  if (typeof expected === 'object' && expected !== null) {
    return Object.entries(expected).every(([k, v]) => {
      const actual = (error as Record<string, unknown>)?.[k];
      return v instanceof RegExp && typeof actual === 'string' ? v.test(actual) : deepStrictEqual(actual, v);
    });
  }
  return false;
}

function assert(value: unknown, message?: string): asserts value {
  if (!value) fail(message, `expected a truthy value, got ${show(value)}`);
}

assert.ok = assert;
assert.equal = (actual: unknown, expected: unknown, message?: string): void => {
  if (!Object.is(actual, expected)) fail(message, `${show(actual)} !== ${show(expected)}`);
};
assert.notEqual = (actual: unknown, expected: unknown, message?: string): void => {
  if (Object.is(actual, expected)) fail(message, `${show(actual)} === ${show(expected)}`);
};
assert.deepEqual = (actual: unknown, expected: unknown, message?: string): void => {
  if (!deepStrictEqual(actual, expected)) fail(message, `not deep-equal:\n${show(actual)}\n${show(expected)}`);
};
assert.notDeepEqual = (actual: unknown, expected: unknown, message?: string): void => {
  if (deepStrictEqual(actual, expected)) fail(message, `deep-equal: ${show(actual)}`);
};
assert.match = (text: string, pattern: RegExp, message?: string): void => {
  if (!pattern.test(text)) fail(message, `${show(text)} does not match ${pattern}`);
};
assert.doesNotMatch = (text: string, pattern: RegExp, message?: string): void => {
  if (pattern.test(text)) fail(message, `${show(text)} matches ${pattern}`);
};
assert.throws = (fn: () => unknown, expected?: unknown, message?: string): void => {
  try {
    fn();
  } catch (error) {
    if (!matches(error, expected)) fail(message, `the error does not match: ${String(error)}`);
    return;
  }
  fail(message, 'expected a throw');
};
assert.rejects = async (promiseOrFn: Promise<unknown> | (() => Promise<unknown>), expected?: unknown, message?: string): Promise<void> => {
  try {
    await (typeof promiseOrFn === 'function' ? promiseOrFn() : promiseOrFn);
  } catch (error) {
    if (!matches(error, expected)) fail(message, `the rejection does not match: ${String(error)}`);
    return;
  }
  fail(message, 'expected a rejection');
};
assert.AssertionError = AssertionError;
assert.strict = assert;

export default assert;
