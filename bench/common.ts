/**
 * What every bench scenario shares: the machine it ran on, ratios against
 * targets, and saving a result as JSON under bench/results/.
 *
 * A figure alone says little on a shared 2-core VM; a ratio of two figures
 * measured in the same run (hashtriage against its limit, or against another
 * tool on the same data) survives a slower or busier machine. So every
 * scenario reports ratios, each with the target it is held to.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machineInfo, type MachineInfo } from '../src/cli/bench.js';

/** One ratio and its target. `met` is null when the ratio was not measured (see `skipped`). */
export interface Ratio {
  name: string;
  value: number | null;
  /** Human text, e.g. ">= 0.85". */
  target: string;
  met: boolean | null;
  skipped?: string;
}

/** What a scenario hands back to the runner. */
export interface ScenarioResult {
  scenario: string;
  measuredAt: string;
  machine: MachineInfo;
  /** The command line that produced it. */
  command: string;
  /** Named figures: rates, sizes, times, counts. */
  figures: Record<string, number | string>;
  ratios: Ratio[];
  /** Why a part did not run (a missing tool), in words. */
  notes: string[];
}

/** Options every scenario understands. */
export interface ScenarioOptions {
  /** Smaller data sets, for a quick look; the docs quote full runs. */
  quick: boolean;
  /** Worker threads for the pool (default: one per core). */
  threads: number;
  /** Directory of imagehash's source (its `imagehash/` package inside), for the perceptual scenario. */
  imagehash?: string;
  /** Directories of real photographs (the fast-decode scenario). */
  photos?: string[];
  /** Print progress lines on stderr. */
  log: (line: string) => void;
}

/** A named scenario. */
export interface Scenario {
  name: string;
  summary: string;
  run(options: ScenarioOptions): Promise<ScenarioResult>;
}

/** Rounds for display and JSON: enough digits to compare runs, no noise. */
export function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** A ratio that must be at least `min`. */
export function atLeast(name: string, value: number, min: number): Ratio {
  return { name, value: round(value), target: `>= ${min}`, met: value >= min };
}

/** A ratio that must be at most `max`. */
export function atMost(name: string, value: number, max: number): Ratio {
  return { name, value: round(value), target: `<= ${max}`, met: value <= max };
}

/** A ratio that could not be measured here, and why. */
export function skippedRatio(name: string, target: string, why: string): Ratio {
  return { name, value: null, target, met: null, skipped: why };
}

/** Starts a result with the machine facts filled in. */
export function newResult(scenario: string, command: string): ScenarioResult {
  return { scenario, measuredAt: new Date().toISOString(), machine: machineInfo(), command, figures: {}, ratios: [], notes: [] };
}

/** The machine line printed before each scenario. */
export function machineLine(m: MachineInfo): string {
  return `machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.platform}; Node ${m.node}, OpenSSL ${m.openssl}, sharp ${m.sharp}, libvips ${m.libvips}; kernels ${m.kernels}; load average ${m.loadAverage}`;
}

/** The result as people read it. */
export function formatResult(r: ScenarioResult): string {
  const lines = [`== ${r.scenario} (${r.measuredAt})`, machineLine(r.machine), `command: ${r.command}`];
  for (const [k, v] of Object.entries(r.figures)) lines.push(`  ${k.padEnd(44)} ${v}`);
  for (const q of r.ratios) {
    const verdict = q.met === null ? 'SKIPPED' : q.met ? 'ok' : 'BELOW TARGET';
    lines.push(`  ratio ${q.name.padEnd(38)} ${q.value === null ? '-' : q.value}  (target ${q.target}) ${verdict}${q.skipped ? `: ${q.skipped}` : ''}`);
  }
  for (const n of r.notes) lines.push(`  note: ${n}`);
  return `${lines.join('\n')}\n`;
}

/** bench/results/ in the source tree (this file runs from dist/bench/). */
export function resultsDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return here.includes(`${'/dist/'}`) ? resolve(here, '../../bench/results') : join(here, 'results');
}

/**
 * Saves a result as `<scenario>-<date>.json` under bench/results/.
 * @returns the path written
 */
export function saveResult(r: ScenarioResult, dir = resultsDir()): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${r.scenario}-${r.measuredAt.slice(0, 19).replace(/:/g, '')}.json`);
  writeFileSync(path, `${JSON.stringify(r, null, 2)}\n`);
  return path;
}

/** Seconds since `start` (a performance.now() value). */
export function secondsSince(start: number): number {
  return (performance.now() - start) / 1000;
}

/** Number of differing bits between two hex values of the same length (any: 64-bit hashes, PDQ). */
export function hexDistance(a: string, b: string): number {
  let x = BigInt(`0x${a}`) ^ BigInt(`0x${b}`);
  let n = 0;
  while (x !== 0n) {
    x &= x - 1n;
    n++;
  }
  return n;
}
