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
 * haar convolution loops.
 */
import { resizeLanczosMany, type ResizeTarget } from './resample-kernel.js';

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
// T_dcst23 on top of its real backward FFT (rfftp with radix-2 and radix-4 passes).
// Only power-of-two lengths are needed (32), which keeps the factor list to 4s and one 2
// and makes the twiddle angle 0.25π/n exact in double precision.

/** pocketfft's `sincos_2pibyn(n)`: e^{2πi·k/n} from two small tables, octant-reduced. */
function sinCos2PiByN(n: number): (idx: number) => [number, number] {
  const ang = (0.25 * Math.PI) / n;
  const calc = (x0: number): [number, number] => {
    let x = x0 * 8;
    if (x < 4 * n) {
      if (x < 2 * n) {
        if (x < n) return [Math.cos(x * ang), Math.sin(x * ang)];
        return [Math.sin((2 * n - x) * ang), Math.cos((2 * n - x) * ang)];
      }
      x -= 2 * n;
      if (x < n) return [-Math.sin(x * ang), Math.cos(x * ang)];
      return [-Math.cos((2 * n - x) * ang), Math.sin((2 * n - x) * ang)];
    }
    x = 8 * n - x;
    if (x < 2 * n) {
      if (x < n) return [Math.cos(x * ang), -Math.sin(x * ang)];
      return [Math.sin((2 * n - x) * ang), -Math.cos((2 * n - x) * ang)];
    }
    x -= 2 * n;
    if (x < n) return [-Math.sin(x * ang), -Math.cos(x * ang)];
    return [-Math.cos((2 * n - x) * ang), -Math.sin((2 * n - x) * ang)];
  };
  const nval = Math.floor((n + 2) / 2);
  let shift = 1;
  while ((1 << shift) * (1 << shift) < nval) shift++;
  const mask = (1 << shift) - 1;
  const v1: [number, number][] = [[1, 0]];
  for (let i = 1; i <= mask; i++) v1.push(calc(i));
  const v2: [number, number][] = [[1, 0]];
  const v2Size = Math.floor((nval + mask) / (mask + 1));
  for (let i = 1; i < v2Size; i++) v2.push(calc(i * (mask + 1)));
  return (idx: number): [number, number] => {
    const conj = 2 * idx > n;
    const j = conj ? n - idx : idx;
    const [ar, ai] = v1[j & mask];
    const [br, bi] = v2[j >> shift];
    const im = ar * bi + ai * br;
    return [ar * br - ai * bi, conj ? -im : im];
  };
}

/** A real backward FFT plan (pocketfft `rfftp`) for a power-of-two length. */
interface RealFftPlan {
  length: number;
  factors: number[];
  twiddles: Float64Array[];
}

function realFftPlan(length: number): RealFftPlan {
  const factors: number[] = [];
  let len = length;
  while (len % 4 === 0) {
    factors.push(4);
    len /= 4;
  }
  if (len % 2 === 0) {
    len /= 2;
    // pocketfft moves the single factor 2 to the front of the list.
    factors.push(2);
    [factors[0], factors[factors.length - 1]] = [factors[factors.length - 1], factors[0]];
  }
  if (len !== 1) throw new RangeError(`DCT length must be a power of two, got ${length}`);
  const twid = sinCos2PiByN(length);
  const twiddles: Float64Array[] = [];
  let l1 = 1;
  for (let k = 0; k < factors.length; k++) {
    const ip = factors[k];
    const ido = length / (l1 * ip);
    const tw = new Float64Array(Math.max(0, (ip - 1) * (ido - 1)));
    if (k < factors.length - 1) {
      for (let j = 1; j < ip; j++) {
        for (let i = 1; i <= (ido - 1) >> 1; i++) {
          const [r, im] = twid(j * l1 * i);
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

function dctPlan(n: number): DctPlan {
  const tw = sinCos2PiByN(4 * n);
  const twiddle = new Float64Array(n);
  for (let i = 0; i < n; i++) twiddle[i] = tw(i + 1)[0];
  return { fft: realFftPlan(n), twiddle, scratch: new Float64Array(n) };
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

/** `phash` of the 32×32 image: 2-D DCT-II (columns, then rows); top-left 8×8 > median. */
function perceptualHash(px: Uint8Array): string {
  const n = PHASH_SIZE;
  phashPlan ??= dctPlan(n);
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

// ---------------------------------------------------------------------------
// Haar wavelet as PyWavelets computes it (pywt 1.1: downsampling_convolution and
// upsampling_convolution_valid_sf; dwtn transforms axis 0 then axis 1, idwtn axis 1
// then axis 0). With haar's two taps and even sizes, each 2×2 block of the input maps
// to one coefficient in each of the four sub-bands and back, so the code works block
// by block; every value is still formed by pywt's operations in pywt's order:
//   forward, per pair:  lo = (0 + h·x[2k+1]) + h·x[2k],   hi = (0 + (−h)·x[2k+1]) + h·x[2k]
//   inverse, per pair:  x[2k] = h·lo + h·hi,                x[2k+1] = h·lo + (−h)·hi
// (the leading "0 +" is exact and omitted).

/** pywt's haar taps: 1/√2 rounded to double. */
const HAAR = 0.7071067811865476;

/** Detail sub-bands of one 2-D haar level, each size² row-major (keys: axis 0, then axis 1). */
interface HaarDetails {
  size: number;
  da: Float64Array;
  ad: Float64Array;
  dd: Float64Array;
}

/**
 * One level of `pywt.dwt2(x, 'haar')` on an n×n plane. The finest level reads
 * the 8-bit pixels and divides by 255 on the fly (numpy's `asarray(img) / 255.`),
 * so the full-size float plane is never allocated. Writes the approximation
 * into `aa` and, when `det` is given, the details.
 */
function haarForward(
  x: Float64Array | Uint8Array,
  n: number,
  aa: Float64Array,
  det: HaarDetails | undefined,
): void {
  const h = n >> 1;
  const bytes = x instanceof Uint8Array;
  for (let r = 0; r < h; r++) {
    const row0 = 2 * r * n;
    const row1 = row0 + n;
    for (let c = 0; c < h; c++) {
      let x00 = x[row0 + 2 * c];
      let x01 = x[row0 + 2 * c + 1];
      let x10 = x[row1 + 2 * c];
      let x11 = x[row1 + 2 * c + 1];
      if (bytes) {
        x00 /= 255;
        x01 /= 255;
        x10 /= 255;
        x11 /= 255;
      }
      // Axis 0: rows 2r and 2r+1, for columns 2c and 2c+1.
      const a0 = HAAR * x10 + HAAR * x00;
      const a1 = HAAR * x11 + HAAR * x01;
      // Axis 1.
      const o = r * h + c;
      aa[o] = HAAR * a1 + HAAR * a0;
      if (det !== undefined) {
        const d0 = -HAAR * x10 + HAAR * x00;
        const d1 = -HAAR * x11 + HAAR * x01;
        det.ad[o] = -HAAR * a1 + HAAR * a0;
        det.da[o] = HAAR * d1 + HAAR * d0;
        det.dd[o] = -HAAR * d1 + HAAR * d0;
      }
    }
  }
}

/**
 * One level of `pywt.idwt2((aa, (da, ad, dd)), 'haar')`. With `reduce` false
 * the rebuilt 2h×2h plane is written to `out`; with `reduce` true each
 * rebuilt 2×2 block is immediately replaced by its next `dwt2` approximation
 * (h×h values), which is all a following decomposition would read.
 */
function haarInverse(aa: Float64Array, det: HaarDetails, out: Float64Array, reduce: boolean): void {
  const h = det.size;
  const n = 2 * h;
  const { da, ad, dd } = det;
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < h; c++) {
      const i = r * h + c;
      // Axis 1: (aa, ad) -> 'a' at columns 2c, 2c+1; (da, dd) -> 'd'.
      const sa = HAAR * aa[i];
      const ac0 = sa + HAAR * ad[i];
      const ac1 = sa + -HAAR * ad[i];
      const sd = HAAR * da[i];
      const dc0 = sd + HAAR * dd[i];
      const dc1 = sd + -HAAR * dd[i];
      // Axis 0: rows 2r, 2r+1.
      const s0 = HAAR * ac0;
      const s1 = HAAR * ac1;
      const x00 = s0 + HAAR * dc0;
      const x01 = s1 + HAAR * dc1;
      const x10 = s0 + -HAAR * dc0;
      const x11 = s1 + -HAAR * dc1;
      if (reduce) {
        const a0 = HAAR * x10 + HAAR * x00;
        const a1 = HAAR * x11 + HAAR * x01;
        out[i] = HAAR * a1 + HAAR * a0;
      } else {
        const o = 2 * r * n + 2 * c;
        out[o] = x00;
        out[o + 1] = x01;
        out[o + n] = x10;
        out[o + n + 1] = x11;
      }
    }
  }
}

/** `pywt.wavedec2(x, 'haar', level)[0]` for an n×n plane: the approximation only. */
function haarApproximation(x: Float64Array, n: number, levels: number): Float64Array {
  let cur = x;
  let size = n;
  for (let l = 0; l < levels; l++) {
    const next = new Float64Array((size >> 1) * (size >> 1));
    haarForward(cur, size, next, undefined);
    cur = next;
    size >>= 1;
  }
  return cur;
}

/** imagehash's default `image_scale`: largest power of two ≤ min(w, h), at least the hash size. */
function whashScale(width: number, height: number): number {
  const natural = 2 ** (31 - Math.clz32(Math.min(width, height)));
  return Math.max(natural, HASH_SIZE);
}

/**
 * `whash(mode='haar', remove_max_haar_ll=True)` of the scale×scale image:
 * x = pixels / 255; decompose fully, zero the last approximation and rebuild
 * (`wavedec2`, `coeffs[0] *= 0`, `waverec2`); decompose the result again down
 * to 8×8 and compare that approximation with its median.
 *
 * The rebuilt full-size plane is never stored: each 2×2 block it yields is
 * reduced at once to its level-1 approximation, which is all the second
 * decomposition reads. The values are the same; the memory is a quarter.
 */
function waveletHash(px: Uint8Array, scale: number): string {
  const maxLevel = 31 - Math.clz32(scale);
  const dwtLevel = maxLevel - (31 - Math.clz32(HASH_SIZE));

  const details: HaarDetails[] = [];
  let approx: Float64Array | Uint8Array = px;
  let size = scale;
  for (let l = 0; l < maxLevel; l++) {
    const h = size >> 1;
    const det: HaarDetails = {
      size: h,
      da: new Float64Array(h * h),
      ad: new Float64Array(h * h),
      dd: new Float64Array(h * h),
    };
    const next = new Float64Array(h * h);
    haarForward(approx, size, next, det);
    details.push(det);
    approx = next;
    size = h;
  }

  // coeffs[0] *= 0, then rebuild every level but the finest.
  let rebuilt = new Float64Array(1);
  for (let l = maxLevel - 1; l >= 1; l--) {
    const next = new Float64Array(4 * details[l].size * details[l].size);
    haarInverse(rebuilt, details[l], next, false);
    rebuilt = next;
  }

  let low: Float64Array;
  // scale ≥ HASH_SIZE = 8, so there are always at least three levels.
  if (dwtLevel === 0) {
    // The rebuilt image is already 8×8.
    low = new Float64Array(scale * scale);
    haarInverse(rebuilt, details[0], low, false);
  } else {
    const h = details[0].size;
    const level1 = new Float64Array(h * h);
    haarInverse(rebuilt, details[0], level1, true);
    low = haarApproximation(level1, h, dwtLevel - 1);
  }

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
