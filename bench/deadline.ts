/**
 * Micro-benchmark behind src/core/deadline.ts: the cost per call of bounding an already
 * settled store call with a timer per call (`withDeadline` today) against the shared watchdog
 * it replaced (copied below), over a bare promise wrapper as the floor.
 * Run: `npx tsx bench/deadline.ts` (CALLS=200000 ROUNDS=7 CONCURRENCY=1|64 to vary).
 */
import { withDeadline } from '../src/core/deadline.ts';

type Bound = <T>(promise: Promise<T>, ms: number, error: () => Error, failure: (reason: unknown) => unknown) => Promise<T>;

/** The module-global watchdog src/core/deadline.ts used before, verbatim in behaviour. */
function watchdogVariant(): Bound {
  interface Pending {
    deadline: number;
    reject: (err: unknown) => void;
    error: () => Error;
  }
  const pending = new Set<Pending>();
  let watchdog: NodeJS.Timeout | undefined;
  let tickMs = 50;
  const sweep = () => {
    const now = Date.now();
    for (const entry of pending) {
      if (entry.deadline <= now) {
        pending.delete(entry);
        entry.reject(entry.error());
      }
    }
    if (pending.size === 0 && watchdog) {
      clearInterval(watchdog);
      watchdog = undefined;
    }
  };
  return <T>(promise: Promise<T>, ms: number, error: () => Error, failure: (reason: unknown) => unknown) =>
    new Promise<T>((resolve, reject) => {
      const entry: Pending = { deadline: Date.now() + ms, reject, error };
      pending.add(entry);
      if (watchdog === undefined || ms < tickMs * 4) {
        tickMs = Math.max(5, Math.min(50, Math.floor(ms / 4)));
        if (watchdog) clearInterval(watchdog);
        watchdog = setInterval(sweep, tickMs);
      }
      promise.then(
        (value) => {
          pending.delete(entry);
          resolve(value);
        },
        (err: unknown) => {
          pending.delete(entry);
          reject(failure(err));
        },
      );
    });
}

const bare: Bound = (promise, _ms, _error, failure) => new Promise((resolve, reject) => promise.then(resolve, (err) => reject(failure(err))));

const calls = Number(process.env.CALLS ?? 200_000);
const rounds = Number(process.env.ROUNDS ?? 7);
const concurrency = Number(process.env.CONCURRENCY ?? 1);
const error = () => new Error('timed out');
const asIs = (reason: unknown) => reason;

async function nsPerCall(bound: Bound): Promise<number> {
  const started = process.hrtime.bigint();
  for (let i = 0; i < calls; i += concurrency) {
    const batch: Promise<number>[] = [];
    for (let j = 0; j < concurrency; j++) batch.push(bound(Promise.resolve(j), 1000, error, asIs));
    await Promise.all(batch);
  }
  return Number(process.hrtime.bigint() - started) / calls;
}

const variants: Array<[string, Bound]> = [
  ['bare promise', bare],
  ['shared watchdog', watchdogVariant()],
  ['timer per call', withDeadline],
];
for (const [, bound] of variants) await nsPerCall(bound); // warm-up
const samples = new Map<string, number[]>(variants.map(([name]) => [name, []]));
for (let round = 0; round < rounds; round++) {
  for (const [name, bound] of variants) samples.get(name)!.push(await nsPerCall(bound));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`${calls} calls × ${rounds} rounds, concurrency ${concurrency}; median ns per call`);
for (const [name, xs] of samples) console.log(`${name.padEnd(16)} ${median(xs).toFixed(0).padStart(6)}`);
const ratio = median(samples.get('timer per call')!) / median(samples.get('shared watchdog')!);
console.log(`timer per call / shared watchdog: ${ratio.toFixed(2)}`);
