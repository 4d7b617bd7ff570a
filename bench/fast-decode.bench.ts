/**
 * fast-decode: what `--fast-decode` buys and what it costs, in one run.
 *
 * On JPEG photographs large enough to be decoded reduced (shorter side at
 * least 2 × FAST_DECODE_SIDE), every perceptual hash is computed twice in
 * this process on one thread: from the full decode (bit-exact with
 * imagehash and PDQ) and from the reduced one. Reported:
 *   - the time ratio, full / reduced (decode and hashes together);
 *   - per algorithm, how far the reduced hash lies from the exact one:
 *     identical share, mean, 95th percentile and largest Hamming distance,
 *     and the share still within the default match threshold, i.e. how
 *     often a list entry made from the original would still match.
 *
 * Images: seeded synthetic camera photos (always), plus the JPEGs of large
 * enough size under each --photos DIR (real photographs, e.g. Debian's
 * wallpaper packages in /usr/share/backgrounds). The only target is that
 * the reduced path is faster; the drift figures are for docs/perceptual.md.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DEFAULTS } from '../src/cli/defaults.js';
import { photoImage } from '../src/cli/synthetic.js';
import { FAST_DECODE_SIDE } from '../src/hash/decode.js';
import { readImageHeader } from '../src/hash/header.js';
import { sniffImageFormat } from '../src/hash/magic.js';
import { perceptualHashes } from '../src/hash/perceptual.js';
import { PERCEPTUAL_ALGORITHMS, type PerceptualAlgorithm } from '../src/types.js';
import { atLeast, hexDistance, newResult, round, type Scenario } from './common.js';

/** Camera-like sizes, cycled: 3, 6, 12 and 24 megapixels. */
const SIZES: readonly [number, number][] = [
  [2048, 1536],
  [3000, 2000],
  [4000, 3000],
  [6000, 4000],
];


/**
 * JPEG files below `dir` (recursively, links followed) whose header says they
 * would be decoded reduced; each content once (wallpaper packages link one
 * picture under several names).
 */
function eligiblePhotos(dir: string, seen: Set<string>): Buffer[] {
  const out: Buffer[] = [];
  for (const rel of (readdirSync(dir, { recursive: true, encoding: 'utf8' }) as string[]).sort()) {
    const path = join(dir, rel);
    let bytes: Buffer;
    try {
      if (!statSync(path).isFile()) continue;
      bytes = readFileSync(path);
    } catch {
      continue;
    }
    if (sniffImageFormat(bytes.subarray(0, 32)) !== 'jpeg') continue;
    const h = readImageHeader(bytes, 'jpeg');
    if (!h?.ordinary || Math.min(h.width, h.height) < 2 * FAST_DECODE_SIDE) continue;
    const id = createHash('sha256').update(bytes).digest('hex');
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(bytes);
  }
  return out;
}

interface SetFigures {
  images: number;
  fullMs: number;
  reducedMs: number;
  distances: Record<PerceptualAlgorithm, number[]>;
}

async function measureSet(images: Buffer[]): Promise<SetFigures> {
  const task = { algorithms: [...PERCEPTUAL_ALGORITHMS], maxPixels: DEFAULTS.maxPixels, lowInformationThreshold: DEFAULTS.lowInformationThreshold };
  const f: SetFigures = { images: 0, fullMs: 0, reducedMs: 0, distances: Object.fromEntries(PERCEPTUAL_ALGORITHMS.map((a) => [a, []])) as never };
  for (const bytes of images) {
    let t = performance.now();
    const full = await perceptualHashes(bytes, task);
    const fullMs = performance.now() - t;
    t = performance.now();
    const reduced = await perceptualHashes(bytes, { ...task, fastDecode: true });
    const reducedMs = performance.now() - t;
    if (full.failures.length > 0 || reduced.failures.length > 0 || !reduced.image?.reducedFrom) continue;
    f.images++;
    f.fullMs += fullMs;
    f.reducedMs += reducedMs;
    for (const a of PERCEPTUAL_ALGORITHMS) f.distances[a].push(hexDistance(full.hashes[a]!, reduced.hashes[a]!));
  }
  return f;
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

export const fastDecodeScenario: Scenario = {
  name: 'fast-decode',
  summary: '--fast-decode on large JPEGs: time against the exact decode, and each hash\'s drift',
  async run(o) {
    const count = o.quick ? 4 : 16;
    const photos = o.photos ?? [];
    const r = newResult('fast-decode', `node dist/bench/run.js fast-decode${o.quick ? ' --quick' : ''}${photos.map((d) => ` --photos ${d}`).join('')}`);
    o.log(`fast-decode: generating ${count} synthetic camera photos`);
    const synthetic: Buffer[] = [];
    for (let i = 0; i < count; i++) {
      const [w, h] = SIZES[i % SIZES.length]!;
      synthetic.push(await photoImage(w, h, 9000 + i, 'jpeg', 92));
    }
    const sets: [string, Buffer[]][] = [['synthetic', synthetic]];
    const seen = new Set<string>();
    const real = photos.flatMap((d) => eligiblePhotos(d, seen));
    if (real.length > 0) sets.push(['photographs', real]);
    else r.notes.push('no --photos directory with JPEGs of at least 1024 px on the shorter side: real photographs not measured');
    r.figures['reduced to (shorter side, px)'] = FAST_DECODE_SIDE;
    for (const [name, images] of sets) {
      o.log(`fast-decode: ${name}, ${images.length} images`);
      const f = await measureSet(images);
      r.figures[`${name}: images`] = f.images;
      r.figures[`${name}: full decode + hashes, ms/image`] = round(f.fullMs / f.images, 1);
      r.figures[`${name}: reduced decode + hashes, ms/image`] = round(f.reducedMs / f.images, 1);
      for (const a of PERCEPTUAL_ALGORITHMS) {
        const d = [...f.distances[a]].sort((x, y) => x - y);
        const within = d.filter((x) => x <= DEFAULTS.thresholds[a]).length;
        r.figures[`${name}: ${a} identical | mean | p95 | max | within threshold ${DEFAULTS.thresholds[a]}`] = [
          `${round((100 * d.filter((x) => x === 0).length) / d.length, 0)}%`,
          round(d.reduce((s, x) => s + x, 0) / d.length, 2),
          quantile(d, 0.95),
          d.at(-1),
          `${round((100 * within) / d.length, 0)}%`,
        ].join(' | ');
      }
      r.ratios.push(atLeast(`${name}: full / reduced time`, f.fullMs / f.reducedMs, 1));
    }
    return r;
  },
};
