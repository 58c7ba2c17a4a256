/**
 * Profiles the cloakroom read path once: the memory-store node:http server's V8 CPU profiler
 * (the one `node --cpu-prof` drives) runs while the load generator reads for a few seconds, after
 * a warm-up; the profile's self time is summed per function and the top ones reported.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configById, type BenchConfig } from './configs.ts';
import { ServerChild } from './child.ts';
import { runLoad, type LoadTool } from './load.ts';
import { ROUTES } from './apps/common.ts';
import type { BenchResults, ProfileEntry } from './results.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PROFILE_SECONDS = 6;

interface CpuProfile {
  nodes: Array<{ id: number; hitCount?: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
}

export async function profileReadPath(
  tool: LoadTool,
  connections: number,
  login: (config: BenchConfig, port: number) => Promise<string[]>,
): Promise<NonNullable<BenchResults['profile']>> {
  const dir = mkdtempSync(join(tmpdir(), 'cloakroom-prof-'));
  try {
    const config = configById('cr-node-memory');
    const server = await ServerChild.start(config.id);
    const file = join(dir, 'read.cpuprofile');
    try {
      const cookies = await login(config, server.port);
      const url = `http://127.0.0.1:${server.port}${ROUTES.read}`;
      await runLoad(tool, { url, connections, durationSeconds: 2, cookies }); // warm-up, not profiled
      // Profile only the loaded window: startup and module loading would otherwise dilute it.
      await server.startProfile();
      await runLoad(tool, { url, connections, durationSeconds: PROFILE_SECONDS, cookies });
      await server.stopProfile(file);
    } finally {
      await server.stop();
    }
    return { config: config.id, scenario: 'read', seconds: PROFILE_SECONDS, top: topSelfTime(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, 1000) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Self samples per function (name + location), as a share of all busy (non-idle) samples. */
export function topSelfTime(profile: CpuProfile, count: number): ProfileEntry[] {
  const totals = new Map<string, { fn: string; where: string; hits: number }>();
  let busy = 0;
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') continue;
    busy += hits;
    const where = url ? `${shortUrl(url)}:${lineNumber + 1}` : '';
    const key = `${functionName}@${where}`;
    const entry = totals.get(key) ?? { fn: functionName || '(anonymous)', where, hits: 0 };
    entry.hits += hits;
    totals.set(key, entry);
  }
  return [...totals.values()]
    .sort((a, b) => b.hits - a.hits)
    .slice(0, count)
    .map((e) => ({ fn: e.fn, where: e.where, selfPercent: busy > 0 ? (100 * e.hits) / busy : 0 }));
}

function shortUrl(url: string): string {
  if (!url.startsWith('file://')) return url;
  const path = fileURLToPath(url);
  // Files of the compiled build (bench/compile.ts) are named by their source path.
  const build = /cloakroom-bench-build-[^/]+\/(.*)$/.exec(path);
  if (build) return build[1]!.replace(/\.js$/, '.ts');
  return relative(ROOT, path).replace(/^node_modules\//, '');
}

/** Busy self time grouped by where it is spent: cloakroom, node:http and streams, kernel writes, GC, the bench app. */
export function selfTimeByArea(top: ProfileEntry[]): Record<string, number> {
  const areas: Record<string, number> = {};
  for (const e of top) {
    const area =
      e.fn === 'writev' || e.fn === 'writeUtf8String' || e.fn === 'writeBuffer'
        ? 'socket writes (kernel, native)'
        : e.where.startsWith('src/')
          ? 'cloakroom (src/)'
          : e.where.startsWith('bench/')
            ? 'bench app handler'
            : e.where.startsWith('node:')
              ? 'Node internals (http, streams, timers)'
              : e.fn === '(garbage collector)'
                ? 'garbage collector'
                : 'other (native, V8, microtasks)';
    areas[area] = (areas[area] ?? 0) + e.selfPercent;
  }
  return areas;
}
