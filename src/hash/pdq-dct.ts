/**
 * The frequency-domain half of PDQ: the partial 2-D DCT of the 64×64
 * downsample, the eight dihedral rearrangements of its 16×16 output, and the
 * median threshold that turns 256 coefficients into hex.
 *
 * Every arithmetic step rounds to float32 (`Math.fround`, or a store into a
 * `Float32Array`) exactly where Meta's C++ reference keeps a `float`, and in
 * the same order. A JS double is wide enough that "compute in double, round
 * once to float" gives the correctly rounded float result for a single
 * `+ - * /`, so this reproduces the reference bit for bit on x86-64 (where
 * the reference is compiled without fused multiply-add).
 */

/** Side of the downsampled image the DCT reads. */
const N = 64;
/** Side of the kept block of DCT coefficients (frequencies 1..16; DC is skipped). */
const K = 16;

/**
 * The 16×64 DCT-II basis rows for frequencies 1..16, as float32.
 *
 * The scale factor is rounded to float before the product, and the product
 * (computed in double) is rounded once more when stored, because that is
 * what the reference's `float * double → float` expression does. V8's
 * `Math.cos` gives the same float32 table as glibc's `cos` for all 1024
 * entries (checked when this was written); the test suite re-checks a
 * handful of entries against constants taken from the reference.
 */
const DCT_MATRIX: Float32Array = (() => {
  const m = new Float32Array(K * N);
  const scale = Math.fround(Math.sqrt(2 / N));
  for (let i = 0; i < K; i++) {
    for (let j = 0; j < N; j++) {
      m[i * N + j] = scale * Math.cos((Math.PI / 2 / N) * (i + 1) * (2 * j + 1));
    }
  }
  return m;
})();

/**
 * The 16×64 basis D itself (row i = frequency i+1), for the WebAssembly DCT
 * (pdq-kernel.ts). Shared, not a copy: read it, never write it.
 */
export function dctBasis(): Float32Array {
  return DCT_MATRIX;
}

/** Exposed for the tests, which compare a few entries with the reference's float bits. */
export function dctMatrixEntry(row: number, col: number): number {
  return DCT_MATRIX[row * N + col];
}

/**
 * Computes B = D · A · Dᵀ, the 16×16 block of DCT coefficients PDQ keeps.
 *
 * Each dot product is accumulated left to right in float32 (k = 0..63), the
 * order the reference uses; reordering would change low bits and, near the
 * median, hash bits.
 *
 * @param a - 64×64 downsampled luma, row-major.
 * @returns 16×16 coefficients, row-major (row = vertical frequency).
 */
export function dct64To16(a: Float32Array): Float32Array {
  const fr = Math.fround;
  const t = new Float32Array(K * N);
  for (let i = 0; i < K; i++) {
    const drow = i * N;
    for (let j = 0; j < N; j++) {
      let sum = 0;
      for (let k = 0; k < N; k++) {
        sum = fr(sum + fr(DCT_MATRIX[drow + k] * a[k * N + j]));
      }
      t[i * N + j] = sum;
    }
  }
  const b = new Float32Array(K * K);
  for (let i = 0; i < K; i++) {
    const trow = i * N;
    for (let j = 0; j < K; j++) {
      const drow = j * N;
      let sum = 0;
      for (let k = 0; k < N; k++) {
        sum = fr(sum + fr(t[trow + k] * DCT_MATRIX[drow + k]));
      }
      b[i * K + j] = sum;
    }
  }
  return b;
}

/**
 * The eight symmetries of the square, named as the reference names its hash
 * outputs. Checked against the reference's own transformed test images
 * (pdq/data/reg-test-input/dih): `rotate90` is a quarter turn anticlockwise,
 * `rotate270` clockwise, `flipX` mirrors top↔bottom, `flipY` left↔right,
 * `flipPlus1` transposes (main diagonal), `flipMinus1` mirrors about the
 * anti-diagonal. Each name is the transform applied to the *image*: the
 * `rotate90` hash of an image approximates the hash of that image turned 90°
 * anticlockwise.
 */
export const DIHEDRAL_VARIANTS = [
  'original',
  'rotate90',
  'rotate180',
  'rotate270',
  'flipX',
  'flipY',
  'flipPlus1',
  'flipMinus1',
] as const;
export type DihedralVariant = (typeof DIHEDRAL_VARIANTS)[number];

/**
 * How each symmetry acts on the coefficient block. Mirroring an image along
 * one axis negates the odd-frequency basis functions along that axis (our
 * index i holds frequency i+1, so that is the *even* indices); rotating by 90°
 * is a mirror plus a transpose. So every variant is "transpose or not" plus
 * "negate when a parity predicate holds", with no new DCT needed.
 */
const DIHEDRAL_RULES: Readonly<
  Record<DihedralVariant, { transpose: boolean; negate: (i: number, j: number) => boolean }>
> = {
  original: { transpose: false, negate: () => false },
  rotate90: { transpose: true, negate: (_i, j) => (j & 1) === 0 },
  rotate180: { transpose: false, negate: (i, j) => ((i + j) & 1) === 1 },
  rotate270: { transpose: true, negate: (i) => (i & 1) === 0 },
  flipX: { transpose: false, negate: (i) => (i & 1) === 0 },
  flipY: { transpose: false, negate: (_i, j) => (j & 1) === 0 },
  flipPlus1: { transpose: true, negate: () => false },
  flipMinus1: { transpose: true, negate: (i, j) => ((i + j) & 1) === 1 },
};

/**
 * Rearranges a coefficient block into the block the transformed image would
 * (up to rounding in the spatial filter) have produced.
 *
 * @param b - 16×16 coefficients from {@link dct64To16}.
 * @param variant - which symmetry.
 * @returns a new 16×16 block; `b` is not modified.
 */
export function dihedralBlock(b: Float32Array, variant: DihedralVariant): Float32Array {
  const rule = DIHEDRAL_RULES[variant];
  const out = new Float32Array(K * K);
  for (let i = 0; i < K; i++) {
    for (let j = 0; j < K; j++) {
      const v = b[i * K + j];
      const dst = rule.transpose ? j * K + i : i * K + j;
      out[dst] = rule.negate(i, j) ? -v : v;
    }
  }
  return out;
}

/**
 * The reference's median: the 128th smallest of the 256 coefficients (the
 * lower median). Its Torben selection loop always ends on exactly that order
 * statistic for an even count of finite values, so a sort is equivalent.
 */
function lowerMedian(b: Float32Array): number {
  const sorted = Float32Array.from(b).sort();
  return sorted[(b.length >> 1) - 1];
}

/**
 * Thresholds a coefficient block at its median and formats the 256 bits the
 * way the reference prints a `Hash256`.
 *
 * Bit k = 16·i + j is set when coefficient (i, j) is strictly above the
 * median. The reference stores bit k in 16-bit word k >> 4 (so word i is row
 * i) and prints words 15 down to 0 as four hex digits each; the hex string
 * is therefore rows 15..0, each row a 16-bit number whose bit j is column j.
 *
 * @param b - 16×16 coefficients.
 * @returns 64 lowercase hex digits.
 */
export function blockToHex(b: Float32Array): string {
  const median = lowerMedian(b);
  let hex = '';
  for (let i = K - 1; i >= 0; i--) {
    let word = 0;
    for (let j = 0; j < K; j++) {
      if (b[i * K + j] > median) word |= 1 << j;
    }
    hex += word.toString(16).padStart(4, '0');
  }
  return hex;
}
