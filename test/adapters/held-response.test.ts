/**
 * The held-back response (`commitBeforeHeaders`) on its own, over a real node:http server:
 * a commit that answers at once or later, that succeeds or fails, with a handler that streams
 * its body in several calls and keeps writing after the failure.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import { commitBeforeHeaders } from '../../src/adapters/node-response.ts';
import { SessionError, type CommitResult } from '../../src/index.ts';
import { listen, type ServedApp } from './suite.ts';

type Commit = (status: number) => CommitResult | Promise<CommitResult>;

const ok: CommitResult = { setCookie: 'sessionid=abc; Path=/; HttpOnly', vary: true };
const down = () => new SessionError('ERR_STORE_UNAVAILABLE', 'test: store down');

const commits: Record<string, Commit> = {
  'sync-ok': () => ok,
  'sync-fail': () => {
    throw down();
  },
  'async-ok': () => new Promise((resolve) => setTimeout(() => resolve(ok), 10)),
  'async-fail': () => new Promise((_, reject) => setTimeout(() => reject(down()), 10)),
};

/**
 * Streams "a", "b", "c" in three calls; when `late`, writes once more after the commit has
 * settled (after a success that is the application's own bug, as on any node:http response).
 */
function streamingHandler(res: ServerResponse, late: boolean, lateWrites: string[]): void {
  res.setHeader('content-type', 'text/plain');
  res.write('a');
  res.write('b');
  res.end('c');
  if (!late) return;
  setTimeout(() => {
    // A handler that has not noticed the failure: nothing it does may crash the process.
    res.write('late');
    res.end('late');
    lateWrites.push('done');
  }, 40);
}

describe('commitBeforeHeaders (the held-back response)', () => {
  let app: ServedApp;
  const lateWrites: string[] = [];
  const statuses: number[] = [];

  before(async () => {
    app = await listen(
      createServer((req, res) => {
        const name = new URL(req.url ?? '/', 'http://local').pathname.slice(1);
        const commit = commits[name]!;
        commitBeforeHeaders(res, (status) => {
          statuses.push(status);
          return commit(status);
        });
        streamingHandler(res, name.endsWith('fail'), lateWrites);
      }),
    );
  });
  after(() => app.close());

  for (const kind of ['sync', 'async']) {
    it(`${kind} commit that succeeds: the body arrives whole, in order, with the cookie`, async () => {
      const reply = await fetch(`${app.url}/${kind}-ok`);
      assert.equal(reply.status, 200);
      assert.equal(reply.headers.get('set-cookie'), ok.setCookie);
      assert.equal(reply.headers.get('vary'), 'Cookie');
      assert.equal(await reply.text(), 'abc');
    });

    it(`${kind} commit that fails: a bounded 503 replaces the whole response, later writes are ignored`, async () => {
      const before = lateWrites.length;
      const reply = await fetch(`${app.url}/${kind}-fail`);
      assert.equal(reply.status, 503);
      assert.equal(reply.headers.get('set-cookie'), null);
      const body = await reply.text();
      assert.ok(!body.includes('abc') && !body.includes('late'), `none of the handler's body is sent: ${body}`);
      assert.match(body, /unavailable/i);
      // The handler's late write and end ran against the failed response without crashing.
      await new Promise((r) => setTimeout(r, 80));
      assert.ok(lateWrites.length > before);
    });
  }

  it('starts the commit once, with the status the handler set', () => {
    assert.deepEqual(statuses, [200, 200, 200, 200]);
  });
});
