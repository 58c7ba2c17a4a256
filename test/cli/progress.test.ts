import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ProgressBar } from '../../src/cli/progress.ts';

/** A terminal-like sink (isTTY) that records what was written. */
function sink(isTTY: boolean, columns = 120) {
  const writes: string[] = [];
  return { isTTY, columns, writes, write: (t: string) => writes.push(t) };
}

describe('progress bar', () => {
  it('draws nothing for short work, and nothing at all off a terminal', () => {
    let t = 0;
    const tty = sink(true);
    const bar = new ProgressBar(tty, { total: 10, label: 'done', now: () => t });
    t = 100;
    bar.update(5);
    bar.done();
    assert.deepEqual(tty.writes, [], 'quicker than the delay: no bar');

    const pipe = sink(false);
    const piped = new ProgressBar(pipe, { total: 10, label: 'done', now: () => t });
    t = 10_000;
    piped.update(5);
    piped.done();
    assert.deepEqual(pipe.writes, []);
  });

  it('draws a bar with percent, counts and time, throttled, and erases it at the end', () => {
    let t = 0;
    const tty = sink(true);
    const bar = new ProgressBar(tty, { total: 120_000, label: 'expired sessions deleted', width: 10, now: () => t });
    t = 300;
    bar.update(30_000);
    t = 350;
    bar.update(40_000); // within the redraw interval: skipped
    t = 500;
    bar.update(120_000);
    bar.done();
    assert.equal(tty.writes.length, 3);
    assert.equal(tty.writes[0], '\r[███░░░░░░░]  25% 30,000/120,000 expired sessions deleted · 0.3s\x1b[K');
    assert.equal(tty.writes[1], '\r[██████████] 100% 120,000/120,000 expired sessions deleted · 0.5s\x1b[K');
    assert.equal(tty.writes[2], '\r\x1b[K');
  });

  it('counts without a bar when the total is unknown, and fits narrow terminals', () => {
    let t = 0;
    const bar = new ProgressBar(sink(true, 40), { label: 'deleted', now: () => t });
    t = 1000;
    assert.equal(bar.render(1234), '1,234 deleted · 1.0s');
    const narrow = new ProgressBar(sink(true, 40), { total: 100, label: 'expired sessions deleted', now: () => t });
    assert.ok(narrow.render(50).length < 40);
  });
});
