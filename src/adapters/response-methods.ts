import { ServerResponse } from 'node:http';

/** The four ways a response's head can start going out: the methods a held response replaces. */
export const HEAD_METHODS = ['writeHead', 'write', 'end', 'flushHeaders'] as const;
export type HeadMethod = (typeof HEAD_METHODS)[number];

type AnyFn = (...args: any[]) => any;

/**
 * How one response's head methods are replaced for the length of a request.
 * `original` is the behaviour without the replacement (call it with `this` = the response).
 */
export interface ResponseMethods {
  readonly original: Readonly<Record<HeadMethod, AnyFn>>;
  replace(name: HeadMethod, fn: AnyFn): void;
  restore(name: HeadMethod): void;
}

/**
 * Replacement by assignment on the response object itself: what node:http responses get
 * (there it costs about nothing).
 *
 * @example
 * const methods = instanceMethods(res);
 * methods.replace('end', function (...args) { return methods.original.end.apply(res, args); });
 */
export function instanceMethods(res: ServerResponse): ResponseMethods {
  const original = { writeHead: res.writeHead, write: res.write, end: res.end, flushHeaders: res.flushHeaders };
  const target = res as unknown as Record<HeadMethod, AnyFn>;
  return {
    original,
    replace: (name, fn) => void (target[name] = fn),
    restore: (name) => void (target[name] = original[name]),
  };
}

/** The replacements of responses whose prototype dispatches to them (`prototypeMethods`). */
const replaced = new WeakMap<object, Partial<Record<HeadMethod, AnyFn>>>();
/** Per prototype that carries dispatchers: the dispatchers, and the methods they stand in front of. */
const dispatching = new WeakMap<object, Installed>();
/** Per direct prototype of a response (Express's per-app `app.response`): the dispatchers above it, or null. */
const throughPrototype = new WeakMap<object, Installed | null>();

interface Installed {
  dispatchers: Record<HeadMethod, AnyFn>;
  inherited: Record<HeadMethod, AnyFn>;
}

/**
 * Replacement without touching the response object, for frameworks that re-parent every
 * response (Express does `Object.setPrototypeOf(res, app.response)`), used by the Express
 * adapter's opt-in `patchPrototypes`. V8 then gives every request's `req` and `res` a map of
 * their own (checked with `%HaveSameMap`), so each new own property costs a map transition and
 * every property read on them misses the inline caches (bench/RESULTS.md measures the two
 * Express paths side by side). Instead,
 * the framework's shared response prototype (the one right above `http.ServerResponse.prototype`,
 * common to every app and sub-app) gets, once, four dispatchers that look the response up in a
 * WeakMap and fall through to the inherited method when it has no replacement.
 *
 * Returns undefined when the response is not shaped that way, or when anything between it and
 * the dispatchers (another middleware's instance wrapper, say) would bypass them: the caller
 * then uses `instanceMethods`, which is always correct.
 *
 * @example
 * const methods = prototypeMethods(res) ?? instanceMethods(res);
 */
export function prototypeMethods(res: ServerResponse): ResponseMethods | undefined {
  const direct = Object.getPrototypeOf(res) as object;
  let installed = throughPrototype.get(direct);
  if (installed === undefined) {
    installed = dispatchersAbove(res) ?? null;
    throughPrototype.set(direct, installed);
  }
  if (installed === null) return undefined;
  // Reads on `res` itself are the slow ones (see above): own-property checks for an instance
  // wrapper, and named reads on its prototype, whose map is stable, for one set there later.
  const { dispatchers } = installed;
  const above = direct as Record<HeadMethod, AnyFn>;
  if (
    Object.hasOwn(res, 'end') || Object.hasOwn(res, 'writeHead') || Object.hasOwn(res, 'write') || Object.hasOwn(res, 'flushHeaders') ||
    above.end !== dispatchers.end || above.writeHead !== dispatchers.writeHead || above.write !== dispatchers.write || above.flushHeaders !== dispatchers.flushHeaders
  ) {
    return undefined;
  }
  const table: Partial<Record<HeadMethod, AnyFn>> = {};
  replaced.set(res, table);
  return new PrototypeMethods(installed.inherited, table);
}

/** A class rather than closures: one allocation per response. */
class PrototypeMethods implements ResponseMethods {
  readonly original: Readonly<Record<HeadMethod, AnyFn>>;
  readonly #table: Partial<Record<HeadMethod, AnyFn>>;
  constructor(original: Readonly<Record<HeadMethod, AnyFn>>, table: Partial<Record<HeadMethod, AnyFn>>) {
    this.original = original;
    this.#table = table;
  }
  replace(name: HeadMethod, fn: AnyFn): void {
    this.#table[name] = fn;
  }
  restore(name: HeadMethod): void {
    this.#table[name] = undefined;
  }
}

/** The dispatchers `res` would reach, installed on its shared prototype if need be; undefined if not shaped for them. */
function dispatchersAbove(res: ServerResponse): Installed | undefined {
  const shared = sharedPrototype(res, ServerResponse.prototype);
  if (shared === undefined) return undefined;
  let installed = dispatching.get(shared);
  if (installed === undefined) {
    installed = install(shared);
    dispatching.set(shared, installed);
  }
  return installed;
}

/**
 * The prototype right above `base` in `object`'s chain (Express's `express.response` above
 * `ServerResponse.prototype`, `express.request` above `IncomingMessage.prototype`), unless that
 * is `object` itself (a plain node:http response).
 *
 * @example
 * sharedPrototype(req, IncomingMessage.prototype); // express.request in an Express app
 */
export function sharedPrototype(object: object, base: object): object | undefined {
  let current = Object.getPrototypeOf(object) as object | null;
  while (current !== null) {
    const parent = Object.getPrototypeOf(current) as object | null;
    if (parent === base) return current;
    current = parent;
  }
  return undefined;
}

function install(shared: object): Installed {
  const proto = shared as Record<HeadMethod, AnyFn>;
  // Looked up at call time, not captured: a tool that patches `ServerResponse.prototype.end`
  // after this ran (an APM agent, say) must still be reached.
  const parent = Object.getPrototypeOf(shared) as Record<HeadMethod, AnyFn>;
  const inherited = {} as Record<HeadMethod, AnyFn>;
  const dispatchers = {} as Record<HeadMethod, AnyFn>;
  for (const name of HEAD_METHODS) {
    const own = Object.hasOwn(shared, name) ? proto[name] : undefined;
    Object.defineProperty(inherited, name, { enumerable: true, get: own ? () => own : () => parent[name] });
    // `arguments`, not rest parameters: V8 passes `apply(this, arguments)` on without building an array.
    dispatchers[name] = function (this: object) {
      const fn = replaced.get(this)?.[name] ?? own ?? parent[name];
      // eslint-disable-next-line prefer-rest-params
      return fn.apply(this, arguments as unknown as unknown[]);
    };
    Object.defineProperty(shared, name, { value: dispatchers[name], writable: true, configurable: true, enumerable: false });
  }
  return { dispatchers, inherited };
}
