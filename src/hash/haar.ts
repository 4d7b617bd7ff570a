/**
 * The haar wavelet part of imagehash's `whash` (mode 'haar',
 * `remove_max_haar_ll=True`), computed as PyWavelets 1.1 computes it.
 *
 * The closed form (block means) is not bit-safe: flat or near-flat images put
 * many values exactly on the median, and which side of it they fall is decided
 * by rounding. So every value is formed by pywt's own operations in pywt's
 * order. Every level runs in a small WebAssembly SIMD kernel
 * (haar-kernel.wat) when available, with identical results.
 */
import { nativeKernels } from './native-kernels.js';
import { KEEP_KERNEL_MEMORY_BYTES, kernelArena, WasmKernel, type WasmMemory } from './wasm-kernel.js';

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
 * SHA-256 of the binary: 88d73055de48512faafe32c59cda15eed173aa6bae02789bb1db8ca4b747fc50.
 */
const KERNEL_BASE64 =
  'AGFzbQEAAAABGgNgB39/f39/f38AYAZ/f39/f38AYAN/f38AAg8BA2VudgZtZW1vcnkCAAEDBgUAAQECAQdBBQxmb3J3YXJkQnl0ZXMAABFpbnZlcnNlVGhlbkFwcHJveAABB2ZvcndhcmQAAgZhcHByb3gAAwdpbnZlcnNlAAQK0Q8F0AMDBn8LewF/RM07f2aeoOY//RQhFkTNO39mnqDmv/0UIRcgAUEBdiEHQQAhDEEAIQgCQANAIAggB08NASAAIAhBAXQgAWxqIQogCiABaiELQQAhCQJAA0AgCSAHTw0BIAogCUEBdGohGCAGIBgtAABBA3RqKwMA/RQgBiAYLQACQQN0aisDAP0iASEOIAYgGC0AAUEDdGorAwD9FCAGIBgtAANBA3RqKwMA/SIBIQ8gCyAJQQF0aiEYIAYgGC0AAEEDdGorAwD9FCAGIBgtAAJBA3RqKwMA/SIBIRAgBiAYLQABQQN0aisDAP0UIAYgGC0AA0EDdGorAwD9IgEhESAWIBD98gEgFiAO/fIB/fABIRIgFiAR/fIBIBYgD/3yAf3wASETIBcgEP3yASAWIA798gH98AEhFCAXIBH98gEgFiAP/fIB/fABIRUgAiAMaiAWIBP98gEgFiAS/fIB/fAB/QsDACADIAxqIBcgE/3yASAWIBL98gH98AH9CwMAIAQgDGogFiAV/fIBIBYgFP3yAf3wAf0LAwAgBSAMaiAXIBX98gEgFiAU/fIB/fAB/QsDACAMQRBqIQwgCUECaiEJDAALCyAIQQFqIQgMAAsLC7ECAgJ/D3tEzTt/Zp6g5j/9FCEVRM07f2aeoOa//RQhFiAFQQN0IQdBACEGAkADQCAGIAdPDQEgFSAAIAZq/QADAP3yASEIIAEgBmr9AAMAIRQgCCAVIBT98gH98AEhCiAIIBYgFP3yAf3wASELIBUgAiAGav0AAwD98gEhCSADIAZq/QADACEUIAkgFSAU/fIB/fABIQwgCSAWIBT98gH98AEhDSAVIAr98gEhDiAVIAv98gEhDyAOIBUgDP3yAf3wASEQIA8gFSAN/fIB/fABIREgDiAWIAz98gH98AEhEiAPIBYgDf3yAf3wASETIAQgBmogFSAVIBP98gEgFSAR/fIB/fAB/fIBIBUgFSAS/fIBIBUgEP3yAf3wAf3yAf3wAf0LAwAgBkEQaiEGDAALCwvMAwIGfwx7RM07f2aeoOY//RQhFkTNO39mnqDmv/0UIRcgAUEBdiEGQQAhC0EAIQcCQANAIAcgBk8NASAAIAdBAXQgAWxBA3RqIQkgCSABQQN0aiEKQQAhCAJAA0AgCCAGTw0BIAkgCEEEdGr9AAMAIQwgCSAIQQR0av0AAxAhDSAMIA39DQABAgMEBQYHEBESExQVFhchDiAMIA39DQgJCgsMDQ4PGBkaGxwdHh8hDyAKIAhBBHRq/QADACEMIAogCEEEdGr9AAMQIQ0gDCAN/Q0AAQIDBAUGBxAREhMUFRYXIRAgDCAN/Q0ICQoLDA0ODxgZGhscHR4fIREgFiAQ/fIBIBYgDv3yAf3wASESIBYgEf3yASAWIA/98gH98AEhEyAXIBD98gEgFiAO/fIB/fABIRQgFyAR/fIBIBYgD/3yAf3wASEVIAIgC2ogFiAT/fIBIBYgEv3yAf3wAf0LAwAgAyALaiAXIBP98gEgFiAS/fIB/fAB/QsDACAEIAtqIBYgFf3yASAWIBT98gH98AH9CwMAIAUgC2ogFyAV/fIBIBYgFP3yAf3wAf0LAwAgC0EQaiELIAhBAmohCAwACwsgB0EBaiEHDAALCwvDAgIGfwV7RM07f2aeoOY//RQhDSABQQF2IQNBACEIQQAhBAJAA0AgBCADTw0BIAAgBEEBdCABbEEDdGohBiAGIAFBA3RqIQdBACEFAkADQCAFIANPDQEgBiAFQQR0av0AAwAhCSAGIAVBBHRq/QADECEKIA0gCSAK/Q0AAQIDBAUGBxAREhMUFRYX/fIBIQsgDSAJIAr9DQgJCgsMDQ4PGBkaGxwdHh/98gEhDCAHIAVBBHRq/QADACEJIAcgBUEEdGr9AAMQIQogDSAJIAr9DQABAgMEBQYHEBESExQVFhf98gEgC/3wASELIA0gCSAK/Q0ICQoLDA0ODxgZGhscHR4f/fIBIAz98AEhDCACIAhqIA0gDP3yASANIAv98gH98AH9CwMAIAhBEGohCCAFQQJqIQUMAAsLIARBAWohBAwACwsLtgMCBX8Pe0TNO39mnqDmP/0UIRhEzTt/Zp6g5r/9FCEZQQAhCEEAIQYCQANAIAYgBU8NASAEIAYgBWxBBXRqIQkgCSAFQQR0aiEKQQAhBwJAA0AgByAFTw0BIBggACAIav0AAwD98gEhCyABIAhq/QADACEXIAsgGCAX/fIB/fABIQ0gCyAZIBf98gH98AEhDiAYIAIgCGr9AAMA/fIBIQwgAyAIav0AAwAhFyAMIBggF/3yAf3wASEPIAwgGSAX/fIB/fABIRAgGCAN/fIBIREgGCAO/fIBIRIgESAYIA/98gH98AEhEyASIBggEP3yAf3wASEUIBEgGSAP/fIB/fABIRUgEiAZIBD98gH98AEhFiAJIAdBBHRqIBMgFP0NAAECAwQFBgcQERITFBUWF/0LAwAgCSAHQQR0aiATIBT9DQgJCgsMDQ4PGBkaGxwdHh/9CwMQIAogB0EEdGogFSAW/Q0AAQIDBAUGBxAREhMUFRYX/QsDACAKIAdBBHRqIBUgFv0NCAkKCwwNDg8YGRobHB0eH/0LAxAgCEEQaiEIIAdBAmohBwwACwsgBkEBaiEGDAALCws=';

interface KernelExports {
  memory: WasmMemory;
  forwardBytes(px: number, n: number, aa: number, ad: number, da: number, dd: number, table: number): void;
  inverseThenApprox(aa: number, ad: number, da: number, dd: number, out: number, count: number): void;
  forward(x: number, n: number, aa: number, ad: number, da: number, dd: number): void;
  approx(x: number, n: number, aa: number): void;
  inverse(aa: number, ad: number, da: number, dd: number, out: number, h: number): void;
}

// Below this scale the loops are too short for the copy into the kernel to pay.
const KERNEL_MIN_SCALE = 64;
/** The smallest whash scale {@link whashApproximationInMemory} takes; smaller images go through {@link whashApproximation}. */
export const WHASH_KERNEL_MIN_SCALE = KERNEL_MIN_SCALE;
const KERNEL = new WasmKernel<KernelExports>(KERNEL_BASE64);

function loadKernel(): KernelExports | null {
  return KERNEL.get();
}

/** Whether the haar SIMD kernel is in use on this thread. */
export function haarKernelAvailable(): boolean {
  return loadKernel() !== null;
}

/**
 * The whole of {@link whashApproximation} in the kernel, every level (the
 * operations are those of the TypeScript path, value for value); only the
 * hashSize² result is copied out, so no full-size plane crosses into JS.
 *
 * @returns the hashSize×hashSize approximation
 */
function approximationInKernel(k: KernelExports, px: Uint8Array, scale: number, hashSize: number): Float64Array {
  const mark = kernelArena.top;
  try {
    const pxAt = kernelArena.alloc(k.memory, scale * scale);
    new Uint8Array(k.memory.buffer, pxAt, scale * scale).set(px.subarray(0, scale * scale));
    return approximationAt(k, pxAt, scale, hashSize);
  } finally {
    kernelArena.top = mark;
    if (mark === 0) KERNEL.releaseIfOver(KEEP_KERNEL_MEMORY_BYTES);
  }
}

/** {@link approximationInKernel} on pixels already in kernel memory at `pxAt` (rows `scale` bytes apart). */
function approximationAt(k: KernelExports, pxAt: number, scale: number, hashSize: number): Float64Array {
  const h = scale >> 1;
  // Every block is reserved before any view is taken: a grow would detach views.
  const alloc = (bytes: number): number => kernelArena.alloc(k.memory, bytes);
  type Bands = { aa: number; ad: number; da: number; dd: number };
  const band = (size: number): Bands => {
    const bytes = size * size * 8;
    return { aa: alloc(bytes), ad: alloc(bytes), da: alloc(bytes), dd: alloc(bytes) };
  };
  // levels[i]: the sub-bands of size h >> i; levels[i].aa later holds the rebuilt plane of that size.
  const levels: Bands[] = [];
  for (let size = h; size >= 1; size >>= 1) levels.push(band(size));
  const level1At = alloc(h * h * 8);
  const tableAt = alloc(BYTE_OVER_255.byteLength);
  new Float64Array(k.memory.buffer, tableAt, 256).set(BYTE_OVER_255);
  // The two full-size steps in C where the native kernels run (the same bits: native-kernels.ts).
  const native = nativeKernels();
  if (native !== undefined) native.haarForwardBytes(k.memory.buffer, pxAt, scale, levels[0].aa, levels[0].ad, levels[0].da, levels[0].dd, tableAt);
  else k.forwardBytes(pxAt, scale, levels[0].aa, levels[0].ad, levels[0].da, levels[0].dd, tableAt);
  for (let i = 1; i < levels.length; i++) {
    const size = h >> (i - 1);
    const l = levels[i];
    k.forward(levels[i - 1].aa, size, l.aa, l.ad, l.da, l.dd);
  }
  // coeffs[0] *= 0 (as +0, like the TypeScript path), then rebuild up to size h.
  new Float64Array(k.memory.buffer, levels[levels.length - 1].aa, 1)[0] = 0;
  for (let i = levels.length - 1; i >= 1; i--) {
    const l = levels[i];
    k.inverse(l.aa, l.ad, l.da, l.dd, levels[i - 1].aa, h >> i);
  }
  const f = levels[0];
  if (native !== undefined) native.haarInverseThenApprox(k.memory.buffer, f.aa, f.ad, f.da, f.dd, level1At, h * h);
  else k.inverseThenApprox(f.aa, f.ad, f.da, f.dd, level1At, h * h);
  // The second decomposition, down to hashSize; the coarse approximations' space is free again.
  let cur = level1At;
  let size = h;
  for (let i = 1; size > hashSize; i++) {
    k.approx(cur, size, levels[i].aa);
    cur = levels[i].aa;
    size >>= 1;
  }
  return new Float64Array(k.memory.buffer, cur, hashSize * hashSize).slice();
}

/**
 * {@link whashApproximation} of a scale×scale 'L' image that already lies in
 * kernel memory (the resampler's output, rows `scale` bytes apart), so the
 * image is never copied out and back. Kernel memory it reserves is given
 * back before it returns.
 *
 * @param pxAt - offset of the image in kernel memory
 * @param scale - a power of two, at least {@link WHASH_KERNEL_MIN_SCALE} and above `hashSize`
 * @param hashSize - a power of two (8 for hashtriage)
 * @returns the hashSize×hashSize approximation, row-major
 * @throws RangeError when the kernel is unavailable, the sizes are not
 *   supported here, or the kernel memory cannot grow
 */
export function whashApproximationInMemory(pxAt: number, scale: number, hashSize: number): Float64Array {
  const isPow2 = (v: number): boolean => Number.isInteger(v) && v >= 2 && (v & (v - 1)) === 0;
  if (!isPow2(scale) || !isPow2(hashSize) || hashSize >= scale || scale < KERNEL_MIN_SCALE) {
    throw new RangeError(`whash in kernel memory: unsupported scale ${scale}, hash size ${hashSize}`);
  }
  const k = loadKernel();
  if (k === null) throw new RangeError('the haar kernel is unavailable');
  const mark = kernelArena.top;
  try {
    return approximationAt(k, pxAt, scale, hashSize);
  } finally {
    kernelArena.top = mark;
  }
}

/**
 * The coarse levels of the TypeScript path: decompose the finest approximation
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
  if (k !== null) {
    try {
      return approximationInKernel(k, px, scale, hashSize);
    } catch (err) {
      // Kernel memory could not grow: fall through to the TypeScript loops (same values).
      if (!(err instanceof RangeError)) throw err;
      if (kernelArena.top === 0) KERNEL.release();
    }
  }
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
  const level1 = new Float64Array(h * h);
  haarInverseThenApprox(rebuilt, finest, level1);
  return haarApproximation(level1, h, dwtLevel - 1);
}
