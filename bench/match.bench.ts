/**
 * Benchmark of the Hamming index (src/match/hamming-index.ts) against a
 * linear scan over the same codes, measured in the same run.
 *
 *   npm run build && node dist/bench/match.bench.js [--quick] [--sizes=1000000,10000000] [--bits=64,256] [--queries=1000] [--slots=12]
 *
 * Scenarios: 64-bit codes (imagehash) at radii 4, 8, 10, 12 and 256-bit
 * codes (PDQ) at distance 31, each on uniform and on clustered data. The
 * clustered set mimics a real list: near-duplicate families around shared
 * centres (a family of a few hundred re-encodings of one picture, up to 19
 * bits apart for PDQ), flat images hashing to nearly all zeros (or all
 * ones), exact repeats, the rest uniform. Queries, reported by kind:
 * unrelated codes (misses), stored codes moved by 0 to radius + 2 bits
 * (mostly hits: a family member finds its family), and near-zero codes (the
 * worst case: one huge bucket, whose answer is a tenth of the list). The
 * stored codes moved are never flat ones: the matcher leaves flat list
 * entries out by default (low-information), and a flat one would turn a
 * "near-stored" query into the near-zero case, measured on its own.
 * `--slots` forces the slot count (HammingIndexOptions.slotCount) instead
 * of the planner's choice, to compare layouts.
 *
 * Prints the machine, then per scenario: build time, bytes per stored hash,
 * ms per query (CPU time of this process, which other load on the machine
 * disturbs less than the wall clock; wall time and its 99th percentile
 * beside it) on the index and on the linear scan, their ratio, the mean
 * candidate count (bucket entries met, an entry once per slot that finds
 * it), and how often the index chose to scan instead; and
 * the load average, since the machine is shared. Finally a
 * least-squares fit of the per-probe, per-candidate and per-result costs,
 * against which the cost constants in hamming-index.ts were set.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';
import { HammingIndex } from '../src/match/hamming-index.js';

interface Args {
  sizes: number[];
  bits: (64 | 256)[];
  queries: number;
  linearQueries: number;
  slots?: number;
}

function parseArgs(argv: string[]): Args {
  const quick = argv.includes('--quick');
  const get = (name: string): string | undefined =>
    argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const sizes = get('sizes')?.split(',').map(Number) ?? (quick ? [100_000, 1_000_000] : [1_000_000, 10_000_000]);
  const queries = Number(get('queries') ?? (quick ? 300 : 1000));
  const bits = (get('bits')?.split(',').map(Number) ?? [64, 256]).filter((b): b is 64 | 256 => b === 64 || b === 256);
  const slots = get('slots') === undefined ? undefined : Number(get('slots'));
  return { sizes, bits, queries, linearQueries: quick ? 10 : 20, slots };
}

/** xorshift128: fast, seeded; the bench needs 80 M random words, not quality. */
function rng(seed: number): () => number {
  let x = seed | 0 || 1;
  let y = 362436069;
  let z = 521288629;
  let w = 88675123;
  return () => {
    const t = x ^ (x << 11);
    x = y;
    y = z;
    z = w;
    w = (w ^ (w >>> 19) ^ (t ^ (t >>> 8))) >>> 0;
    return w;
  };
}

type Distribution = 'uniform' | 'clustered';

/** n codes of `bytes` bytes, packed in one buffer. */
function generate(n: number, bytes: number, dist: Distribution, seed: number): Uint8Array {
  const next = rng(seed);
  const out = new Uint8Array(n * bytes);
  const words = new Uint32Array(out.buffer);
  for (let i = 0; i < words.length; i++) words[i] = next();
  if (dist === 'uniform') return out;
  const bits = bytes * 8;
  const centres = Math.max(1, Math.floor(n / 500));
  const flip = (at: number, count: number): void => {
    for (let f = 0; f < count; f++) {
      const b = next() % bits;
      out[at + (b >> 3)] ^= 0x80 >> (b & 7);
    }
  };
  for (let i = centres; i < n; i++) {
    const at = i * bytes;
    const u = next() % 100;
    if (u < 40) {
      // near-duplicate of a centre: a family of re-encodings of one picture
      const c = (next() % centres) * bytes;
      out.copyWithin(at, c, c + bytes);
      flip(at, next() % (bits === 64 ? 7 : 20));
    } else if (u < 50) {
      // flat image: nearly all zeros, or nearly all ones
      out.fill(next() % 4 === 0 ? 0xff : 0, at, at + bytes);
      flip(at, next() % 4);
    } else if (u < 55) {
      // exact repeat of an earlier entry
      const c = (next() % i) * bytes;
      out.copyWithin(at, c, c + bytes);
    }
  }
  return out;
}

type QueryKind = 'unrelated' | 'near-stored' | 'near-zero';

/** True for a flat code: at most 1/16 of its bits set, or clear (the list's low-information rule). */
function isFlat(data: Uint8Array, at: number, bytes: number): boolean {
  let ones = 0;
  for (let j = 0; j < bytes; j++) {
    let v = data[at + j];
    while (v) {
      v &= v - 1;
      ones++;
    }
  }
  const bits = 8 * bytes;
  return Math.min(ones, bits - ones) <= bits / 16;
}

/**
 * Query codes of one kind: an unrelated random code; a stored code (not a
 * flat one) moved by 0..radius+2 bits (most of them match); or a near-zero
 * code, as a flat image hashes to (on clustered data it lands in the biggest
 * buckets).
 */
function makeQueries(data: Uint8Array, bytes: number, count: number, radius: number, kind: QueryKind, seed: number): Uint8Array[] {
  const next = rng(seed);
  const n = data.length / bytes;
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const q = new Uint8Array(bytes);
    if (kind === 'unrelated') {
      for (let j = 0; j < bytes; j++) q[j] = next() & 0xff;
    } else if (kind === 'near-stored') {
      let at = (next() % n) * bytes;
      while (isFlat(data, at, bytes)) at = (next() % n) * bytes;
      q.set(data.subarray(at, at + bytes));
      const flips = next() % (radius + 3);
      for (let f = 0; f < flips; f++) {
        const b = next() % (bytes * 8);
        q[b >> 3] ^= 0x80 >> (b & 7);
      }
    } else {
      q[next() % bytes] = 1 << (next() % 8);
    }
    out.push(q);
  }
  return out;
}

interface Sample {
  probes: number;
  candidates: number;
  results: number;
  ms: number;
}
const samples: Record<64 | 256, Sample[]> = { 64: [], 256: [] };

function fmt(x: number, digits = 3): string {
  return x.toFixed(digits);
}

/** CPU milliseconds of this process (user + system): less sensitive than the wall clock to other load on the machine. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

const gc: () => void = (() => {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
})();

/**
 * A real collection, then a pause: array-buffer memory is released after the
 * collection, off the main thread, and the counter lags behind it.
 */
async function settledArrayBuffers(): Promise<number> {
  gc();
  await new Promise((resolve) => setTimeout(resolve, 200));
  gc();
  return process.memoryUsage().arrayBuffers;
}

async function buildIndex(
  bits: 64 | 256,
  data: Uint8Array,
  bytes: number,
  radius: number,
  strategy: 'auto' | 'linear',
  slotCount?: number,
) {
  const n = data.length / bytes;
  const before = await settledArrayBuffers();
  const c0 = cpuMs();
  const index = new HammingIndex(bits, { maxRadius: radius, strategy, slotCount });
  for (let i = 0; i < n; i++) index.add(i, data.subarray(i * bytes, i * bytes + bytes));
  const c1 = cpuMs();
  index.build();
  const c2 = cpuMs();
  const after = await settledArrayBuffers();
  return { index, addMs: c1 - c0, buildMs: c2 - c1, arrayBufferGrowth: after - before };
}

interface Run {
  cpuMsPerQuery: number;
  wallMsPerQuery: number;
  p99: number;
  candidates: number;
  scans: number;
  results: number;
}

function runQueries(index: HammingIndex, qs: Uint8Array[], radius: number, record: Sample[] | null): Run {
  let candidates = 0;
  let scans = 0;
  let results = 0;
  const times: number[] = [];
  const c0 = cpuMs();
  const t0 = performance.now();
  for (const q of qs) {
    const s = performance.now();
    const found = index.query(q, radius).length;
    const ms = performance.now() - s;
    times.push(ms);
    results += found;
    const last = index.lastQuery;
    candidates += last.candidates;
    if (last.strategy === 'linear') scans++;
    else record?.push({ probes: last.probes, candidates: last.candidates, results: found, ms });
  }
  const wall = performance.now() - t0;
  const cpu = cpuMs() - c0;
  times.sort((a, b) => a - b);
  return {
    cpuMsPerQuery: cpu / qs.length,
    wallMsPerQuery: wall / qs.length,
    p99: times[Math.min(times.length - 1, Math.floor(times.length * 0.99))],
    candidates: candidates / qs.length,
    scans,
    results: results / qs.length,
  };
}

async function scenario(bits: 64 | 256, n: number, dist: Distribution, radii: number[], args: Args): Promise<void> {
  const bytes = bits / 8;
  const data = generate(n, bytes, dist, 1234 + n + bits);
  const design = bits === 64 ? 10 : 31;
  const built = await buildIndex(bits, data, bytes, design, 'auto', args.slots);
  const index = built.index;
  console.log(
    `\n${bits}-bit, ${n.toLocaleString('en')} codes, ${dist}: slots [${index.slotWidths.join(',')}], ` +
      `add ${fmt(built.addMs / 1000, 2)} s + build ${fmt(built.buildMs / 1000, 2)} s CPU; ` +
      `${fmt(index.byteLength / n, 1)} B/hash by byteLength, ${fmt(built.arrayBufferGrowth / n, 1)} B/hash ` +
      `by arrayBuffers growth (${fmt(index.byteLength / 2 ** 20, 0)} MiB)`,
  );
  // The linear scan runs on a second, unindexed copy: same code, same arrays, no tables.
  const linear = (await buildIndex(bits, data, bytes, design, 'linear')).index;
  const kinds: QueryKind[] = dist === 'clustered' ? ['unrelated', 'near-stored', 'near-zero'] : ['unrelated', 'near-stored'];
  console.log(`  load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log('  radius query        | index CPU ms/q | wall ms/q | p99 wall | linear CPU ms/q | speed-up | candidates | scans | hits/q');
  for (const radius of radii) {
    for (const kind of kinds) {
      // A near-zero query on clustered data returns a tenth of the list: fewer of them.
      const count = kind === 'near-zero' ? Math.max(10, Math.ceil(args.queries / 50)) : args.queries;
      const qs = makeQueries(data, bytes, count, radius, kind, 99 + radius);
      runQueries(index, qs.slice(0, 5), radius, null); // warm the JIT and caches
      const ix = runQueries(index, qs, radius, samples[bits]);
      const lin = runQueries(linear, qs.slice(0, Math.min(count, args.linearQueries)), radius, null);
      console.log(
        `  ${String(radius).padStart(6)} ${kind.padEnd(12)} | ${fmt(ix.cpuMsPerQuery).padStart(14)} | ` +
          `${fmt(ix.wallMsPerQuery).padStart(9)} | ${fmt(ix.p99, 2).padStart(8)} | ` +
          `${fmt(lin.cpuMsPerQuery, 2).padStart(15)} | ${fmt(lin.cpuMsPerQuery / ix.cpuMsPerQuery, 1).padStart(7)}x | ` +
          `${Math.round(ix.candidates).toString().padStart(10)} | ${String(ix.scans).padStart(5)} | ${fmt(ix.results, 1)}`,
      );
    }
  }
  const lin = runQueries(linear, makeQueries(data, bytes, args.linearQueries, 0, 'unrelated', 7), design, null);
  console.log(`  linear scan: ${fmt((lin.cpuMsPerQuery * 1e6) / n, 2)} ns CPU per stored code; load average now ${os.loadavg()[0].toFixed(2)}`);
}

/**
 * Least squares ms ≈ P·probes + C·candidates + H·results over the index-path
 * queries (normal equations, 3×3, Cramer's rule). Wall-clock based, so only
 * meaningful on a quiet machine.
 */
function fitCosts(rows: Sample[]): { probeNs: number; candidateNs: number; resultNs: number } {
  const a = [
    [0, 0, 0],
    [0, 0, 0],
    [0, 0, 0],
  ];
  const b = [0, 0, 0];
  for (const r of rows) {
    const x = [r.probes, r.candidates, r.results];
    for (let i = 0; i < 3; i++) {
      b[i] += x[i] * r.ms;
      for (let j = 0; j < 3; j++) a[i][j] += x[i] * x[j];
    }
  }
  const det = (m: number[][]): number =>
    m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
    m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
    m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
  const d = det(a);
  const solve = (col: number): number => det(a.map((row, i) => row.map((v, j) => (j === col ? b[i] : v)))) / d;
  return { probeNs: solve(0) * 1e6, candidateNs: solve(1) * 1e6, resultNs: solve(2) * 1e6 };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const cpus = os.cpus();
  console.log('hashtriage match bench: Hamming index vs linear scan (single thread)');
  console.log(
    `machine: ${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} cores, ` +
      `${fmt(os.totalmem() / 2 ** 30, 1)} GiB RAM, Node ${process.version}, ${os.platform()} ${os.arch()}`,
  );
  console.log(`queries per radius: ${args.queries} on the index, ${args.linearQueries} on the linear scan`);
  for (const bits of args.bits) {
    for (const n of args.sizes) {
      for (const dist of ['uniform', 'clustered'] as const) {
        await scenario(bits, n, dist, bits === 64 ? [4, 8, 10, 12] : [31], args);
      }
    }
  }
  for (const bits of args.bits) {
    const f = fitCosts(samples[bits]);
    console.log(
      `\ncost fit, ${bits}-bit: ${fmt(f.probeNs, 1)} ns per probe, ${fmt(f.candidateNs, 1)} ns per candidate, ` +
        `${fmt(f.resultNs, 1)} ns per result (${samples[bits].length} index-path queries)`,
    );
  }
}

await main();
