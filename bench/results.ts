/** The shape of a bench run's results (also written as JSON with `--json`). */
import type { Role } from './configs.ts';

export const SCENARIOS = ['read', 'write', 'cookieless'] as const;
export type Scenario = (typeof SCENARIOS)[number];

export interface RunSample {
  rps: number;
  p50: number;
  p99: number;
  /** Server CPU µs per request in the measured window. */
  cpuPerReq: number;
  /** Server GC pause µs per request in the measured window (part of cpuPerReq). */
  gcPerReq: number;
  requests: number;
  errors: number;
  /** Store calls per request, by method, in the measured window. */
  calls: Record<string, number>;
}

export interface Cell {
  samples: RunSample[];
  rps: number;
  p50: number;
  p99: number;
  cpuPerReq: number;
  /** Half the min–max range of cpuPerReq over the runs. */
  cpuSpread: number;
  /** Median GC pause µs per request. */
  gcPerReq: number;
  /** Store calls per request (median of the runs), by method. */
  calls: Record<string, number>;
  errors: number;
}

export interface ConfigResult {
  id: string;
  label: string;
  role: Role;
  baseline: string;
  peer?: string;
  /** 'ok', or why there are no figures ("n/a (not built)", "n/a (Redis not reachable)", …). */
  status: string;
  counted: boolean;
  cells: Partial<Record<Scenario, Cell>>;
}

export interface ProfileEntry {
  fn: string;
  where: string;
  selfPercent: number;
}

export interface ScaleRow {
  store: string;
  sessions: string;
  readP50: number;
  readP99: number;
  writeP50: number;
  writeP99: number;
  /** min–max of the p99s the median was taken from */
  readP99Range?: [number, number];
  writeP99Range?: [number, number];
  note?: string;
}

export interface BenchResults {
  date: string;
  mode: 'default' | 'quick';
  machine: { cores: number; cpu: string; node: string; os: string; memoryGiB: number };
  tool: string;
  settings: { connections: number; durationSeconds: number; warmupSeconds: number; rounds: number; pinning: string };
  packages: Record<string, string>;
  configs: ConfigResult[];
  profile?: { config: string; scenario: Scenario; seconds: number; top: ProfileEntry[]; note?: string };
  memory?: { sessions: number; bytesPerSession: number; boundMax: number; boundHeld: boolean; sizeAfter: number; recordBytes: number };
  scale?: { rows: ScaleRow[]; sweeps: Array<{ store: string; expired: number; seconds: number; p99Before: number; p99During: number; ratioRange?: [number, number]; note?: string }>; note?: string };
  /** Problems met on the way (a study that failed), printed in RESULTS.md. */
  notes: string[];
  durationSeconds: number;
}
