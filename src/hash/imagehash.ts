/**
 * Python `imagehash` 4.3.2 at hash size 8 — `average_hash`, `dhash`, `phash`
 * and `whash` (haar, `remove_max_haar_ll=True`) — bit for bit.
 *
 * Every hash starts from Pillow's `convert('L').resize(..., LANCZOS)`
 * (see pillow.ts). The floating-point steps follow the libraries imagehash
 * calls, in their operation order, because flat or near-flat images put many
 * values exactly on the median and the bits are then decided by rounding:
 * phash by scipy's pocketfft DCT-II (which gives exact zeros for a constant
 * input, where a textbook cosine sum gives noise) and whash by PyWavelets'
 * haar convolution loops (haar.ts).
 */
import { WHASH_KERNEL_MIN_SCALE, whashApproximation, whashApproximationInMemory } from './haar.js';
import { resizeLanczosInMemory, resizeLanczosMany, type ResizeTarget } from './pillow-kernel.js';
import { kernelArena } from './wasm-kernel.js';

/** The imagehash algorithms hashtriage computes. */
export type ImagehashAlgorithm = 'ahash' | 'dhash' | 'phash' | 'whash';

/** A Pillow 'L' image: `luma` holds `width*height` bytes, row-major. */
export interface LumaImage {
  width: number;
  height: number;
  luma: Uint8Array;
}

/** imagehash's `hash_size`; the hex format and the DCT size depend on it. */
const HASH_SIZE = 8;
/** `phash`'s `highfreq_factor`: the DCT runs on a 32×32 image. */
const PHASH_SIZE = HASH_SIZE * 4;

/**
 * Formats 64 flags (row-major, first flag = most significant bit) as
 * imagehash's `str(hash)`: 16 lowercase hex digits.
 */
function bitsToHex(bits: ArrayLike<boolean>): string {
  let hex = '';
  for (let nibble = 0; nibble < 16; nibble++) {
    let v = 0;
    for (let b = 0; b < 4; b++) v = (v << 1) | (bits[nibble * 4 + b] ? 1 : 0);
    hex += v.toString(16);
  }
  return hex;
}

/** numpy.median of a float64 array with an even count: mean of the two middle values. */
function median(values: Float64Array): number {
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  return (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * `average_hash` of the 8×8 image: pixel > mean. The mean of integers is
 * compared in integers (64·p > sum), which is what numpy's float64 mean
 * of 64 bytes amounts to, without the division.
 */
function averageHash(px: Uint8Array): string {
  let sum = 0;
  for (let i = 0; i < px.length; i++) sum += px[i];
  const bits = new Array<boolean>(64);
  for (let i = 0; i < 64; i++) bits[i] = px[i] * 64 > sum;
  return bitsToHex(bits);
}

/** `dhash` of the 9-wide, 8-high image: right neighbour brighter than left. */
function differenceHash(px: Uint8Array): string {
  const w = HASH_SIZE + 1;
  const bits = new Array<boolean>(64);
  for (let r = 0; r < HASH_SIZE; r++) {
    for (let c = 0; c < HASH_SIZE; c++) bits[r * HASH_SIZE + c] = px[r * w + c + 1] > px[r * w + c];
  }
  return bitsToHex(bits);
}

// ---------------------------------------------------------------------------
// DCT-II as scipy.fftpack.dct(x) (norm=None) computes it in scipy 1.10: pocketfft's
// T_dcst23 on top of its real backward FFT (rfftp: a radix-2 then two radix-4 passes
// for length 32).
//
// pocketfft builds its twiddle factors with libm cos/sin. V8's Math.cos differs from
// glibc's by one ulp for some of these arguments (e.g. cos(120π/512)), which moves DCT
// values by an ulp and can flip a phash bit on a tie. So the factors are fixed here, as
// the bit patterns pocketfft computes on x86-64 glibc (Debian 12, the reference build).

function doublesFromHex(hex: string): Float64Array {
  const words = hex.trim().split(/\s+/);
  const view = new DataView(new ArrayBuffer(words.length * 8));
  words.forEach((w, i) => view.setBigUint64(i * 8, BigInt(`0x${w}`)));
  return Float64Array.from({ length: words.length }, (_, i) => view.getFloat64(i * 8));
}

/** pocketfft `sincos_2pibyn(32)[k]` for k = 1..7: (cos, sin) of 2πk/32, interleaved. */
const ROOTS_32 = doublesFromHex(`
  3fef6297cff75cb0 3fc8f8b83c69a60a 3fed906bcf328d46 3fd87de2a6aea963
  3fea9b66290ea1a3 3fe1c73b39ae68c8 3fe6a09e667f3bcc 3fe6a09e667f3bcd
  3fe1c73b39ae68c8 3fea9b66290ea1a3 3fd87de2a6aea963 3fed906bcf328d46
  3fc8f8b83c69a60a 3fef6297cff75cb0`);

/** pocketfft `T_dcst23(32)` twiddle: `sincos_2pibyn(128)[i + 1].r`, cos(π(i+1)/64), i = 0..31. */
const DCT_TWIDDLE_32 = doublesFromHex(`
  3feff621e3796d7e 3fefd88da3d12526 3fefa7557f08a517 3fef6297cff75cb0
  3fef0a7efb9230d7 3fee9f4156c62dda 3fee212104f686e5 3fed906bcf328d46
  3feced7af43cc773 3fec38b2f180bdb1 3feb728345196e3e 3fea9b66290ea1a3
  3fe9b3e047f38741 3fe8bc806b151741 3fe7b5df226aafaf 3fe6a09e667f3bcc
  3fe57d69348cec9f 3fe44cf325091dd6 3fe30ff7fce17034 3fe1c73b39ae68c8
  3fe073879922ffed 3fde2b5d3806f639 3fdb5d1009e15cbf 3fd87de2a6aea961
  3fd58f9a75ab1fdb 3fd294062ed59f04 3fcf19f97b215f1c 3fc8f8b83c69a60a
  3fc2c8106e8e6136 3fb917a6bc29b424 3fa91f65f10dd810 8000000000000000`);

/** A real backward FFT plan (pocketfft `rfftp`) for a power-of-two length. */
interface RealFftPlan {
  length: number;
  factors: number[];
  twiddles: Float64Array[];
}

/** pocketfft's `rfftp(32)`: factors [2, 4, 4] and their twiddles from {@link ROOTS_32}. */
function realFftPlan32(): RealFftPlan {
  const length = 32;
  // pocketfft factorises 32 as 4·4·2, then moves the single 2 to the front.
  const factors = [2, 4, 4];
  const root = (k: number): [number, number] => {
    if (k < 1 || k > 7) throw new RangeError(`no twiddle for 2π·${k}/32`);
    return [ROOTS_32[2 * (k - 1)], ROOTS_32[2 * (k - 1) + 1]];
  };
  const twiddles: Float64Array[] = [];
  let l1 = 1;
  for (let k = 0; k < factors.length; k++) {
    const ip = factors[k];
    const ido = length / (l1 * ip);
    const tw = new Float64Array(Math.max(0, (ip - 1) * (ido - 1)));
    // The last factor needs no twiddles.
    if (k < factors.length - 1) {
      for (let j = 1; j < ip; j++) {
        for (let i = 1; i <= (ido - 1) >> 1; i++) {
          const [r, im] = root(j * l1 * i);
          tw[(j - 1) * (ido - 1) + 2 * i - 2] = r;
          tw[(j - 1) * (ido - 1) + 2 * i - 1] = im;
        }
      }
    }
    twiddles.push(tw);
    l1 *= ip;
  }
  return { length, factors, twiddles };
}

/** pocketfft `radb2`. */
function radb2(ido: number, l1: number, cc: Float64Array, ch: Float64Array, wa: Float64Array): void {
  const CC = (a: number, b: number, c: number): number => a + ido * (b + 2 * c);
  const CH = (a: number, b: number, c: number): number => a + ido * (b + l1 * c);
  for (let k = 0; k < l1; k++) {
    const a = cc[CC(0, 0, k)];
    const b = cc[CC(ido - 1, 1, k)];
    ch[CH(0, k, 0)] = a + b;
    ch[CH(0, k, 1)] = a - b;
  }
  if ((ido & 1) === 0) {
    for (let k = 0; k < l1; k++) {
      ch[CH(ido - 1, k, 0)] = 2 * cc[CC(ido - 1, 0, k)];
      ch[CH(ido - 1, k, 1)] = -2 * cc[CC(0, 1, k)];
    }
  }
  if (ido <= 2) return;
  for (let k = 0; k < l1; k++) {
    for (let i = 2; i < ido; i += 2) {
      const ic = ido - i;
      const a1 = cc[CC(i - 1, 0, k)];
      const b1 = cc[CC(ic - 1, 1, k)];
      ch[CH(i - 1, k, 0)] = a1 + b1;
      const tr2 = a1 - b1;
      const a2 = cc[CC(i, 0, k)];
      const b2 = cc[CC(ic, 1, k)];
      const ti2 = a2 + b2;
      ch[CH(i, k, 0)] = a2 - b2;
      const wr = wa[i - 2];
      const wi = wa[i - 1];
      ch[CH(i, k, 1)] = wr * ti2 + wi * tr2;
      ch[CH(i - 1, k, 1)] = wr * tr2 - wi * ti2;
    }
  }
}

/** pocketfft `radb4`. */
function radb4(ido: number, l1: number, cc: Float64Array, ch: Float64Array, wa: Float64Array): void {
  const CC = (a: number, b: number, c: number): number => a + ido * (b + 4 * c);
  const CH = (a: number, b: number, c: number): number => a + ido * (b + l1 * c);
  const WA = (x: number, i: number): number => wa[i + x * (ido - 1)];
  for (let k = 0; k < l1; k++) {
    const a = cc[CC(0, 0, k)];
    const b = cc[CC(ido - 1, 3, k)];
    const tr2 = a + b;
    const tr1 = a - b;
    const tr3 = 2 * cc[CC(ido - 1, 1, k)];
    const tr4 = 2 * cc[CC(0, 2, k)];
    ch[CH(0, k, 0)] = tr2 + tr3;
    ch[CH(0, k, 2)] = tr2 - tr3;
    ch[CH(0, k, 3)] = tr1 + tr4;
    ch[CH(0, k, 1)] = tr1 - tr4;
  }
  if ((ido & 1) === 0) {
    for (let k = 0; k < l1; k++) {
      const a = cc[CC(0, 3, k)];
      const b = cc[CC(0, 1, k)];
      const ti1 = a + b;
      const ti2 = a - b;
      const c = cc[CC(ido - 1, 0, k)];
      const d = cc[CC(ido - 1, 2, k)];
      const tr2 = c + d;
      const tr1 = c - d;
      ch[CH(ido - 1, k, 0)] = tr2 + tr2;
      ch[CH(ido - 1, k, 1)] = Math.SQRT2 * (tr1 - ti1);
      ch[CH(ido - 1, k, 2)] = ti2 + ti2;
      ch[CH(ido - 1, k, 3)] = -Math.SQRT2 * (tr1 + ti1);
    }
  }
  if (ido <= 2) return;
  for (let k = 0; k < l1; k++) {
    for (let i = 2; i < ido; i += 2) {
      const ic = ido - i;
      let a = cc[CC(i - 1, 0, k)];
      let b = cc[CC(ic - 1, 3, k)];
      const tr2 = a + b;
      const tr1 = a - b;
      a = cc[CC(i, 0, k)];
      b = cc[CC(ic, 3, k)];
      const ti1 = a + b;
      const ti2 = a - b;
      a = cc[CC(i, 2, k)];
      b = cc[CC(ic, 1, k)];
      const tr4 = a + b;
      const ti3 = a - b;
      a = cc[CC(i - 1, 2, k)];
      b = cc[CC(ic - 1, 1, k)];
      const tr3 = a + b;
      const ti4 = a - b;
      ch[CH(i - 1, k, 0)] = tr2 + tr3;
      const cr3 = tr2 - tr3;
      ch[CH(i, k, 0)] = ti2 + ti3;
      const ci3 = ti2 - ti3;
      const cr4 = tr1 + tr4;
      const cr2 = tr1 - tr4;
      const ci2 = ti1 + ti4;
      const ci4 = ti1 - ti4;
      ch[CH(i, k, 1)] = WA(0, i - 2) * ci2 + WA(0, i - 1) * cr2;
      ch[CH(i - 1, k, 1)] = WA(0, i - 2) * cr2 - WA(0, i - 1) * ci2;
      ch[CH(i, k, 2)] = WA(1, i - 2) * ci3 + WA(1, i - 1) * cr3;
      ch[CH(i - 1, k, 2)] = WA(1, i - 2) * cr3 - WA(1, i - 1) * ci3;
      ch[CH(i, k, 3)] = WA(2, i - 2) * ci4 + WA(2, i - 1) * cr4;
      ch[CH(i - 1, k, 3)] = WA(2, i - 2) * cr4 - WA(2, i - 1) * ci4;
    }
  }
}

/** pocketfft `rfftp::exec(c, 1, false)`: halfcomplex → real, unnormalised, in place. */
function realBackwardFft(plan: RealFftPlan, c: Float64Array, scratch: Float64Array): void {
  let p1 = c;
  let p2 = scratch;
  let l1 = 1;
  for (let k = 0; k < plan.factors.length; k++) {
    const ip = plan.factors[k];
    const ido = plan.length / (ip * l1);
    if (ip === 4) radb4(ido, l1, p1, p2, plan.twiddles[k]);
    else radb2(ido, l1, p1, p2, plan.twiddles[k]);
    [p1, p2] = [p2, p1];
    l1 *= ip;
  }
  if (p1 !== c) c.set(p1);
}

/** A DCT-II plan: the FFT plan and pocketfft's quarter-wave cosine table. */
interface DctPlan {
  fft: RealFftPlan;
  twiddle: Float64Array;
  scratch: Float64Array;
}

function dctPlan32(): DctPlan {
  return { fft: realFftPlan32(), twiddle: DCT_TWIDDLE_32, scratch: new Float64Array(32) };
}

/**
 * pocketfft `T_dcst23::exec` for type 2, cosine, not orthonormal:
 * `y[k] = 2·Σ x[n]·cos(πk(2n+1)/2N)`, in place.
 */
function dct2InPlace(plan: DctPlan, c: Float64Array): void {
  const n = c.length;
  const ns2 = (n + 1) >> 1;
  const tw = plan.twiddle;
  c[0] *= 2;
  if ((n & 1) === 0) c[n - 1] *= 2;
  for (let k = 1; k < n - 1; k += 2) {
    const t = c[k + 1];
    c[k + 1] = t - c[k];
    c[k] = t + c[k];
  }
  realBackwardFft(plan.fft, c, plan.scratch);
  for (let k = 1, kc = n - 1; k < ns2; k++, kc--) {
    const t1 = tw[k - 1] * c[kc] + tw[kc - 1] * c[k];
    const t2 = tw[k - 1] * c[k] - tw[kc - 1] * c[kc];
    c[k] = 0.5 * (t1 + t2);
    c[kc] = 0.5 * (t1 - t2);
  }
  if ((n & 1) === 0) c[ns2] *= tw[ns2 - 1];
}

let phashPlan: DctPlan | undefined;

/**
 * `scipy.fftpack.dct(x)` (type II, `norm=None`) of a length-32 vector, bit for
 * bit as scipy 1.10 (pocketfft) computes it on x86-64: `y[k] = 2·Σ x[n]·cos(πk(2n+1)/64)`.
 *
 * @param x - 32 samples
 * @returns the 32 coefficients (a new array)
 * @throws RangeError when `x` does not hold exactly 32 values
 */
export function scipyDct32(x: ArrayLike<number>): Float64Array {
  if (x.length !== 32) throw new RangeError(`scipyDct32 needs 32 samples, got ${x.length}`);
  phashPlan ??= dctPlan32();
  const c = Float64Array.from(x);
  dct2InPlace(phashPlan, c);
  return c;
}

/** `phash` of the 32×32 image: 2-D DCT-II (columns, then rows); top-left 8×8 > median. */
function perceptualHash(px: Uint8Array): string {
  const n = PHASH_SIZE;
  phashPlan ??= dctPlan32();
  const plan = phashPlan;
  const m = new Float64Array(n * n);
  for (let i = 0; i < px.length; i++) m[i] = px[i];
  const line = new Float64Array(n);
  // scipy.fftpack.dct(axis=0): every column on its own.
  for (let col = 0; col < n; col++) {
    for (let r = 0; r < n; r++) line[r] = m[r * n + col];
    dct2InPlace(plan, line);
    for (let r = 0; r < n; r++) m[r * n + col] = line[r];
  }
  // Then axis=1, but only the first HASH_SIZE rows are ever read.
  const low = new Float64Array(HASH_SIZE * HASH_SIZE);
  for (let r = 0; r < HASH_SIZE; r++) {
    for (let c = 0; c < n; c++) line[c] = m[r * n + c];
    dct2InPlace(plan, line);
    for (let c = 0; c < HASH_SIZE; c++) low[r * HASH_SIZE + c] = line[c];
  }
  const med = median(low);
  const bits = new Array<boolean>(64);
  for (let i = 0; i < 64; i++) bits[i] = low[i] > med;
  return bitsToHex(bits);
}

/** imagehash's default `image_scale`: largest power of two ≤ min(w, h), at least the hash size. */
function whashScale(width: number, height: number): number {
  const natural = 2 ** (31 - Math.clz32(Math.min(width, height)));
  return Math.max(natural, HASH_SIZE);
}

/**
 * `whash(mode='haar', remove_max_haar_ll=True)` of the scale×scale image:
 * the 8×8 approximation of the image with its haar mean removed (haar.ts),
 * compared with its median.
 */
function waveletHash(px: Uint8Array, scale: number): string {
  return waveletBits(whashApproximation(px, scale, HASH_SIZE));
}

/** The approximation against its median, as hex. */
function waveletBits(low: Float64Array): string {
  const med = median(low);
  const bits = new Array<boolean>(64);
  for (let i = 0; i < 64; i++) bits[i] = low[i] > med;
  return bitsToHex(bits);
}

/** The resized image each algorithm starts from (imagehash's `image.resize(...)`). */
function targetSize(algo: ImagehashAlgorithm, img: LumaImage): ResizeTarget {
  switch (algo) {
    case 'ahash':
      return { width: HASH_SIZE, height: HASH_SIZE };
    case 'dhash':
      return { width: HASH_SIZE + 1, height: HASH_SIZE };
    case 'phash':
      return { width: PHASH_SIZE, height: PHASH_SIZE };
    case 'whash': {
      const scale = whashScale(img.width, img.height);
      return { width: scale, height: scale };
    }
    default:
      throw new RangeError(`unknown imagehash algorithm ${String(algo)}`);
  }
}

function hashResized(algo: ImagehashAlgorithm, px: Uint8Array, size: ResizeTarget): string {
  switch (algo) {
    case 'ahash':
      return averageHash(px);
    case 'dhash':
      return differenceHash(px);
    case 'phash':
      return perceptualHash(px);
    case 'whash':
      return waveletHash(px, size.width);
  }
}

/**
 * Computes imagehash 4.3.2 hashes (hash size 8) of a Pillow 'L' image, as
 * `str(imagehash.<algo>(image))` prints them: 16 lowercase hex digits, first
 * pixel in the most significant bit.
 *
 * @param img - the full-resolution 'L' plane (as from `decodeImage`)
 * @param algorithms - which hashes to compute; duplicates are ignored
 * @returns a record holding exactly the requested algorithms
 * @throws RangeError when the image is empty or the buffer shorter than width×height
 *   (a programming error: decodeImage never yields such an image)
 */
export function imageHashes(
  img: LumaImage,
  algorithms: readonly ImagehashAlgorithm[],
): Record<ImagehashAlgorithm, string> {
  if (!(img.width >= 1 && img.height >= 1) || img.luma.length < img.width * img.height) {
    throw new RangeError(`invalid image ${img.width}x${img.height} with ${img.luma.length} bytes`);
  }
  const wanted = [...new Set(algorithms)];
  const sizes = wanted.map((algo) => targetSize(algo, img));
  // One batched resize: the full-resolution image is read once per size, never re-copied.
  const unique = [...new Map(sizes.map((s) => [`${s.width}x${s.height}`, s])).values()];
  const planes = resizeLanczosMany(img.luma, img.width, img.height, unique);
  const byKey = new Map(unique.map((s, i) => [`${s.width}x${s.height}`, planes[i]]));
  const out: Partial<Record<ImagehashAlgorithm, string>> = {};
  wanted.forEach((algo, i) => {
    const size = sizes[i];
    out[algo] = hashResized(algo, byKey.get(`${size.width}x${size.height}`)!, size);
  });
  // Only the requested keys are present; callers index by what they asked for.
  return out as Record<ImagehashAlgorithm, string>;
}

/**
 * {@link imageHashes} of an 'L' plane that already lies in kernel memory
 * (planes.ts): the same hashes, without copying the full-resolution plane,
 * and with whash's resized image handed to the haar kernel where it lies.
 *
 * @param plane - offset and size of the 'L' plane (rows `width` bytes apart)
 * @param algorithms - which hashes to compute; duplicates are ignored
 * @returns a record holding exactly the requested algorithms
 * @throws RangeError when a kernel is unavailable or its memory cannot grow
 *   (the caller falls back to {@link imageHashes})
 */
export function imageHashesOfPlane(
  plane: { lumaAt: number; width: number; height: number },
  algorithms: readonly ImagehashAlgorithm[],
): Record<ImagehashAlgorithm, string> {
  const img = { width: plane.width, height: plane.height, luma: new Uint8Array(0) };
  const wanted = [...new Set(algorithms)];
  const sizes = wanted.map((algo) => targetSize(algo, img));
  const unique = [...new Map(sizes.map((s) => [`${s.width}x${s.height}`, s])).values()];
  // A whash scale the haar kernel takes stays in kernel memory for it.
  const wh = wanted.indexOf('whash');
  const whScale = wh >= 0 ? sizes[wh].width : 0;
  const keep = whScale >= WHASH_KERNEL_MIN_SCALE ? unique.findIndex((s) => s.width === whScale && s.height === whScale) : -1;
  const mark = kernelArena.top;
  try {
    const { planes, kept } = resizeLanczosInMemory(plane.lumaAt, plane.width, plane.height, unique, keep);
    const byKey = new Map(unique.map((s, i) => [`${s.width}x${s.height}`, planes[i]]));
    const out: Partial<Record<ImagehashAlgorithm, string>> = {};
    wanted.forEach((algo, i) => {
      const size = sizes[i];
      if (algo === 'whash' && kept !== undefined) {
        out[algo] = waveletBits(whashApproximationInMemory(kept.at, whScale, HASH_SIZE));
      } else {
        out[algo] = hashResized(algo, byKey.get(`${size.width}x${size.height}`)!, size);
      }
    });
    return out as Record<ImagehashAlgorithm, string>;
  } finally {
    kernelArena.top = mark;
  }
}
