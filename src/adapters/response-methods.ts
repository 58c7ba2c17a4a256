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
const dispatching = new WeakMap<object, { dispatchers: Record<HeadMethod, AnyFn>; inherited: Record<HeadMethod, AnyFn> }>();

/**
 * Replacement without touching the response object, for frameworks that re-parent every
 * response (Express does `Object.setPrototypeOf(res, app.response)`): V8 then makes each new
 * own property on that response cost microseconds — measured ~5 µs per property on the bench
 * machine, more than the whole session work. Instead, the framework's shared response
 * prototype (the one right above `http.ServerResponse.prototype`, common to every app and
 * sub-app) gets, once, four dispatchers that look the response up in a WeakMap and fall
 * through to the inherited method when it has no replacement.
 *
 * Returns undefined when the response is not shaped that way, or when anything between it and
 * the dispatchers (another middleware's instance wrapper, say) would bypass them: the caller
 * then uses `instanceMethods`, which is always correct.
 *
 * @example
 * const methods = prototypeMethods(res) ?? instanceMethods(res);
 */
export function prototypeMethods(res: ServerResponse): ResponseMethods | undefined {
  const shared = sharedPrototype(res, ServerResponse.prototype);
  if (shared === undefined) return undefined;
  let installed = dispatching.get(shared);
  if (installed === undefined) {
    installed = install(shared);
    dispatching.set(shared, installed);
  }
  const target = res as unknown as Record<HeadMethod, AnyFn>;
  for (const name of HEAD_METHODS) if (target[name] !== installed.dispatchers[name]) return undefined;
  const table: Partial<Record<HeadMethod, AnyFn>> = {};
  replaced.set(res, table);
  return {
    original: installed.inherited,
    replace: (name, fn) => void (table[name] = fn),
    restore: (name) => void (table[name] = undefined),
  };
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

function install(shared: object): { dispatchers: Record<HeadMethod, AnyFn>; inherited: Record<HeadMethod, AnyFn> } {
  const proto = shared as Record<HeadMethod, AnyFn>;
  const inherited = {} as Record<HeadMethod, AnyFn>;
  const dispatchers = {} as Record<HeadMethod, AnyFn>;
  for (const name of HEAD_METHODS) {
    const fallThrough = proto[name];
    inherited[name] = fallThrough;
    dispatchers[name] = function (this: object, ...args: unknown[]) {
      const fn = replaced.get(this)?.[name] ?? fallThrough;
      return fn.apply(this, args);
    };
    Object.defineProperty(shared, name, { value: dispatchers[name], writable: true, configurable: true, enumerable: false });
  }
  return { dispatchers, inherited };
}
