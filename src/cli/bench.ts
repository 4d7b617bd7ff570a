/**
 * `hashtriage bench`: throughput of the real hashing pipeline on this machine.
 *
 * Images are deterministic synthetic photos (see synthetic.ts) in a fixed mix
 * of formats and sizes, thumbnails to 24 MP, or the files of `--dir`. At each
 * thread count the images go through the same worker pool, worker code,
 * list and matcher as a scan: digest (MD5, SHA-1, SHA-256, BLAKE3), exact
 * look-up, one decode, aHash/dHash/pHash/wHash/PDQ, Hamming look-up. The
 * workers time their own stages; the main thread times the matching. The
 * limits are measured in the same run, so every figure can be read as a
 * ratio: node:crypto on one core, and sharp decoding the same images at the
 * same concurrency with nothing else to do.
 *
 * Why this module reaches into hash/, list/ and match/ (the one command that
 * does): per-stage timings exist only on the worker results, which index.ts
 * consumes and does not pass on. The bench drives those stages exactly as
 * index.ts does and reads the timings on the way.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Blake3Hasher } from '@napi-rs/blake-hash';
import sharp from 'sharp';
import { ExitCode, invalidOption } from '../errors.js';
import { HashPool, importLists, libraryVersions, Matcher, openHashList, TOOL_VERSION, type PerceptualResult } from '../index.js';
import type { CryptoAlgorithm, HashListReader, PerceptualAlgorithm } from '../types.js';
import { PERCEPTUAL_ALGORITHMS } from '../types.js';
import { DEFAULTS } from './defaults.js';
import { parseIntOption } from './config.js';
import { photoImage, type SyntheticFormat } from './synthetic.js';
import { progressLine } from './progress-line.js';

/** Raw commander options of `hashtriage bench`. */
export interface BenchFlags {
  /** Number of synthetic images (default 200); ignored with `dir`. */
  images?: string;
  /** Comma-separated thread counts, e.g. "1,2" (default: 1 and one per core). */
  threads?: string;
  /** Print one JSON document instead of the table. */
  json?: boolean;
  /** Benchmark the image files below this folder instead of synthetic ones. */
  dir?: string;
  /** Decode large JPEGs reduced, as `scan --fast-decode` does (the decode-only baseline stays the full decode). */
  fastDecode?: boolean;
}

/** Where the bench writes: stdout for the result, stderr for progress (drawn only on a terminal). */
export interface BenchIo {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown; isTTY?: boolean };
}

/** One synthetic image of the default mix. */
export interface ImageSpec {
  width: number;
  height: number;
  format: SyntheticFormat;
  seed: number;
}

/** The machine a figure was measured on. */
export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  platform: string;
  node: string;
  openssl: string;
  sharp: string;
  libvips: string;
  /** libvips threads per sharp call (sharp sets 1 on glibc without jemalloc). */
  sharpConcurrency: number;
  /** Which code runs the image kernels: `native` (AVX2 addon), `wasm` or `typescript`; the same hashes either way. */
  kernels: string;
  /** 1-minute load average when measured: above the core count, other work shared the CPUs and the figures are low. */
  loadAverage: number;
}

/** Worker wall time summed over all images, per stage. */
export interface StageTimes {
  readCryptoMs: number;
  decodeMs: number;
  perceptualMs: number;
  /** Main-thread time in the matcher (exact and Hamming look-ups). */
  matchMs: number;
}

/** One pass of the pipeline over the images. */
export interface PipelineRun {
  threads: number;
  images: number;
  bytes: number;
  megapixels: number;
  elapsedMs: number;
  stages: StageTimes;
  /** Images that did not decode (their digests still count). */
  failures: number;
  matches: number;
  /** CPU time of the whole process (all threads) during the timed part. */
  cpuMs: number;
}

/** One thread count's line of the result. */
export interface ThreadResult {
  threads: number;
  imagesPerSecond: number;
  megabytesPerSecond: number;
  megapixelsPerSecond: number;
  elapsedMs: number;
  /** Per stage: summed worker ms, ms per image, and share of all stage time. */
  stages: Record<keyof StageTimes, { totalMs: number; perImageMs: number; share: number }>;
  /** Read and crypto throughput of one worker while it digests (bytes / readCryptoMs). */
  cryptoMegabytesPerSecondPerThread: number;
  decodeOnly: { elapsedMs: number; imagesPerSecond: number; megapixelsPerSecond: number };
  /** Pipeline time over decode-only time, same images and concurrency (target ≤ 1.5). */
  pipelineOverDecodeOnly: number;
  /** imagesPerSecond over the first thread count's. */
  speedup: number;
  /**
   * Process CPU time over wall time: near `threads` when the workers had the
   * cores to themselves; well below it when other work took them (see loadAverage).
   */
  cpuPerWall: number;
  failures: number;
  matches: number;
}

/** The whole `--json` document. */
export interface BenchReport {
  tool: { name: 'hashtriage'; version: string };
  command: 'bench';
  measuredAt: string;
  machine: MachineInfo;
  images: { source: 'synthetic' | 'dir'; count: number; bytes: number; megapixels: number; formats: Record<string, number> };
  list: { entries: number; algorithms: string[] };
  /** The pipeline decoded large JPEGs reduced (`--fast-decode`); the decode-only figures are full decodes. */
  fastDecode: boolean;
  limits: { cryptoSingleCoreMegabytesPerSecond: Record<string, number> };
  results: ThreadResult[];
}

/** Algorithms a scan computes against a list holding MD5, SHA-1, SHA-256 and every perceptual hash. */
const BENCH_CRYPTO: CryptoAlgorithm[] = ['md5', 'sha1', 'sha256', 'blake3'];
const BENCH_PERCEPTUAL: PerceptualAlgorithm[] = [...PERCEPTUAL_ALGORITHMS];
const LIST_ENTRIES = 20_000;

// The ordinary images of the mix, smallest first so a short run stays short.
const SMALL: readonly [number, number, SyntheticFormat][] = [
  [160, 120, 'jpeg'],
  [320, 240, 'png'],
  [640, 480, 'jpeg'],
  [120, 160, 'webp'],
  [800, 600, 'jpeg'],
  [1024, 768, 'webp'],
  [256, 256, 'png'],
  [640, 480, 'jpeg'],
  [1280, 960, 'jpeg'],
  [320, 240, 'jpeg'],
  [1920, 1080, 'jpeg'],
  [480, 640, 'jpeg'],
  [800, 600, 'png'],
  [160, 160, 'jpeg'],
  [1600, 1200, 'jpeg'],
  [640, 427, 'webp'],
];
// Camera-sized photos, at fixed positions in every 200: 6, 24, 12 and 6 MP.
const LARGE: ReadonlyMap<number, [number, number, SyntheticFormat]> = new Map([
  [74, [3000, 2000, 'jpeg']],
  [99, [6000, 4000, 'jpeg']],
  [149, [4032, 3024, 'jpeg']],
  [174, [3000, 2000, 'jpeg']],
]);

/**
 * The default image mix: mostly thumbnails and web-sized pictures, with a
 * 6, 12 and 24-megapixel camera photo in every 200, as on a seized drive.
 *
 * @param count - images wanted
 * @returns `count` specs; the same count always gives the same specs
 */
export function benchImageSpecs(count: number): ImageSpec[] {
  return Array.from({ length: count }, (_, i) => {
    const [width, height, format] = LARGE.get(i % 200) ?? SMALL[i % SMALL.length];
    return { width, height, format, seed: 1000 + i };
  });
}

/**
 * Writes the synthetic images of {@link benchImageSpecs} into `dir`.
 * JPEGs are written at quality 95, so their size per pixel is nearer a
 * camera's than the default 85 would give.
 *
 * @returns the absolute paths written, in spec order
 */
export async function writeBenchImages(dir: string, count: number, onEach?: (done: number) => void): Promise<string[]> {
  const paths: string[] = [];
  for (const [i, s] of benchImageSpecs(count).entries()) {
    const ext = s.format === 'jpeg' ? 'jpg' : s.format;
    const path = join(dir, `img-${String(i).padStart(5, '0')}-${s.width}x${s.height}.${ext}`);
    writeFileSync(path, await photoImage(s.width, s.height, s.seed, s.format, s.format === 'jpeg' ? 95 : 85));
    paths.push(path);
    onEach?.(i + 1);
  }
  return paths;
}

/** CPU, cores, Node and decoder versions: printed beside every figure. */
export function machineInfo(): MachineInfo {
  const v = sharp.versions as Record<string, string | undefined>;
  return {
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: availableParallelism(),
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    platform: `${process.platform} ${process.arch}`,
    node: process.versions.node,
    openssl: process.versions.openssl,
    sharp: v.sharp ?? 'unknown',
    libvips: v.vips ?? 'unknown',
    sharpConcurrency: sharp.concurrency(),
    kernels: libraryVersions().kernels ?? 'unknown',
    loadAverage: round(loadavg()[0], 2),
  };
}

/**
 * Single-core node:crypto (and native BLAKE3) throughput on the main
 * thread, fed 1 MiB chunks as the workers are: the ceiling one worker can
 * reach. `md5+sha1+sha256` is the three fed from one pass, as a scan does.
 *
 * @param megabytes - data hashed per measurement
 * @returns MB/s (10^6 bytes) per algorithm and for the combination
 */
export function cryptoLimits(megabytes = 64): Record<string, number> {
  const chunk = Buffer.alloc(1 << 20);
  for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 2654435761) >>> 24;
  const chunks = Math.max(1, Math.round((megabytes * 1e6) / chunk.length));
  type H = { update(c: Buffer): unknown };
  const measure = (make: () => H[]): number => {
    const warm = make();
    for (const h of warm) h.update(chunk);
    const hs = make();
    const t = performance.now();
    for (let i = 0; i < chunks; i++) for (const h of hs) h.update(chunk);
    return round((chunks * chunk.length) / 1e6 / ((performance.now() - t) / 1000));
  };
  const openssl = (a: string) => () => [createHash(a)];
  return {
    md5: measure(openssl('md5')),
    sha1: measure(openssl('sha1')),
    sha256: measure(openssl('sha256')),
    blake3: measure(() => [new Blake3Hasher()]),
    'md5+sha1+sha256': measure(() => ['md5', 'sha1', 'sha256'].map((a) => createHash(a))),
    'md5+sha1+sha256+blake3': measure(() => [...['md5', 'sha1', 'sha256'].map((a) => createHash(a)), new Blake3Hasher()]),
  };
}

function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

function randomHex(bytes: number, next: () => number): string {
  let s = '';
  for (let i = 0; i < bytes; i++) s += ((next() * 256) | 0).toString(16).padStart(2, '0');
  return s;
}

/**
 * A hash list of `entries` random MD5/SHA-1/SHA-256 and perceptual values,
 * imported with the real importer: matching then costs what it costs
 * against a list of that size, while random values almost never match.
 *
 * @returns the list's path (inside `dir`)
 */
export async function buildBenchList(dir: string, entries = LIST_ENTRIES): Promise<string> {
  let a = 0x1234567;
  const next = () => {
    // xorshift32: the list only needs to be the same on every run.
    a ^= a << 13;
    a ^= a >>> 17;
    a ^= a << 5;
    return (a >>> 0) / 4294967296;
  };
  const rows = ['md5,sha1,sha256,ahash,dhash,phash,whash,pdq,name,category'];
  for (let i = 0; i < entries; i++) {
    rows.push(
      [randomHex(16, next), randomHex(20, next), randomHex(32, next), randomHex(8, next), randomHex(8, next), randomHex(8, next), randomHex(8, next), randomHex(32, next), `bench-${i}.jpg`, '1'].join(','),
    );
  }
  const csv = join(dir, 'bench-list.csv');
  writeFileSync(csv, `${rows.join('\n')}\n`);
  const out = join(dir, 'bench-list.sqlite');
  await importLists([csv], { out, format: 'auto', name: 'bench (random values)', skipInvalid: false });
  return out;
}

/** Runs `task` over `items`, at most `limit` at a time. */
async function bounded<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await task(items[next++]);
  });
  await Promise.all(runners);
}

/** What {@link measurePipeline} computes; the default is what a scan computes against the bench list. */
export interface PipelineOptions {
  /** Matches each file as a scan does; without it nothing is matched (matchMs stays 0). */
  matcher?: Matcher;
  crypto?: CryptoAlgorithm[];
  /** Empty: digests only, no decode. */
  perceptual?: PerceptualAlgorithm[];
  /** Decode large JPEGs reduced (`--fast-decode`). */
  fastDecode?: boolean;
  onProgress?: (done: number) => void;
}

/**
 * The pipeline over `files` with a pool of `threads` workers, as a scan
 * runs it (same tasks, same in-flight bound), timing each stage. One
 * untimed warm-up task per worker first starts the workers and loads sharp.
 */
export async function measurePipeline(files: readonly string[], threads: number, options: PipelineOptions = {}): Promise<PipelineRun> {
  const { matcher, onProgress } = options;
  const crypto = options.crypto ?? BENCH_CRYPTO;
  const perceptual = options.perceptual ?? BENCH_PERCEPTUAL;
  const pool = new HashPool(threads);
  const run: PipelineRun = {
    threads,
    images: 0,
    bytes: 0,
    megapixels: 0,
    elapsedMs: 0,
    stages: { readCryptoMs: 0, decodeMs: 0, perceptualMs: 0, matchMs: 0 },
    failures: 0,
    matches: 0,
    cpuMs: 0,
  };
  const one = async (file: string, count: boolean): Promise<void> => {
    const d = await pool.digest({
      abs: Buffer.from(file),
      algorithms: crypto,
      chunkSize: DEFAULTS.chunkSize,
      keepImagesUpTo: perceptual.length > 0 ? DEFAULTS.maxImageBytes : 0,
    });
    let t = performance.now();
    const exact = matcher?.exact(d.hashes);
    let matchMs = performance.now() - t;
    let p: PerceptualResult | undefined;
    if (d.imageBytes) {
      p = await pool.perceptual({
        bytes: d.imageBytes,
        algorithms: perceptual,
        maxPixels: DEFAULTS.maxPixels,
        lowInformationThreshold: DEFAULTS.lowInformationThreshold,
        fastDecode: options.fastDecode === true,
      });
      t = performance.now();
      const found = matcher?.perceptual(p.hashes, p.image, p.pdqDihedral) ?? [];
      matchMs += performance.now() - t;
      if (count) run.matches += found.length;
    }
    if (!count) return;
    run.images++;
    run.bytes += d.size;
    run.stages.readCryptoMs += d.ms ?? 0;
    run.stages.matchMs += matchMs;
    if (exact?.notable) run.matches++;
    if (perceptual.length > 0 && (!p || p.failures.length > 0 || !p.image)) run.failures++;
    else if (p?.image) {
      // The file's own size, also when it was decoded reduced (--fast-decode): rates stay comparable.
      const size = p.image.reducedFrom ?? p.image;
      run.megapixels += (size.width * size.height) / 1e6;
    }
    run.stages.decodeMs += p?.decodeMs ?? 0;
    run.stages.perceptualMs += p?.hashMs ?? 0;
    onProgress?.(run.images);
  };
  try {
    // Warm-up, not counted: starts every worker and loads sharp in each.
    await Promise.all(Array.from({ length: threads }, () => one(files[0], false)));
    const cpu = process.cpuUsage();
    const started = performance.now();
    await bounded(files, threads * DEFAULTS.inFlightPerThread, (f) => one(f, true));
    run.elapsedMs = performance.now() - started;
    const used = process.cpuUsage(cpu);
    run.cpuMs = (used.user + used.system) / 1000;
  } finally {
    await pool.close();
  }
  return run;
}

/**
 * sharp decoding the same files to raw pixels, `threads` at a time, with
 * the bytes already in memory: the floor under the pipeline's decode.
 *
 * @returns wall time and megapixels decoded
 */
export async function measureDecodeOnly(files: readonly string[], threads: number, onProgress?: (done: number) => void): Promise<{ elapsedMs: number; megapixels: number; images: number }> {
  const bytes = files.map((f) => readFileSync(f));
  let megapixels = 0;
  let images = 0;
  const decode = async (b: Buffer): Promise<void> => {
    try {
      const { info } = await sharp(b, { failOn: 'truncated', limitInputPixels: DEFAULTS.maxPixels, pages: 1 }).raw().toBuffer({ resolveWithObject: true });
      megapixels += (info.width * info.height) / 1e6;
    } catch {
      // Undecodable files cost their attempt, as in the pipeline.
    }
    images++;
    onProgress?.(images);
  };
  await decode(bytes[0]);
  megapixels = 0;
  images = 0;
  const started = performance.now();
  await bounded(bytes, threads, decode);
  return { elapsedMs: performance.now() - started, megapixels, images };
}

/** Regular files below `dir`, sorted: the `--dir` image set. */
function filesBelow(dir: string): string[] {
  let st;
  try {
    st = statSync(dir);
  } catch {
    throw invalidOption('--dir', 'an existing directory of images', dir);
  }
  if (!st.isDirectory()) throw invalidOption('--dir', 'an existing directory of images', dir);
  const files = (readdirSync(dir, { recursive: true, encoding: 'utf8' }) as string[])
    .map((f) => join(resolve(dir), f))
    .filter((f) => {
      try {
        return statSync(f).isFile();
      } catch {
        return false;
      }
    })
    .sort();
  if (files.length === 0) throw invalidOption('--dir', 'a directory containing image files', dir);
  return files;
}

/** Parses `--threads 1,2,4`. */
export function parseThreadList(value: string | undefined): number[] {
  if (value === undefined) return [...new Set([1, DEFAULTS.threads])];
  const parts = value.split(',').map((s) => s.trim());
  if (parts.some((p) => p === '')) throw invalidOption('--threads', 'a comma-separated list of thread counts from 1 to 256', value);
  return [...new Set(parts.map((p) => parseIntOption('--threads', p, 1, 256)))];
}

function formatCounts(files: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of files) {
    const ext = (/\.([a-z0-9]+)$/i.exec(f)?.[1] ?? 'none').toLowerCase();
    out[ext] = (out[ext] ?? 0) + 1;
  }
  return out;
}

function threadResult(run: PipelineRun, decodeOnly: { elapsedMs: number; megapixels: number; images: number }, first: PipelineRun | undefined): ThreadResult {
  const seconds = run.elapsedMs / 1000;
  const stageTotal = Object.values(run.stages).reduce((a, b) => a + b, 0) || 1;
  const stage = (ms: number) => ({ totalMs: round(ms), perImageMs: round(ms / Math.max(1, run.images), 2), share: round(ms / stageTotal, 3) });
  const ips = run.images / seconds;
  const firstIps = first ? first.images / (first.elapsedMs / 1000) : ips;
  return {
    threads: run.threads,
    imagesPerSecond: round(ips, 2),
    megabytesPerSecond: round(run.bytes / 1e6 / seconds, 2),
    megapixelsPerSecond: round(run.megapixels / seconds, 2),
    elapsedMs: round(run.elapsedMs),
    stages: {
      readCryptoMs: stage(run.stages.readCryptoMs),
      decodeMs: stage(run.stages.decodeMs),
      perceptualMs: stage(run.stages.perceptualMs),
      matchMs: stage(run.stages.matchMs),
    },
    cryptoMegabytesPerSecondPerThread: round(run.bytes / 1e6 / (Math.max(run.stages.readCryptoMs, 1e-3) / 1000)),
    decodeOnly: {
      elapsedMs: round(decodeOnly.elapsedMs),
      imagesPerSecond: round(decodeOnly.images / (decodeOnly.elapsedMs / 1000), 2),
      megapixelsPerSecond: round(decodeOnly.megapixels / (decodeOnly.elapsedMs / 1000), 2),
    },
    pipelineOverDecodeOnly: round(run.elapsedMs / decodeOnly.elapsedMs, 2),
    speedup: round(ips / firstIps, 2),
    cpuPerWall: round(run.cpuMs / run.elapsedMs, 2),
    failures: run.failures,
    matches: run.matches,
  };
}

/** The human-readable table. */
export function formatBenchReport(r: BenchReport): string {
  const m = r.machine;
  const lines = [
    `hashtriage ${r.tool.version} bench: ${r.images.count} ${r.images.source} images, ${round(r.images.bytes / 1e6)} MB, ${round(r.images.megapixels)} MP (${Object.entries(r.images.formats).map(([f, n]) => `${n} ${f}`).join(', ')})`,
    `machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.platform}; Node ${m.node}, OpenSSL ${m.openssl}, sharp ${m.sharp}, libvips ${m.libvips} (concurrency ${m.sharpConcurrency}); kernels ${m.kernels}; load average ${m.loadAverage}`,
    `list: ${r.list.entries} random entries (${r.list.algorithms.join(', ')})`,
    ...(r.fastDecode ? ['--fast-decode: the pipeline decodes large JPEGs reduced (not bit-exact); decode-only is the full decode'] : []),
    `limit, one core: ${Object.entries(r.limits.cryptoSingleCoreMegabytesPerSecond).map(([a, v]) => `${a} ${v} MB/s`).join(', ')}`,
    '',
    'threads  images/s   MB/s   MP/s  speedup  cpu/wall | ms/image: read+crypto  decode  perceptual  match | decode-only images/s  pipeline/decode-only',
  ];
  for (const t of r.results) {
    const s = t.stages;
    lines.push(
      `${String(t.threads).padStart(7)}  ${t.imagesPerSecond.toFixed(2).padStart(8)} ${t.megabytesPerSecond.toFixed(1).padStart(6)} ${t.megapixelsPerSecond.toFixed(1).padStart(6)}  ${t.speedup.toFixed(2).padStart(6)}x  ${t.cpuPerWall.toFixed(2).padStart(8)} |` +
        `           ${s.readCryptoMs.perImageMs.toFixed(2).padStart(10)}  ${s.decodeMs.perImageMs.toFixed(1).padStart(6)}  ${s.perceptualMs.perImageMs.toFixed(1).padStart(10)}  ${s.matchMs.perImageMs.toFixed(2).padStart(5)} |` +
        ` ${t.decodeOnly.imagesPerSecond.toFixed(2).padStart(20)}  ${t.pipelineOverDecodeOnly.toFixed(2).padStart(20)}x`,
    );
  }
  const failures = r.results.reduce((a, t) => a + t.failures, 0);
  if (failures > 0) lines.push('', `note: ${failures} image decodes failed over all runs (their digests still count)`);
  return `${lines.join('\n')}\n`;
}

/**
 * Measures the whole report without printing it.
 *
 * @throws HashtriageError USAGE_INVALID_OPTION for a bad option or an empty `--dir`
 */
export async function measureBench(flags: BenchFlags, io: BenchIo): Promise<BenchReport> {
  const threads = parseThreadList(flags.threads);
  const count = flags.images === undefined ? 200 : parseIntOption('--images', flags.images, 1, 1_000_000);
  const progress = progressLine(io.stderr);
  const work = mkdtempSync(join(tmpdir(), 'hashtriage-bench-'));
  let reader: HashListReader | undefined;
  try {
    let files: string[];
    if (flags.dir !== undefined) {
      files = filesBelow(flags.dir);
    } else {
      files = await writeBenchImages(work, count, (n) => progress.update('generating images', n, count));
    }
    progress.done();
    const listPath = await buildBenchList(work);
    reader = openHashList(listPath);
    const matcher = new Matcher(reader, {
      thresholds: DEFAULTS.thresholds,
      pdqMinQuality: DEFAULTS.pdqMinQuality,
      matchLowInformationFiles: false,
      matchLowInformationEntries: false,
    });
    matcher.loadPerceptual();
    const limits = cryptoLimits();
    const runs: ThreadResult[] = [];
    let first: PipelineRun | undefined;
    let megapixels = 0;
    for (const t of threads) {
      const run = await measurePipeline(files, t, { matcher, fastDecode: flags.fastDecode === true, onProgress: (n) => progress.update(`pipeline, ${t} thread${t > 1 ? 's' : ''}:`, n, files.length) });
      progress.done();
      const decodeOnly = await measureDecodeOnly(files, t, (n) => progress.update(`decode-only, ${t} thread${t > 1 ? 's' : ''}:`, n, files.length));
      progress.done();
      runs.push(threadResult(run, decodeOnly, first));
      first ??= run;
      megapixels = run.megapixels;
    }
    return {
      tool: { name: 'hashtriage', version: TOOL_VERSION },
      command: 'bench',
      measuredAt: new Date().toISOString(),
      machine: machineInfo(),
      images: {
        source: flags.dir === undefined ? 'synthetic' : 'dir',
        count: files.length,
        bytes: files.reduce((a, f) => a + statSync(f).size, 0),
        megapixels: round(megapixels, 2),
        formats: formatCounts(files),
      },
      list: { entries: LIST_ENTRIES, algorithms: [...reader.algorithms].sort() },
      fastDecode: flags.fastDecode === true,
      limits: { cryptoSingleCoreMegabytesPerSecond: limits },
      results: runs,
    };
  } finally {
    progress.done();
    reader?.close();
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * `hashtriage bench [--images N] [--threads 1,2,...] [--json] [--dir DIR]`.
 *
 * @returns the exit code (0)
 * @throws HashtriageError USAGE_INVALID_OPTION for a bad option or an empty `--dir`
 */
export async function runBench(flags: BenchFlags, io: BenchIo): Promise<number> {
  const report = await measureBench(flags, io);
  io.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : formatBenchReport(report));
  return ExitCode.OK;
}
