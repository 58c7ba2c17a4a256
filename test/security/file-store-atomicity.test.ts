import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileStore } from '../../src/stores/file.ts';
import { generateSessionId, storeKeyFor } from '../../src/core/session-id.ts';

// The file store writes each new version to a temp file in the same folder and renames it over
// the record (rename(2) is atomic): a reader sees the old record or the new one, never a torn
// one. Written in place (truncate, then write), a large record is read half-written.
describe('the file store replaces a record atomically (temp file + rename)', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cloakroom-atomic-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a reader racing 40 rewrites of a 2 MB record always reads one whole version, and no temp file is left', async () => {
    const store = new FileStore({ directory: dir, crossProcessLock: false });
    const key = storeKeyFor(generateSessionId());
    const now = Date.now();
    const big = (n: number) => JSON.stringify(String(n).repeat(2 * 1024 * 1024 / String(n).length));
    await store.create(key, { data: { v: big(0) }, expiresAt: now + 3_600_000, createdAt: now, lastSeenAt: now, userId: null, userAgent: null });
    const path = join(dir, (await readdir(dir)).find((f) => !f.startsWith('.'))!);

    let writing = true;
    let reads = 0;
    const torn: string[] = [];
    const reader = (async () => {
      while (writing) {
        const text = await readFile(path, 'utf8').catch(() => '');
        reads++;
        try {
          JSON.parse(text);
        } catch {
          torn.push(`read ${reads}: ${text.length} bytes`);
        }
      }
    })();
    for (let n = 1; n <= 40; n++) {
      assert.equal(await store.update(key, { set: { v: big(n) }, unset: [], replace: false, expiresAt: now + 3_600_000, lastSeenAt: now }, now), true);
    }
    writing = false;
    await reader;
    assert.ok(reads > 0);
    assert.deepEqual(torn, [], 'every read was a whole record');
    assert.deepEqual((await readdir(dir)).filter((f) => f.endsWith('.tmp')), [], 'no temp file left behind');
    const record = await store.get(key, now);
    assert.equal(JSON.parse(record!.data.v!), big(40).slice(1, -1));
    await store.close();
  });
});
