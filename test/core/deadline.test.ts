import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withDeadline } from '../../src/core/deadline.ts';

const timedOut = () => new Error('timed out');
const never = new Promise<never>(() => {});

test('withDeadline resolves with the value of a promise that settles in time', async () => {
  assert.equal(await withDeadline(Promise.resolve(7), 10_000, timedOut), 7);
});

test('withDeadline rejects with the mapped failure when the promise rejects', async () => {
  const cause = new Error('store down');
  await assert.rejects(
    withDeadline(Promise.reject(cause), 10_000, timedOut, (reason) => new Error('mapped', { cause: reason })),
    (err: Error) => err.message === 'mapped' && err.cause === cause,
  );
});

test('withDeadline passes a rejection through unchanged when no mapping is given', async () => {
  const cause = new Error('store down');
  await assert.rejects(withDeadline(Promise.reject(cause), 10_000, timedOut), (err) => err === cause);
});

test('withDeadline rejects with error() when the promise never settles', async () => {
  await assert.rejects(withDeadline(never, 5, timedOut), /timed out/);
});

test('a call that settled in time is never rejected later by its deadline', async () => {
  let late: unknown;
  const call = withDeadline(Promise.resolve('ok'), 5, () => {
    late = new Error('deadline fired after the call settled');
    return late as Error;
  });
  assert.equal(await call, 'ok');
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.equal(late, undefined);
});
