import type { SessionStore } from '../../src/core/store.ts';

export type StoreMethod = 'get' | 'create' | 'update' | 'touch' | 'destroy' | 'clearExpired' | 'listByUser' | 'destroyByUser' | 'stats' | 'close';

/** Wraps a real store and counts the calls made to it (it forwards every call unchanged). */
export function countingStore(inner: SessionStore): SessionStore & { calls: Record<StoreMethod, number>; total(): number; reset(): void } {
  const calls = {} as Record<StoreMethod, number>;
  const reset = () => {
    for (const m of ['get', 'create', 'update', 'touch', 'destroy', 'clearExpired', 'listByUser', 'destroyByUser', 'stats', 'close'] as const) calls[m] = 0;
  };
  reset();
  const wrap =
    <M extends StoreMethod>(m: M) =>
    (...args: unknown[]) => {
      calls[m]++;
      return (inner[m] as (...a: unknown[]) => Promise<unknown>).apply(inner, args);
    };
  return {
    name: `counting(${inner.name})`,
    get: wrap('get'),
    create: wrap('create'),
    update: wrap('update'),
    touch: wrap('touch'),
    destroy: wrap('destroy'),
    clearExpired: wrap('clearExpired'),
    listByUser: wrap('listByUser'),
    destroyByUser: wrap('destroyByUser'),
    stats: wrap('stats'),
    close: wrap('close'),
    calls,
    total: () => Object.values(calls).reduce((a, b) => a + b, 0),
    reset,
  } as never;
}
