/**
 * "A file with near-uniform luminance gets no perceptual match."
 *
 * A blank, white, black or nearly flat image hashes to values such as
 * `0000000000000000` (ahash) or `8000000000000000` (phash), and the few bits
 * that are set are decided by rounding noise. Every such image on a seized
 * disk would "match" every such entry in a hash list, so they are flagged
 * and left out of perceptual matching.
 */

import { rowRunSummer, type ImagePlanes } from './planes.js';

/** Blocks per side of the coarse grid the measure is taken on. */
export const LOW_INFORMATION_GRID = 16;

/** Samples per side: larger images are read on a lattice, not pixel by pixel. */
const SAMPLE_SIDE = 512;

/**
 * Default threshold: an image whose 16×16 block means have a standard
 * deviation below 2 grey levels (of 255) is low-information. Photographs,
 * even dark or foggy ones, sit far above this; blank pages, solid fills and
 * scanner-bed captures sit below.
 */
export const DEFAULT_LOW_INFORMATION_STDDEV = 2;

/**
 * Measures how much large-scale luminance structure an image has: the
 * population standard deviation of the mean luma of each cell of a
 * {@link LOW_INFORMATION_GRID}² grid (fewer cells along a side shorter than
 * the grid). Block means are what the 8×8 to 32×32 hashes see; pixel noise
 * and fine texture average out. Images wider or taller than 1024 pixels are
 * sampled every ⌊side/512⌋ pixels along that side (deterministically), which
 * bounds the cost at about half a million reads.
 *
 * @param img - full-resolution Pillow 'L' plane
 * @returns the standard deviation in grey levels, 0..127.5
 * @throws RangeError when the buffer is shorter than width×height or the image empty
 */
export function luminanceSpread(img: { width: number; height: number; luma: Uint8Array }): number {
  const { width, height, luma } = img;
  if (!(width >= 1 && height >= 1) || luma.length < width * height) {
    throw new RangeError(`invalid image ${width}x${height} with ${luma.length} bytes`);
  }
  const rowSums = new Float64Array(Math.min(LOW_INFORMATION_GRID, width));
  return spread(width, height, (y, runEnd, stepX) => {
    const base = y * width;
    let x = 0;
    for (let c = 0; c < runEnd.length; c++) {
      const end = base + runEnd[c];
      let s = 0;
      for (let p = base + x; p < end; p += stepX) s += luma[p];
      rowSums[c] = s;
      if (end > base) x = runEnd[c];
    }
    return rowSums;
  });
}

/**
 * {@link luminanceSpread} of an 'L' plane in kernel memory (planes.ts): the
 * same value, with the rows summed by the kernel (16 bytes at a time when
 * every pixel is read, i.e. images under 1024 pixels wide).
 *
 * @param p - the planes of the image
 * @returns the standard deviation in grey levels, 0..127.5
 * @throws RangeError when the kernel is unavailable or its memory cannot grow
 */
export function luminanceSpreadOfPlane(p: ImagePlanes): number {
  const { width, height } = p;
  const stepX = Math.max(1, Math.floor(width / SAMPLE_SIDE));
  const summer = rowRunSummer(p, runEnds(width, Math.min(LOW_INFORMATION_GRID, width), stepX).runEnd, stepX);
  try {
    return spread(width, height, (y) => summer.sumRow(y));
  } finally {
    summer.done();
  }
}

/**
 * For each cell column, the end (exclusive) of its run of lattice columns and
 * how many lattice columns it holds. The cells grow with x, so each is one run.
 */
function runEnds(width: number, gx: number, stepX: number): { runEnd: Int32Array; runLength: Int32Array } {
  const runEnd = new Int32Array(gx);
  const runLength = new Int32Array(gx);
  for (let x = 0; x < width; x += stepX) {
    const c = Math.floor((x * gx) / width);
    runEnd[c] = x + stepX;
    runLength[c]++;
  }
  return { runEnd, runLength };
}

/**
 * The measure itself, over row sums supplied by `sumRuns`: for a sampled row
 * y, the sum of the lattice pixels of each cell column's run. The sums are
 * integers far below 2^53, so totals do not depend on the order of additions.
 */
function spread(
  width: number,
  height: number,
  sumRuns: (y: number, runEnd: Int32Array, stepX: number) => ArrayLike<number>,
): number {
  const gx = Math.min(LOW_INFORMATION_GRID, width);
  const gy = Math.min(LOW_INFORMATION_GRID, height);
  const sums = new Float64Array(gx * gy);
  const counts = new Float64Array(gx * gy);
  // Large images are sampled on a regular lattice of at most ~SAMPLE_SIDE² pixels:
  // each of the 256 cells still averages ~1000 samples, far finer than the threshold needs.
  const stepX = Math.max(1, Math.floor(width / SAMPLE_SIDE));
  const stepY = Math.max(1, Math.floor(height / SAMPLE_SIDE));
  const { runEnd, runLength } = runEnds(width, gx, stepX);
  const rowsOfCellRow = new Int32Array(gy);
  for (let y = 0; y < height; y += stepY) {
    const cy = Math.floor((y * gy) / height);
    rowsOfCellRow[cy]++;
    const rowCell = cy * gx;
    const row = sumRuns(y, runEnd, stepX);
    for (let c = 0; c < gx; c++) sums[rowCell + c] += row[c];
  }
  for (let cy = 0; cy < gy; cy++) for (let c = 0; c < gx; c++) counts[cy * gx + c] = rowsOfCellRow[cy] * runLength[c];
  const cells = gx * gy;
  let mean = 0;
  for (let i = 0; i < cells; i++) mean += sums[i] / counts[i];
  mean /= cells;
  let variance = 0;
  for (let i = 0; i < cells; i++) {
    const d = sums[i] / counts[i] - mean;
    variance += d * d;
  }
  return Math.sqrt(variance / cells);
}

/**
 * Tells whether an image is too uniform for a perceptual hash to mean
 * anything (see {@link luminanceSpread} for the measure).
 *
 * @param img - full-resolution Pillow 'L' plane
 * @param threshold - spread below which the image is low-information;
 *   default {@link DEFAULT_LOW_INFORMATION_STDDEV}
 * @returns true when the spread is below the threshold
 * @throws RangeError on an invalid image or a negative/non-finite threshold
 */
export function isLowInformation(
  img: { width: number; height: number; luma: Uint8Array },
  threshold: number = DEFAULT_LOW_INFORMATION_STDDEV,
): boolean {
  if (!(threshold >= 0) || !Number.isFinite(threshold)) throw new RangeError(`invalid threshold ${threshold}`);
  return luminanceSpread(img) < threshold;
}

/**
 * {@link isLowInformation} of an image whose 'L' plane lies in kernel memory (planes.ts).
 *
 * @param p - the planes of the image
 * @param threshold - spread below which the image is low-information
 * @returns true when the spread is below the threshold
 * @throws RangeError on a negative/non-finite threshold, or when the kernel is
 *   unavailable or its memory cannot grow
 */
export function isLowInformationPlane(p: ImagePlanes, threshold: number = DEFAULT_LOW_INFORMATION_STDDEV): boolean {
  if (!(threshold >= 0) || !Number.isFinite(threshold)) throw new RangeError(`invalid threshold ${threshold}`);
  return luminanceSpreadOfPlane(p) < threshold;
}
