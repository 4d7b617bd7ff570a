/**
 * From hashes to rates: true-match rates per transform and false-match rates
 * over pairs of different images, per algorithm and distance threshold, and
 * the rule that turns those curves into a default threshold.
 *
 * The model is a scan: each source's original is a hash-list entry; every
 * file (the original and each copy of every source) is scanned against the
 * list. A copy matching its own source is a true match; any file matching
 * another source's entry is a false match.
 */
import { TRANSFORMS, type TransformName } from './accuracy-transforms.js';
import type { FileHashes, SourceResult } from './accuracy-worker.js';

/** The algorithms as evaluated: PDQ twice, plain and through its 8 dihedral hashes (what a scan does). */
export const EVAL_ALGORITHMS = ['ahash', 'dhash', 'phash', 'whash', 'pdq', 'pdq-dihedral'] as const;
export type EvalAlgorithm = (typeof EVAL_ALGORITHMS)[number];

/** Hash length in bits, the largest possible distance. */
export const HASH_BITS: Readonly<Record<EvalAlgorithm, number>> = {
  ahash: 64,
  dhash: 64,
  phash: 64,
  whash: 64,
  pdq: 256,
  'pdq-dihedral': 256,
};

/**
 * Transforms averaged into the headline true-match rate. The mirror is left
 * out because only PDQ's dihedral matching is built to survive it; its own
 * column shows how each algorithm fares.
 */
export const CORE_TRANSFORMS: readonly TransformName[] = TRANSFORMS.filter((t) => t !== 'mirror');

/** Everything measured on one image set. */
export interface SetStats {
  name: string;
  /** Sources whose original was hashed. */
  sources: number;
  /** Files hashed (originals and copies). */
  files: number;
  failures: { source: string; file: string; message: string }[];
  /** Per algorithm and transform: the distance of each copy to its own original (Infinity: PDQ quality too low to match). */
  genuine: Record<EvalAlgorithm, Record<TransformName, number[]>>;
  /** Per algorithm: how many different-image pairs sat at each distance 0..bits. */
  impostorHistogram: Record<EvalAlgorithm, number[]>;
  /** Different-image pairs compared per algorithm (including those PDQ's quality rule excluded). */
  impostorPairs: number;
  /** The closest different-image pair per algorithm. */
  nearest: Record<EvalAlgorithm, { distance: number; entry: string; file: string } | undefined>;
  /**
   * Per algorithm: for each ordered pair of different pictures (list entry,
   * scanned picture), the smallest distance over that picture's files,
   * as a histogram 0..bits. Tells whether false matches come from many
   * pictures or from a few look-alikes copied ten times.
   */
  pictureHistogram: Record<EvalAlgorithm, number[]>;
  /** Ordered pairs of different pictures: sources × (sources − 1). */
  picturePairs: number;
  /** Per algorithm: the closest pairs of different pictures, nearest first (at most {@link CLOSEST_LISTED}). */
  closestPictures: Record<EvalAlgorithm, { distance: number; entry: string; file: string }[]>;
  /** Files whose PDQ quality was below the minimum (never matched by PDQ). */
  pdqLowQuality: number;
  /** Originals (list entries) among them: none of their copies can match by PDQ. */
  pdqLowQualityEntries: number;
}

/** How many of the closest picture pairs are kept per algorithm. */
export const CLOSEST_LISTED = 5;

/** Packs hex into 32-bit words for fast XOR-popcount. */
function words(hex: string): Uint32Array {
  const w = new Uint32Array(hex.length / 8);
  for (let i = 0; i < w.length; i++) w[i] = parseInt(hex.slice(i * 8, i * 8 + 8), 16);
  return w;
}

function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/**
 * Hamming distance between two packed hashes of equal length.
 *
 * @param a - words from the same algorithm as `b`
 * @param b - words from the same algorithm as `a`
 * @returns the number of differing bits
 */
export function hammingWords(a: Uint32Array, b: Uint32Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d += popcount32((a[i] ^ b[i]) >>> 0);
  return d;
}

/** One scanned file, packed: per algorithm the words to compare (dihedral: eight candidates). */
interface Packed {
  source: string;
  label: string;
  quality: number;
  algo: Record<EvalAlgorithm, Uint32Array[]>;
}

function pack(source: string, label: string, h: FileHashes): Packed {
  return {
    source,
    label,
    quality: h.pdqQuality,
    algo: {
      ahash: [words(h.ahash)],
      dhash: [words(h.dhash)],
      phash: [words(h.phash)],
      whash: [words(h.whash)],
      pdq: [words(h.pdq)],
      'pdq-dihedral': h.pdqDihedral.map(words),
    },
  };
}

/**
 * Distance from a scanned file to a list entry under one algorithm, the way
 * the matcher computes it: the nearest of the file's candidate hashes, and no
 * PDQ match at all when either hash's quality is under the minimum.
 */
function distance(file: Packed, entry: Packed, algo: EvalAlgorithm, pdqMinQuality: number): number {
  if ((algo === 'pdq' || algo === 'pdq-dihedral') && (file.quality < pdqMinQuality || entry.quality < pdqMinQuality)) {
    return Infinity;
  }
  const target = entry.algo[algo][0];
  let best = Infinity;
  for (const candidate of file.algo[algo]) best = Math.min(best, hammingWords(candidate, target));
  return best;
}

function perAlgorithm<T>(make: (a: EvalAlgorithm) => T): Record<EvalAlgorithm, T> {
  return Object.fromEntries(EVAL_ALGORITHMS.map((a) => [a, make(a)])) as Record<EvalAlgorithm, T>;
}

/**
 * Measures one image set.
 *
 * @param name - the set's name in the report
 * @param results - worker results, one per source
 * @param pdqMinQuality - PDQ hashes below this quality never match (the scan's rule)
 * @returns distances of every copy to its original, and the histogram of
 *   distances over all (entry, file) pairs of different sources
 */
export function evaluateSet(name: string, results: readonly SourceResult[], pdqMinQuality: number): SetStats {
  const failures = results.flatMap((r) => r.failures.map((f) => ({ source: r.id, file: f.file, message: f.message })));
  const usable = results.filter((r) => r.original !== undefined);
  const entries = usable.map((r) => pack(r.id, 'original', r.original!));
  const files: Packed[] = [];
  for (const r of usable) {
    files.push(pack(r.id, 'original', r.original!));
    for (const t of TRANSFORMS) if (r.copies[t]) files.push(pack(r.id, t, r.copies[t]!));
  }

  const genuine = perAlgorithm(() => Object.fromEntries(TRANSFORMS.map((t) => [t, [] as number[]])) as Record<TransformName, number[]>);
  usable.forEach((r, i) => {
    for (const t of TRANSFORMS) {
      const copy = r.copies[t];
      if (!copy) continue;
      const packed = pack(r.id, t, copy);
      for (const a of EVAL_ALGORITHMS) genuine[a][t].push(distance(packed, entries[i], a, pdqMinQuality));
    }
  });

  const impostorHistogram = perAlgorithm((a) => new Array<number>(HASH_BITS[a] + 1).fill(0));
  const nearest = perAlgorithm<SetStats['nearest'][EvalAlgorithm]>(() => undefined);
  let impostorPairs = 0;
  // Smallest distance per (algorithm, entry, scanned picture); keys are entry index × sources + picture index.
  const sourceIndex = new Map(usable.map((r, i) => [r.id, i]));
  const pictureMin = perAlgorithm(() => new Float64Array(usable.length * usable.length).fill(Infinity));
  for (const [ei, entry] of entries.entries()) {
    for (const file of files) {
      if (file.source === entry.source) continue;
      impostorPairs++;
      const key = ei * usable.length + sourceIndex.get(file.source)!;
      for (const a of EVAL_ALGORITHMS) {
        const d = distance(file, entry, a, pdqMinQuality);
        if (!Number.isFinite(d)) continue;
        impostorHistogram[a][d]++;
        if (d < pictureMin[a][key]) pictureMin[a][key] = d;
        const best = nearest[a];
        if (best === undefined || d < best.distance) {
          nearest[a] = { distance: d, entry: entry.source, file: `${file.source} (${file.label})` };
        }
      }
    }
  }
  const pictureHistogram = perAlgorithm((a) => new Array<number>(HASH_BITS[a] + 1).fill(0));
  const closestPictures = perAlgorithm(() => [] as { distance: number; entry: string; file: string }[]);
  for (const a of EVAL_ALGORITHMS) {
    const pairs: { distance: number; entry: string; file: string }[] = [];
    pictureMin[a].forEach((d, key) => {
      if (!Number.isFinite(d)) return;
      pictureHistogram[a][d]++;
      pairs.push({ distance: d, entry: usable[Math.floor(key / usable.length)].id, file: usable[key % usable.length].id });
    });
    closestPictures[a] = pairs.sort((x, y) => x.distance - y.distance).slice(0, CLOSEST_LISTED);
  }
  return {
    name,
    sources: usable.length,
    files: files.length,
    failures,
    genuine,
    impostorHistogram,
    impostorPairs,
    nearest,
    pictureHistogram,
    picturePairs: usable.length * (usable.length - 1),
    closestPictures,
    pdqLowQuality: files.filter((f) => f.quality < pdqMinQuality).length,
    pdqLowQualityEntries: entries.filter((e) => e.quality < pdqMinQuality).length,
  };
}

/**
 * Share of copies made by `transform` that match their original at `threshold`.
 *
 * @returns a rate in [0, 1]; NaN when no copy was hashed
 */
export function trueMatchRate(stats: SetStats, algo: EvalAlgorithm, transform: TransformName, threshold: number): number {
  const d = stats.genuine[algo][transform];
  return d.filter((x) => x <= threshold).length / d.length;
}

/**
 * Mean of the per-transform true-match rates (each transform weighs the same).
 *
 * @param transforms - which transforms; default {@link CORE_TRANSFORMS}
 */
export function meanTrueMatchRate(
  stats: SetStats,
  algo: EvalAlgorithm,
  threshold: number,
  transforms: readonly TransformName[] = CORE_TRANSFORMS,
): number {
  const rates = transforms.map((t) => trueMatchRate(stats, algo, t, threshold)).filter((r) => !Number.isNaN(r));
  return rates.reduce((s, r) => s + r, 0) / rates.length;
}

/** Number of different-image pairs within `threshold`. */
export function falseMatches(stats: SetStats, algo: EvalAlgorithm, threshold: number): number {
  const h = stats.impostorHistogram[algo];
  let n = 0;
  for (let d = 0; d <= Math.min(threshold, h.length - 1); d++) n += h[d];
  return n;
}

/** Number of ordered pairs of different pictures with at least one file within `threshold` of the other's entry. */
export function falsePictureMatches(stats: SetStats, algo: EvalAlgorithm, threshold: number): number {
  const h = stats.pictureHistogram[algo];
  let n = 0;
  for (let d = 0; d <= Math.min(threshold, h.length - 1); d++) n += h[d];
  return n;
}

/** Share of different-image pairs within `threshold`, in [0, 1]. */
export function falseMatchRate(stats: SetStats, algo: EvalAlgorithm, threshold: number): number {
  return stats.impostorPairs === 0 ? NaN : falseMatches(stats, algo, threshold) / stats.impostorPairs;
}

/** The smallest distance seen between different images, over all sets (Infinity if none). */
export function nearestImpostor(sets: readonly SetStats[], algo: EvalAlgorithm): number {
  return Math.min(...sets.map((s) => s.nearest[algo]?.distance ?? Infinity));
}

/** How much true-match rate the recommendation may give up, relative to the zero-false-match ceiling. */
export const PLATEAU_TOLERANCE = 0.01;

/** A threshold recommendation and the figures behind it. */
export interface Recommendation {
  algo: EvalAlgorithm;
  /** Smallest different-image distance over every set. */
  nearestImpostor: number;
  /** Largest threshold with no false match in any set: nearestImpostor − 1 (capped at the hash length). */
  ceiling: number;
  /** Mean true-match rate at the ceiling, averaged over the sets. */
  ceilingRate: number;
  /** The recommended threshold. */
  threshold: number;
  /** Mean true-match rate at the recommended threshold, averaged over the sets. */
  rate: number;
}

/**
 * The threshold rule: take the largest threshold at which no pair of
 * different images matched in any set (the ceiling), then come down to the
 * smallest threshold that still keeps the mean true-match rate within
 * {@link PLATEAU_TOLERANCE} of the ceiling's. Coming down buys margin against
 * a list far larger than the test sets wherever the curve is flat, and costs
 * almost nothing in true matches.
 *
 * @param sets - one or more measured sets; the rule must hold in all of them
 * @param algo - which algorithm
 * @returns the recommendation
 */
export function recommendThreshold(sets: readonly SetStats[], algo: EvalAlgorithm): Recommendation {
  const bits = HASH_BITS[algo];
  const nearest = nearestImpostor(sets, algo);
  const ceiling = Math.max(0, Math.min(bits, nearest - 1));
  const rateAt = (t: number): number => sets.reduce((s, set) => s + meanTrueMatchRate(set, algo, t), 0) / sets.length;
  const ceilingRate = rateAt(ceiling);
  let threshold = ceiling;
  for (let t = 0; t <= ceiling; t++) {
    if (rateAt(t) >= ceilingRate - PLATEAU_TOLERANCE) {
      threshold = t;
      break;
    }
  }
  return { algo, nearestImpostor: nearest, ceiling, ceilingRate, threshold, rate: rateAt(threshold) };
}
