/**
 * Meta's PDQ perceptual hash (256 bits), bit-identical with the C++
 * reference core in facebook/ThreatExchange (`pdq/cpp/hashing`), applied to
 * the full-resolution decoded pixels as python-threatexchange does (no 512
 * pre-resize).
 *
 * Pipeline: float32 luma → Jarosz tent filter (two passes of box filters
 * along rows then columns) → decimate to 64×64 → quality from gradients →
 * partial DCT (pdq-dct.ts) → median threshold. The full-resolution part
 * (luma and the first three box passes) runs in a WebAssembly SIMD kernel
 * (pdq-kernel.ts) when available, and in the TypeScript below otherwise;
 * both give the same bits.
 *
 * Bit-exactness rests on rounding to float32 wherever the reference holds a
 * `float`: every running sum is rounded after each `+=`/`-=`, and values
 * stored in a `Float32Array` are rounded by the store. Changing the order
 * of any sum (for example "optimising" the box filter into prefix sums)
 * changes low bits and, for coefficients near the median, hash bits.
 */
import { HashtriageError } from '../errors.js';
import { blockToHex, dct64To16, dctBasis, dihedralBlock, DIHEDRAL_VARIANTS, type DihedralVariant } from './pdq-dct.js';
import { dctWithKernel, filteredColumnsWithKernel, type BoxPhases } from './pdq-kernel.js';

/** A PDQ hash and its quality. */
export interface PdqResult {
  /** 64 lowercase hex digits, in the reference's `Hash256::format()` order. */
  hash: string;
  /** 0..100; below {@link PDQ_MIN_QUALITY} the hash is too unreliable to match on. */
  quality: number;
}

/** Decoded pixels: 3 channels (R, G, B), 8 bits each, row-major, no padding. */
export interface RgbImage {
  width: number;
  height: number;
  rgb: Uint8Array;
}

/** Options of the PDQ functions. */
export interface PdqOptions {
  /** false forces the TypeScript passes instead of the WebAssembly kernel (for tests and comparison). */
  kernel?: boolean;
}

/** The 8 dihedral hashes of one image and its quality. */
export interface PdqDihedralResult {
  quality: number;
  hashes: Record<DihedralVariant, string>;
}

/** Two hashes at Hamming distance ≤ this are a match (ThreatExchange's `PDQ_CONFIDENT_MATCH_THRESHOLD`). */
export const PDQ_MATCH_DISTANCE = 31;
/** Hashes with quality below this are discarded (python-threatexchange `QUALITY_THRESHOLD`). */
export const PDQ_MIN_QUALITY = 50;

/** The reference returns an all-zero hash with quality 0 below this size in either dimension. */
const MIN_HASHABLE_DIM = 5;
const OUT = 64;
const ZERO_HASH = '0'.repeat(64);

// The luma weights are `const float` in the reference, so the products are
// float32 × float32. Tabulating them per byte value is exact and saves three
// multiplies and roundings per pixel.
const LUMA_R = lumaTable(0.299);
const LUMA_G = lumaTable(0.587);
const LUMA_B = lumaTable(0.114);

function lumaTable(coefficient: number): Float32Array {
  const c = Math.fround(coefficient);
  const table = new Float32Array(256);
  for (let v = 0; v < 256; v++) table[v] = c * v;
  return table;
}

/**
 * Computes the PDQ hash and quality of an image.
 *
 * Images smaller than 5 pixels in either dimension get the all-zero hash
 * and quality 0, as in the reference. A 64×64 image skips the tent filter,
 * again as the reference's single-hash path does.
 *
 * @param img - decoded RGB pixels.
 * @param options - `kernel: false` forces the TypeScript passes.
 * @returns the hash and its quality.
 * @throws HashtriageError `INTERNAL` if the buffer does not hold width × height × 3 bytes.
 */
export function pdqHash(img: RgbImage, options: PdqOptions = {}): PdqResult {
  checkImage(img);
  if (tooSmall(img)) return { hash: ZERO_HASH, quality: 0 };
  const { block, quality } = coefficients(img, true, options.kernel !== false);
  return { hash: blockToHex(block), quality };
}

/**
 * Computes the hashes of the image and of its 7 rotations and mirror
 * images from a single DCT, so that a rotated or mirrored copy of listed
 * material can still be matched.
 *
 * The reference's dihedral path always runs the tent filter, even on a
 * 64×64 image, so for that one size `hashes.original` can differ in a few
 * low-significance bits from {@link pdqHash}; we keep that behaviour so both
 * stay bit-identical with the reference. Derived hashes approximate, but are
 * not always equal to, the hash of an actually transformed file (rounding in
 * the filter is not symmetric); expect a handful of differing bits at most.
 *
 * @param img - decoded RGB pixels.
 * @param options - `kernel: false` forces the TypeScript passes.
 * @returns quality and the 8 hashes.
 * @throws HashtriageError `INTERNAL` if the buffer does not hold width × height × 3 bytes.
 */
export function pdqDihedral(img: RgbImage, options: PdqOptions = {}): PdqDihedralResult {
  checkImage(img);
  const hashes = {} as Record<DihedralVariant, string>;
  if (tooSmall(img)) {
    for (const v of DIHEDRAL_VARIANTS) hashes[v] = ZERO_HASH;
    return { quality: 0, hashes };
  }
  const { block, quality } = coefficients(img, false, options.kernel !== false);
  for (const v of DIHEDRAL_VARIANTS) hashes[v] = blockToHex(v === 'original' ? block : dihedralBlock(block, v));
  return { quality, hashes };
}

/**
 * The 64×64 tent-filtered, decimated luma that PDQ's DCT and quality read
 * (the dihedral path: always filtered). Exposed so tests can compare the
 * kernel and the TypeScript passes float for float.
 *
 * @param img - decoded RGB pixels, at least 5×5.
 * @param options - `kernel: false` forces the TypeScript passes.
 * @returns 64×64 floats, row-major.
 * @throws HashtriageError `INTERNAL` if the buffer does not hold width × height × 3 bytes, or the image is below 5×5.
 */
export function pdqDownsample(img: RgbImage, options: PdqOptions = {}): Float32Array {
  checkImage(img);
  if (tooSmall(img)) throw new HashtriageError('INTERNAL', `PDQ: ${img.width}x${img.height} is too small to downsample`);
  return downsample(img, options.kernel !== false);
}

/**
 * Hamming distance between two PDQ hashes.
 *
 * @param a - 64 hex digits (either case).
 * @param b - 64 hex digits (either case).
 * @returns the number of differing bits, 0..256.
 * @throws HashtriageError `INTERNAL` if either argument is not 64 hex digits.
 */
export function pdqDistance(a: string, b: string): number {
  if (!HEX64.test(a) || !HEX64.test(b)) {
    throw new HashtriageError('INTERNAL', `pdqDistance: expected two 64-digit hex hashes`);
  }
  let d = 0;
  for (let i = 0; i < 64; i += 8) {
    d += popcount32((parseInt(a.slice(i, i + 8), 16) ^ parseInt(b.slice(i, i + 8), 16)) >>> 0);
  }
  return d;
}

const HEX64 = /^[0-9a-fA-F]{64}$/;

function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

function checkImage(img: RgbImage): void {
  const { width, height, rgb } = img;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new HashtriageError('INTERNAL', `PDQ: invalid image size ${width}x${height}`);
  }
  if (rgb.length !== width * height * 3) {
    throw new HashtriageError(
      'INTERNAL',
      `PDQ: expected ${width * height * 3} bytes of RGB for ${width}x${height}, got ${rgb.length}`,
    );
  }
}

function tooSmall(img: RgbImage): boolean {
  return img.width < MIN_HASHABLE_DIM || img.height < MIN_HASHABLE_DIM;
}

/**
 * Luma → 64×64 → quality and 16×16 DCT block.
 *
 * @param shortcut64 - take a 64×64 image as is (the reference's single-hash path) rather than filtering it.
 * @param useKernel - run the full-resolution passes in the WebAssembly kernel when it is available.
 */
function coefficients(img: RgbImage, shortcut64: boolean, useKernel: boolean): { block: Float32Array; quality: number } {
  const small = shortcut64 && img.height === OUT && img.width === OUT ? lumaOf(img) : downsample(img, useKernel);
  const block = (useKernel ? dctWithKernel(small, dctBasis()) : null) ?? dct64To16(small);
  return { block, quality: qualityOf(small) };
}

/** Y = 0.299 R + 0.587 G + 0.114 B, summed left to right in float32. */
function lumaOf({ width, height, rgb }: RgbImage): Float32Array {
  const n = width * height;
  const luma = new Float32Array(n);
  const fr = Math.fround;
  for (let p = 0, q = 0; p < n; p++, q += 3) {
    luma[p] = fr(LUMA_R[rgb[q]] + LUMA_G[rgb[q + 1]]) + LUMA_B[rgb[q + 2]];
  }
  return luma;
}

/**
 * The Jarosz tent filter and decimation to 64×64.
 *
 * The reference ping-pongs between two full-size buffers; we filter in place
 * (a row copy for row passes, a ring of the last window+1 input rows for
 * column passes) to halve peak memory on large photos. The last column pass
 * only runs over the 64 columns the decimation samples. Each output value
 * sees the same operations in the same order as in the reference.
 *
 * @param useKernel - run luma and the first three passes in the WebAssembly kernel when it is available.
 */
function downsample(img: RgbImage, useKernel: boolean): Float32Array {
  return downsampleWith(img.width, img.height, (wAlongRows, wAlongCols, colIdx) => {
    const { width: cols, height: rows } = img;
    return (
      (useKernel
        ? filteredColumnsWithKernel(img.rgb, cols, rows, phases(cols, wAlongRows), phases(rows, wAlongCols), wAlongCols, colIdx)
        : null) ?? filteredColumns(img, wAlongRows, wAlongCols, colIdx)
    );
  });
}

/**
 * The decimation around a source of filtered columns: `pick` returns the
 * sampled columns (rows × 64) after luma, rows, columns, rows; the final
 * column pass then runs on them alone (unless `pickFilters`: `pick` ran it).
 */
function downsampleWith(
  cols: number,
  rows: number,
  pick: (wAlongRows: number, wAlongCols: number, colIdx: Int32Array) => Float32Array,
  pickFilters = false,
): Float32Array {
  const wAlongRows = jaroszWindow(cols);
  const wAlongCols = jaroszWindow(rows);
  const rowIdx = decimationIndices(rows);
  const colIdx = decimationIndices(cols);
  const picked = pick(wAlongRows, wAlongCols, colIdx);
  if (!pickFilters) boxColumnsInPlace(picked, rows, OUT, wAlongCols, new Float32Array((wAlongCols + 1) * OUT), new Float32Array(OUT));

  const out = new Float32Array(OUT * OUT);
  for (let i = 0; i < OUT; i++) out.set(picked.subarray(rowIdx[i] * OUT, rowIdx[i] * OUT + OUT), i * OUT);
  return out;
}

/** What a streamed tent filter (planes.ts) needs to know about an image: PDQ's windows and sampled columns. */
export interface PdqFilterSpec {
  /** Box filter phases along each row (length = width). */
  alongRows: BoxPhases;
  /** Box filter phases down each column (length = height). */
  alongCols: BoxPhases;
  /** The column window (its ring holds `colWindow + 1` rows). */
  colWindow: number;
  /** The 64 columns the decimation samples. */
  picks: Int32Array;
}

/**
 * PDQ's tent filter parameters for an image of this size, for filtering it
 * as a stream of rows (planes.ts) instead of as a whole plane.
 *
 * @returns the parameters, or undefined when the image is below 5×5 (its hashes are all zero)
 */
export function pdqFilterSpec(width: number, height: number): PdqFilterSpec | undefined {
  if (width < MIN_HASHABLE_DIM || height < MIN_HASHABLE_DIM) return undefined;
  const wAlongRows = jaroszWindow(width);
  const wAlongCols = jaroszWindow(height);
  return {
    alongRows: phases(width, wAlongRows),
    alongCols: phases(height, wAlongCols),
    colWindow: wAlongCols,
    picks: decimationIndices(width),
  };
}

/**
 * {@link pdqDihedral} from the sampled columns after the whole tent filter
 * (all four passes, as planes.ts streams them): the decimation, DCT,
 * quality and hashes. The same bits as {@link pdqDihedral} of the image.
 *
 * @param filtered - `height × 64` floats, row-major; or undefined for an image below 5×5
 * @param width - image width
 * @param height - image height
 * @returns quality and the 8 hashes
 * @throws HashtriageError `INTERNAL` when `filtered` does not hold height × 64 values
 */
export function pdqDihedralOfFiltered(filtered: Float32Array | undefined, width: number, height: number): PdqDihedralResult {
  const hashes = {} as Record<DihedralVariant, string>;
  if (filtered === undefined || width < MIN_HASHABLE_DIM || height < MIN_HASHABLE_DIM) {
    for (const v of DIHEDRAL_VARIANTS) hashes[v] = ZERO_HASH;
    return { quality: 0, hashes };
  }
  if (filtered.length !== height * OUT) {
    throw new HashtriageError('INTERNAL', `PDQ: expected ${height * OUT} filtered values, got ${filtered.length}`);
  }
  const small = downsampleWith(width, height, () => filtered, true);
  const block = dctWithKernel(small, dctBasis()) ?? dct64To16(small);
  const quality = qualityOf(small);
  for (const v of DIHEDRAL_VARIANTS) hashes[v] = blockToHex(v === 'original' ? block : dihedralBlock(block, v));
  return { quality, hashes };
}

/** The TypeScript version of {@link filteredColumnsWithKernel}. */
function filteredColumns(img: RgbImage, wAlongRows: number, wAlongCols: number, colIdx: Int32Array): Float32Array {
  const { width: cols, height: rows } = img;
  const buf = lumaOf(img);
  const scratch = new Float32Array(4 * cols);
  boxRowsInPlace(buf, rows, cols, wAlongRows, scratch);
  boxColumnsInPlace(buf, rows, cols, wAlongCols, new Float32Array((wAlongCols + 1) * cols), new Float32Array(cols));
  boxRowsInPlace(buf, rows, cols, wAlongRows, scratch);
  const picked = new Float32Array(rows * OUT);
  for (let r = 0; r < rows; r++) {
    const src = r * cols;
    const dst = r * OUT;
    for (let c = 0; c < OUT; c++) picked[dst + c] = buf[src + colIdx[c]];
  }
  return picked;
}

/** Half of a 1/64 block, rounded up: two passes of this box make a tent one block wide. */
function jaroszWindow(dimension: number): number {
  return Math.floor((dimension + 2 * OUT - 1) / (2 * OUT));
}

/** Source index of each of the 64 outputs: the pixel under the output cell's centre. */
function decimationIndices(n: number): Int32Array {
  const idx = new Int32Array(OUT);
  for (let i = 0; i < OUT; i++) idx[i] = Math.floor(((i + 0.5) * n) / OUT);
  return idx;
}

/**
 * Box filter of every row, in place.
 *
 * The window is "centred" as in the reference: the first outputs average a
 * growing window, the last ones a shrinking one, so edges are not darkened.
 *
 * Each row's running sum is a serial chain of float32 roundings, so one row
 * at a time leaves the CPU waiting on latency; four rows are swept together
 * (four independent chains, same operations per row) and any leftover rows
 * go one by one. This roughly halves the time of the pass.
 */
function boxRowsInPlace(buf: Float32Array, rows: number, cols: number, window: number, scratch: Float32Array): void {
  const { p1, p2, p3, p4 } = phases(cols, window);
  const fr = Math.fround;
  const c1 = cols;
  const c2 = 2 * cols;
  const c3 = 3 * cols;
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    const b0 = r * cols;
    scratch.set(buf.subarray(b0, b0 + 4 * cols));
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let count = 0;
    let li = 0;
    let ri = 0;
    let oi = b0;
    for (let k = 0; k < p1; k++, ri++) {
      s0 = fr(s0 + scratch[ri]);
      s1 = fr(s1 + scratch[c1 + ri]);
      s2 = fr(s2 + scratch[c2 + ri]);
      s3 = fr(s3 + scratch[c3 + ri]);
      count++;
    }
    for (let k = 0; k < p2; k++, ri++, oi++) {
      s0 = fr(s0 + scratch[ri]);
      s1 = fr(s1 + scratch[c1 + ri]);
      s2 = fr(s2 + scratch[c2 + ri]);
      s3 = fr(s3 + scratch[c3 + ri]);
      count++;
      buf[oi] = s0 / count;
      buf[c1 + oi] = s1 / count;
      buf[c2 + oi] = s2 / count;
      buf[c3 + oi] = s3 / count;
    }
    for (let k = 0; k < p3; k++, ri++, li++, oi++) {
      s0 = fr(fr(s0 + scratch[ri]) - scratch[li]);
      s1 = fr(fr(s1 + scratch[c1 + ri]) - scratch[c1 + li]);
      s2 = fr(fr(s2 + scratch[c2 + ri]) - scratch[c2 + li]);
      s3 = fr(fr(s3 + scratch[c3 + ri]) - scratch[c3 + li]);
      buf[oi] = s0 / count;
      buf[c1 + oi] = s1 / count;
      buf[c2 + oi] = s2 / count;
      buf[c3 + oi] = s3 / count;
    }
    for (let k = 0; k < p4; k++, li++, oi++) {
      s0 = fr(s0 - scratch[li]);
      s1 = fr(s1 - scratch[c1 + li]);
      s2 = fr(s2 - scratch[c2 + li]);
      s3 = fr(s3 - scratch[c3 + li]);
      count--;
      buf[oi] = s0 / count;
      buf[c1 + oi] = s1 / count;
      buf[c2 + oi] = s2 / count;
      buf[c3 + oi] = s3 / count;
    }
  }
  for (; r < rows; r++) {
    const base = r * cols;
    scratch.set(buf.subarray(base, base + cols));
    let sum = 0;
    let count = 0;
    let li = 0;
    let ri = 0;
    let oi = base;
    for (let k = 0; k < p1; k++) {
      sum = fr(sum + scratch[ri++]);
      count++;
    }
    for (let k = 0; k < p2; k++) {
      sum = fr(sum + scratch[ri++]);
      count++;
      buf[oi++] = sum / count;
    }
    for (let k = 0; k < p3; k++) {
      sum = fr(sum + scratch[ri++]);
      sum = fr(sum - scratch[li++]);
      buf[oi++] = sum / count;
    }
    for (let k = 0; k < p4; k++) {
      sum = fr(sum - scratch[li++]);
      count--;
      buf[oi++] = sum / count;
    }
  }
}

/**
 * Box filter of every column, in place, sweeping all columns together row by
 * row (cache-friendly; each column's own sequence of operations is unchanged).
 * `sums` is a Float32Array so every `+=`/`-=` is rounded to float32 by the store.
 */
function boxColumnsInPlace(
  buf: Float32Array,
  rows: number,
  cols: number,
  window: number,
  ring: Float32Array,
  sums: Float32Array,
): void {
  const { p1, p2, p3, p4 } = phases(rows, window);
  const slots = window + 1;
  sums.fill(0);
  let count = 0;
  let li = 0;
  let ri = 0;
  let oi = 0;
  // Input rows are saved in the ring as they are read, because by the time a
  // row leaves the window it has already been overwritten by output.
  const add = (): void => {
    const src = ri * cols;
    const slot = (ri % slots) * cols;
    for (let j = 0; j < cols; j++) {
      const v = buf[src + j];
      ring[slot + j] = v;
      sums[j] += v;
    }
    ri++;
  };
  const subtract = (): void => {
    const slot = (li % slots) * cols;
    for (let j = 0; j < cols; j++) sums[j] -= ring[slot + j];
    li++;
  };
  const write = (): void => {
    const dst = oi * cols;
    for (let j = 0; j < cols; j++) buf[dst + j] = sums[j] / count;
    oi++;
  };
  for (let k = 0; k < p1; k++) {
    add();
    count++;
  }
  for (let k = 0; k < p2; k++) {
    add();
    count++;
    write();
  }
  for (let k = 0; k < p3; k++) {
    add();
    subtract();
    write();
  }
  for (let k = 0; k < p4; k++) {
    subtract();
    count--;
    write();
  }
}

/** Repetition counts of the reference box filter's four phases (fill, grow, slide, shrink). */
function phases(length: number, window: number): BoxPhases {
  const half = (window + 2) >> 1;
  return { p1: half - 1, p2: window - half + 1, p3: length - window, p4: half - 1 };
}

/**
 * Quality: the sum of quantised absolute differences between neighbours in
 * the 64×64 image, scaled and capped at 100. Each difference is computed in
 * float32 and truncated toward zero, as the reference's `int d = ...` does.
 */
function qualityOf(a: Float32Array): number {
  const fr = Math.fround;
  let sum = 0;
  for (let i = 0; i < OUT - 1; i++) {
    for (let j = 0; j < OUT; j++) {
      sum += Math.abs(Math.trunc(fr(fr(fr(a[i * OUT + j] - a[(i + 1) * OUT + j]) * 100) / 255)));
    }
  }
  for (let i = 0; i < OUT; i++) {
    for (let j = 0; j < OUT - 1; j++) {
      sum += Math.abs(Math.trunc(fr(fr(fr(a[i * OUT + j] - a[i * OUT + j + 1]) * 100) / 255)));
    }
  }
  return Math.min(100, Math.floor(sum / 90));
}
