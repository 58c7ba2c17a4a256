/**
 * `npm run bench -- --quick` as a smoke test: every server starts in its own process, the load
 * generator runs against it, and the store-call counts hold the lifecycle's promises
 * (cookieless 0 calls, read 1 get and 0 writes, write 1 write).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchResults, Cell } from '../../bench/results.ts';

const dir = mkdtempSync(join(tmpdir(), 'cloakroom-bench-test-'));
const jsonPath = join(dir, 'results.json');
const mdPath = join(dir, 'RESULTS.md');

function runQuick(): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--quick', `--json=${jsonPath}`, `--out=${mdPath}`], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    // Bounded: a hung server or load generator fails the test instead of stalling npm test.
    const timer = setTimeout(() => child.kill('SIGKILL'), 150_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

describe('npm run bench -- --quick', { timeout: 180_000 }, () => {
  let results: BenchResults;
  let markdown: string;

  before(async () => {
    const { code, stderr } = await runQuick();
    assert.equal(code, 0, `bench --quick failed:\n${stderr}`);
    results = JSON.parse(readFileSync(jsonPath, 'utf8')) as BenchResults;
    markdown = readFileSync(mdPath, 'utf8');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('measures bare node:http and cloakroom on node:http in every scenario, without errors', () => {
    for (const id of ['node', 'cr-node-memory']) {
      const config = results.configs.find((c) => c.id === id);
      assert.equal(config?.status, 'ok', `${id}: ${config?.status}`);
      for (const scenario of ['read', 'write', 'cookieless'] as const) {
        const cell: Cell = config!.cells[scenario]!;
        assert.ok(cell.rps > 0 && cell.samples[0]!.requests > 0, `${id} ${scenario} served no requests`);
        assert.ok(cell.cpuPerReq > 0, `${id} ${scenario}: no server CPU measured`);
        assert.equal(cell.errors, 0, `${id} ${scenario}: ${cell.errors} errors`);
      }
    }
  });

  it('counts the store calls the lifecycle promises: cookieless 0, read 1 get and no write, write 1 update', () => {
    const cells = results.configs.find((c) => c.id === 'cr-node-memory')!.cells;
    const calls = (scenario: 'read' | 'write' | 'cookieless', method: string) => cells[scenario]!.calls[method] ?? 0;
    const writes = (scenario: 'read' | 'write' | 'cookieless') => ['create', 'update', 'touch', 'destroy'].reduce((a, m) => a + calls(scenario, m), 0);
    for (const method of ['get', 'create', 'update', 'touch', 'destroy']) assert.equal(calls('cookieless', method), 0, `cookieless ${method}`);
    // In-flight requests at the window's edges can shift a count by a few in thousands.
    assert.ok(Math.abs(calls('read', 'get') - 1) < 0.01, `read get ${calls('read', 'get')}`);
    assert.equal(writes('read'), 0);
    assert.ok(Math.abs(calls('write', 'update') - 1) < 0.01, `write update ${calls('write', 'update')}`);
    assert.ok(Math.abs(writes('write') - 1) < 0.01, `write writes ${writes('write')}`);
  });

  it('measures each server\'s GC pause per request', () => {
    const cells = results.configs.flatMap((c) => Object.values(c.cells));
    for (const cell of cells) assert.ok(Number.isFinite(cell.gcPerReq) && cell.gcPerReq >= 0, `GC µs/req ${cell.gcPerReq}`);
    assert.ok(cells.some((cell) => cell.gcPerReq > 0), 'no garbage collection seen in any window');
  });

  it('writes a report with the tables, the targets and where Express\'s cost goes', () => {
    assert.match(markdown, /## Targets \(issue 4\)/);
    assert.match(markdown, /## Where Express's cost goes \(read scenario\)\n\nBare Express costs [\d.]+ µs\/req more than bare node:http/);
    assert.match(markdown, /\| node:http \+ Object\.setPrototypeOf\(req, res\) per request, as Express does \| [\d.]+ \| [\d.]+ \|/);
    assert.match(markdown, /\| bare node:http \| [\d,]+ \|/);
    assert.match(markdown, /\| cloakroom · node:http · memory \| read \| get 1\.00 \| 0\.00 \|/);
  });
});
