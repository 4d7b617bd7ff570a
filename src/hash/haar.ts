/**
 * The haar wavelet part of imagehash's `whash` (mode 'haar',
 * `remove_max_haar_ll=True`), computed as PyWavelets 1.1 computes it.
 *
 * The closed form (block means) is not bit-safe: flat or near-flat images put
 * many values exactly on the median, and which side of it they fall is decided
 * by rounding. So every value is formed by pywt's own operations in pywt's
 * order. The two loops over the full-size image run in a small WebAssembly
 * SIMD kernel (haar-kernel.wat) when available, with identical results.
 */
import { WasmKernel, type WasmMemory } from './wasm-kernel.js';

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
 * One level of `pywt.dwt2(x, 'haar')` on an n×n plane: writes the
 * approximation into `aa` and, when `det` is given, the details.
 */
function haarForward(x: Float64Array, n: number, aa: Float64Array, det: HaarDetails | undefined): void {
  if (det === undefined) {
    haarForwardApprox(x, n, aa);
    return;
  }
  const h = n >> 1;
  const { ad, da, dd } = det;
  for (let r = 0; r < h; r++) {
    const row0 = 2 * r * n;
    const row1 = row0 + n;
    for (let c = 0; c < h; c++) {
      const x00 = x[row0 + 2 * c];
      const x01 = x[row0 + 2 * c + 1];
      const x10 = x[row1 + 2 * c];
      const x11 = x[row1 + 2 * c + 1];
      // Axis 0: rows 2r and 2r+1, for columns 2c and 2c+1.
      const a0 = HAAR * x10 + HAAR * x00;
      const a1 = HAAR * x11 + HAAR * x01;
      const d0 = -HAAR * x10 + HAAR * x00;
      const d1 = -HAAR * x11 + HAAR * x01;
      // Axis 1.
      const o = r * h + c;
      aa[o] = HAAR * a1 + HAAR * a0;
      ad[o] = -HAAR * a1 + HAAR * a0;
      da[o] = HAAR * d1 + HAAR * d0;
      dd[o] = -HAAR * d1 + HAAR * d0;
    }
  }
}

/** {@link haarForward} without the details (the second decomposition needs only the approximation). */
function haarForwardApprox(x: Float64Array, n: number, aa: Float64Array): void {
  const h = n >> 1;
  for (let r = 0; r < h; r++) {
    const row0 = 2 * r * n;
    const row1 = row0 + n;
    for (let c = 0; c < h; c++) {
      const a0 = HAAR * x[row1 + 2 * c] + HAAR * x[row0 + 2 * c];
      const a1 = HAAR * x[row1 + 2 * c + 1] + HAAR * x[row0 + 2 * c + 1];
      aa[r * h + c] = HAAR * a1 + HAAR * a0;
    }
  }
}

/** `b / 255` for every byte: the same divisions numpy performs, done once. */
const BYTE_OVER_255 = Float64Array.from({ length: 256 }, (_, b) => b / 255);

/**
 * {@link haarForward} for the finest level, reading the 8-bit pixels and
 * dividing by 255 on the fly (numpy's `asarray(img) / 255.`), so the
 * full-size float plane is never allocated. Kept separate so each loop sees
 * one array type.
 */
function haarForwardBytes(px: Uint8Array, n: number, aa: Float64Array, det: HaarDetails): void {
  const h = n >> 1;
  const { da, ad, dd } = det;
  const v = BYTE_OVER_255;
  for (let r = 0; r < h; r++) {
    const row0 = 2 * r * n;
    const row1 = row0 + n;
    for (let c = 0; c < h; c++) {
      const x00 = v[px[row0 + 2 * c]];
      const x01 = v[px[row0 + 2 * c + 1]];
      const x10 = v[px[row1 + 2 * c]];
      const x11 = v[px[row1 + 2 * c + 1]];
      const a0 = HAAR * x10 + HAAR * x00;
      const a1 = HAAR * x11 + HAAR * x01;
      const d0 = -HAAR * x10 + HAAR * x00;
      const d1 = -HAAR * x11 + HAAR * x01;
      const o = r * h + c;
      aa[o] = HAAR * a1 + HAAR * a0;
      ad[o] = -HAAR * a1 + HAAR * a0;
      da[o] = HAAR * d1 + HAAR * d0;
      dd[o] = -HAAR * d1 + HAAR * d0;
    }
  }
}

/**
 * One level of `pywt.idwt2((aa, (da, ad, dd)), 'haar')`, writing the rebuilt
 * 2h×2h plane to `out`.
 */
function haarInverse(aa: Float64Array, det: HaarDetails, out: Float64Array): void {
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
      const o = 2 * r * n + 2 * c;
      out[o] = s0 + HAAR * dc0;
      out[o + 1] = s1 + HAAR * dc1;
      out[o + n] = s0 + -HAAR * dc0;
      out[o + n + 1] = s1 + -HAAR * dc1;
    }
  }
}

/**
 * {@link haarInverse} followed at once by the next decomposition's first
 * level: each rebuilt 2×2 block is reduced to its `dwt2` approximation
 * (h×h values out), which is all that decomposition reads.
 */
function haarInverseThenApprox(aa: Float64Array, det: HaarDetails, out: Float64Array): void {
  const h = det.size;
  const { da, ad, dd } = det;
  for (let i = 0; i < h * h; i++) {
    const sa = HAAR * aa[i];
    const ac0 = sa + HAAR * ad[i];
    const ac1 = sa + -HAAR * ad[i];
    const sd = HAAR * da[i];
    const dc0 = sd + HAAR * dd[i];
    const dc1 = sd + -HAAR * dd[i];
    const s0 = HAAR * ac0;
    const s1 = HAAR * ac1;
    const x00 = s0 + HAAR * dc0;
    const x01 = s1 + HAAR * dc1;
    const x10 = s0 + -HAAR * dc0;
    const x11 = s1 + -HAAR * dc1;
    const a0 = HAAR * x10 + HAAR * x00;
    const a1 = HAAR * x11 + HAAR * x01;
    out[i] = HAAR * a1 + HAAR * a0;
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


/**
 * haar-kernel.wat assembled by `wat2wasm` (wabt 1.0.32), base64.
 * Regenerate after editing the .wat: `wat2wasm haar-kernel.wat -o k.wasm && base64 -w0 k.wasm`.
 * SHA-256 of the binary: 6c0c19306d0cfe7db8af27dd66617b4d13e809db35783a15faabec1db3c4d59c.
 */
const KERNEL_BASE64 =
  'AGFzbQEAAAABCgFgBn9/f39/fwADAwIAAAUDAQABBy0DBm1lbW9yeQIADGZvcndhcmRCeXRlcwAAEWludmVyc2VUaGVuQXBwcm94AAEKrQYC9wMCBn8Me0TNO39mnqDmP/0UIRVEzTt/Zp6g5r/9FCEWRAAAAAAA4G9A/RQhFyABQQF2IQZBACELQQAhBwJAA0AgByAGTw0BIAAgB0EBdCABbGohCSAJIAFqIQpBACEIAkADQCAIIAZPDQEgCSAIQQF0av1cAAD9DAAAAAAAAAAAAAAAAAAAAAD9DQAQEBACEBAQARAQEAMQEBAhDCAM/f8BIBf98wEhDSAMIAz9DQgJCgsMDQ4PCAkKCwwNDg/9/wEgF/3zASEOIAogCEEBdGr9XAAA/QwAAAAAAAAAAAAAAAAAAAAA/Q0AEBAQAhAQEAEQEBADEBAQIQwgDP3/ASAX/fMBIQ8gDCAM/Q0ICQoLDA0ODwgJCgsMDQ4P/f8BIBf98wEhECAVIA/98gEgFSAN/fIB/fABIREgFSAQ/fIBIBUgDv3yAf3wASESIBYgD/3yASAVIA398gH98AEhEyAWIBD98gEgFSAO/fIB/fABIRQgAiALaiAVIBL98gEgFSAR/fIB/fAB/QsDACADIAtqIBYgEv3yASAVIBH98gH98AH9CwMAIAQgC2ogFSAU/fIBIBUgE/3yAf3wAf0LAwAgBSALaiAWIBT98gEgFSAT/fIB/fAB/QsDACALQRBqIQsgCEECaiEIDAALCyAHQQFqIQcMAAsLC7ECAgJ/D3tEzTt/Zp6g5j/9FCEVRM07f2aeoOa//RQhFiAFQQN0IQdBACEGAkADQCAGIAdPDQEgFSAAIAZq/QADAP3yASEIIAEgBmr9AAMAIRQgCCAVIBT98gH98AEhCiAIIBYgFP3yAf3wASELIBUgAiAGav0AAwD98gEhCSADIAZq/QADACEUIAkgFSAU/fIB/fABIQwgCSAWIBT98gH98AEhDSAVIAr98gEhDiAVIAv98gEhDyAOIBUgDP3yAf3wASEQIA8gFSAN/fIB/fABIREgDiAWIAz98gH98AEhEiAPIBYgDf3yAf3wASETIAQgBmogFSAVIBP98gEgFSAR/fIB/fAB/fIBIBUgFSAS/fIBIBUgEP3yAf3wAf3yAf3wAf0LAwAgBkEQaiEGDAALCws=';

interface KernelExports {
  memory: WasmMemory;
  forwardBytes(px: number, n: number, aa: number, ad: number, da: number, dd: number): void;
  inverseThenApprox(aa: number, ad: number, da: number, dd: number, out: number, count: number): void;
}

// Above this, the kernel's memory is dropped after use instead of kept for the next image.
const KEEP_MEMORY_BYTES = 64 * 1024 * 1024;
// Below this scale the loops are too short for the copy into the kernel to pay.
const KERNEL_MIN_SCALE = 64;
const KERNEL = new WasmKernel<KernelExports>(KERNEL_BASE64);

function loadKernel(): KernelExports | null {
  return KERNEL.get();
}

/** Whether the haar SIMD kernel is in use on this thread. */
export function haarKernelAvailable(): boolean {
  return loadKernel() !== null;
}

/**
 * The two full-size loops in the kernel: the finest forward level, then
 * (after `rebuildCoarser` has rebuilt the finest approximation from the coarse
 * levels into the view it is given) the fused rebuild-and-reduce.
 *
 * @returns the level-1 approximation of the rebuilt image ((scale/2)² values)
 */
function finestLevelsInKernel(
  k: KernelExports,
  px: Uint8Array,
  scale: number,
  rebuildCoarser: (aa: Float64Array, rebuilt: Float64Array) => void,
): Float64Array {
  const h = scale >> 1;
  const bytes = h * h * 8;
  const pxAt = 0;
  const aaAt = (scale * scale + 15) & ~15;
  const [adAt, daAt, ddAt, rebuiltAt, outAt] = [1, 2, 3, 4, 5].map((i) => aaAt + i * bytes);
  const end = outAt + bytes;
  // Grow first: views taken below would be detached by a later grow.
  const need = end - k.memory.buffer.byteLength;
  if (need > 0) k.memory.grow(Math.ceil(need / 65536));
  new Uint8Array(k.memory.buffer, pxAt, scale * scale).set(px.subarray(0, scale * scale));
  k.forwardBytes(pxAt, scale, aaAt, adAt, daAt, ddAt);
  const buf = k.memory.buffer;
  // The coarse levels run in TypeScript on ordinary arrays: typed-array views on the
  // kernel's memory make V8's element access polymorphic in the shared loops.
  const rebuilt = new Float64Array(h * h);
  rebuildCoarser(new Float64Array(buf, aaAt, h * h).slice(), rebuilt);
  new Float64Array(buf, rebuiltAt, h * h).set(rebuilt);
  k.inverseThenApprox(rebuiltAt, adAt, daAt, ddAt, outAt, h * h);
  const level1 = new Float64Array(buf, outAt, h * h).slice();
  KERNEL.releaseIfOver(KEEP_MEMORY_BYTES);
  return level1;
}

/**
 * The coarse levels, shared by both paths: decompose the finest approximation
 * `aa` (size h) fully, zero the last approximation, and rebuild down to size h,
 * writing that rebuilt approximation into `rebuilt`.
 */
function rebuildWithoutMean(aa: Float64Array, h: number, rebuilt: Float64Array): void {
  const details: HaarDetails[] = [];
  let approx = aa;
  let size = h;
  while (size > 1) {
    const half = size >> 1;
    const det: HaarDetails = {
      size: half,
      da: new Float64Array(half * half),
      ad: new Float64Array(half * half),
      dd: new Float64Array(half * half),
    };
    const next = new Float64Array(half * half);
    haarForward(approx, size, next, det);
    details.push(det);
    approx = next;
    size = half;
  }
  // coeffs[0] *= 0: the coarsest approximation becomes zero, then each level is rebuilt.
  let cur: Float64Array = new Float64Array(1);
  for (let l = details.length - 1; l >= 0; l--) {
    const out = l === 0 ? rebuilt : new Float64Array(4 * details[l].size * details[l].size);
    haarInverse(cur, details[l], out);
    cur = out;
  }
}

/**
 * The approximation `whash` thresholds: with x = pixels / 255 on a scale×scale
 * image, `pywt.wavedec2(x, 'haar', log2(scale))`, `coeffs[0] *= 0`,
 * `pywt.waverec2`, then `pywt.wavedec2(·, 'haar', log2(scale / hashSize))[0]`.
 *
 * The rebuilt full-size image is never stored: each 2×2 block is reduced at
 * once to its approximation, which is all the second decomposition reads.
 *
 * @param px - the resized 'L' image, `scale*scale` bytes
 * @param scale - a power of two ≥ `hashSize`
 * @param hashSize - a power of two (8 for hashtriage)
 * @param options - `kernel: false` forces the TypeScript loops
 * @returns the hashSize×hashSize approximation, row-major
 * @throws RangeError when the sizes are not powers of two or the buffer is short
 */
export function whashApproximation(
  px: Uint8Array,
  scale: number,
  hashSize: number,
  options: { kernel?: boolean } = {},
): Float64Array {
  const isPow2 = (v: number): boolean => Number.isInteger(v) && v >= 2 && (v & (v - 1)) === 0;
  if (!isPow2(scale) || !isPow2(hashSize) || hashSize > scale || px.length < scale * scale) {
    throw new RangeError(`invalid whash sizes: scale ${scale}, hash size ${hashSize}, ${px.length} bytes`);
  }
  const dwtLevel = Math.log2(scale / hashSize);
  const h = scale >> 1;
  if (dwtLevel === 0) {
    // The rebuilt image is itself the result: rebuild it in full.
    const aa = new Float64Array(h * h);
    const finest: HaarDetails = {
      size: h,
      da: new Float64Array(h * h),
      ad: new Float64Array(h * h),
      dd: new Float64Array(h * h),
    };
    haarForwardBytes(px, scale, aa, finest);
    const rebuilt = new Float64Array(h * h);
    rebuildWithoutMean(aa, h, rebuilt);
    const low = new Float64Array(scale * scale);
    haarInverse(rebuilt, finest, low);
    return low;
  }
  const k = options.kernel === false || scale < KERNEL_MIN_SCALE ? null : loadKernel();
  let level1: Float64Array | undefined;
  if (k !== null) {
    try {
      level1 = finestLevelsInKernel(k, px, scale, (aa, rebuilt) => rebuildWithoutMean(aa, h, rebuilt));
    } catch (err) {
      // Kernel memory could not grow: fall through to the TypeScript loops (same values).
      if (!(err instanceof RangeError)) throw err;
      KERNEL.release();
    }
  }
  if (level1 === undefined) {
    const aa = new Float64Array(h * h);
    const finest: HaarDetails = {
      size: h,
      da: new Float64Array(h * h),
      ad: new Float64Array(h * h),
      dd: new Float64Array(h * h),
    };
    haarForwardBytes(px, scale, aa, finest);
    const rebuilt = new Float64Array(h * h);
    rebuildWithoutMean(aa, h, rebuilt);
    level1 = new Float64Array(h * h);
    haarInverseThenApprox(rebuilt, finest, level1);
  }
  return haarApproximation(level1, h, dwtLevel - 1);
}
