/**
 * The memory store's footprint: heap bytes per session with 100,000 sessions held, and that its
 * `maxEntries` bound holds when 100,000 sessions are pushed into a store bounded at 10,000.
 * Runs in its own process with --expose-gc so the heap figures are not the bench's own.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { BenchResults } from './results.ts';

export type MemoryFigures = NonNullable<BenchResults['memory']>;

export function measureMemoryStore(timeoutMs = 120_000): Promise<MemoryFigures> {
  const build = process.env.BENCH_BUILD_DIR;
  const args = build ? [join(build, 'bench', 'memory-child.js')] : ['--import', 'tsx', fileURLToPath(new URL('./memory-child.ts', import.meta.url))];
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--expose-gc', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    proc.stdout.on('data', (d: Buffer) => (out += d));
    const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
    proc.on('error', reject);
    proc.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`memory footprint child exited with ${code}`));
      else resolve(JSON.parse(out) as MemoryFigures);
    });
  });
}
