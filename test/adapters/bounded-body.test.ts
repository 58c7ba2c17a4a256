import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { chunksOf, readBoundedBody } from '../../src/adapters/bounded-body.ts';
import { formCsrfToken } from '../../src/adapters/web.ts';
import { readForm } from '../../src/adapters/node-form.ts';
import type { IncomingMessage } from 'node:http';

const bytes = (n: number) => new Uint8Array(n).fill(0x61);

describe('the one bounded body reader', () => {
  it('returns the body when it fits', async () => {
    assert.equal(new TextDecoder().decode(await readBoundedBody(Readable.from([bytes(3), bytes(2)]), '5', 5)), 'aaaaa');
  });

  it('refuses a declared length over the limit before reading anything', async () => {
    let pulled = false;
    const body = (async function* () {
      pulled = true;
      yield bytes(1);
    })();
    await assert.rejects(readBoundedBody(body, '6', 5), { code: 'ERR_SESSION_TOO_LARGE', status: 413 });
    assert.equal(pulled, false);
  });

  it('stops a streamed body at the limit and stops its source', async () => {
    const node = Readable.from((function* () {
      for (;;) yield bytes(4);
    })());
    await assert.rejects(readBoundedBody(node, undefined, 10), { code: 'ERR_SESSION_TOO_LARGE' });
    assert.equal(node.destroyed, true, 'a Node stream is destroyed');

    let cancelled = false;
    const web = new ReadableStream<Uint8Array>({
      pull: (controller) => controller.enqueue(bytes(4)),
      cancel: () => {
        cancelled = true;
      },
    });
    await assert.rejects(readBoundedBody(chunksOf(web), null, 10), { code: 'ERR_SESSION_TOO_LARGE' });
    assert.equal(cancelled, true, 'a web stream is cancelled');
  });

  it('keeps each reader’s public behaviour: readForm parses, formCsrfToken finds the token or none', async () => {
    const req = Object.assign(Readable.from([Buffer.from('a=1&csrf_token=t')]), { headers: {} }) as unknown as IncomingMessage;
    assert.equal((await readForm(req)).get('a'), '1');
    const form = (body: string) =>
      new Request('http://x/', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    assert.equal(await formCsrfToken(form('csrf_token=t&b=2')), 't');
    assert.equal(await formCsrfToken(form('b=2')), null);
    // No Content-Length: the clone is read and cut off; the 413 does not wait for the original body.
    await assert.rejects(formCsrfToken(form('x'.repeat(20)), 10), { code: 'ERR_SESSION_TOO_LARGE' });
  });
});
