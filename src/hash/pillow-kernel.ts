/**
 * Pillow's two hot loops on full-resolution images — RGB → 'L' conversion and
 * the LANCZOS passes — run by a small hand-written WebAssembly SIMD kernel
 * (pillow-kernel.wat) when the runtime has SIMD, and by the TypeScript in
 * pillow.ts otherwise. Both paths are byte-identical to Pillow 9.4; the
 * kernel exists because these loops, not the hashes, dominate the time.
 *
 * Resizing is batched: one image in the kernel's memory serves every target
 * size, either copied in once ({@link resizeLanczosMany}) or read where
 * planes.ts wrote it ({@link resizeLanczosInMemory}, the scan pipeline). The
 * module instance is per thread, on the memory all kernels share
 * (wasm-kernel.ts).
 *
 * Where the project's native addon is built and the CPU has AVX2, the
 * four-row horizontal pass, the largest part of the resamples, runs in C
 * instead (native-kernels.ts): the same arithmetic on the same tables in the
 * same memory, twice as wide per instruction, byte-identical output.
 */
import { nativeKernels } from './native-kernels.js';
import { cachedLanczosAxis, interleavedToLumaRgb, resizeLanczos, type ResampleAxis } from './pillow.js';
import { KEEP_KERNEL_MEMORY_BYTES, kernelArena, WasmKernel, type WasmMemory } from './wasm-kernel.js';

/**
 * pillow-kernel.wat assembled by `wat2wasm` (wabt 1.0.32), base64.
 * Regenerate after editing the .wat: `wat2wasm pillow-kernel.wat -o k.wasm && base64 -w0 k.wasm`.
 * SHA-256 of the binary: 6ec17e6aa5cc350e10183e11ce04d1aac8de433770ead5a4bba2e54ba9c28dcc.
 */
const KERNEL_BASE64 =
  'AGFzbQEAAAABLQRgC39/f39/f39/f39/AGAKf39/f39/f39/fwBgA39/fwBgB3t7e3t7e3sBewIPAQNlbnYGbWVtb3J5AgABAwcGAAAAAQIDB0IFCmhvcml6b250YWwAAAtob3Jpem9udGFsNAABEWhvcml6b250YWw0TmFycm93AAIIdmVydGljYWwAAwRsdW1hAAQK8xEGxgIDBn8DewJ/QQAhCwJAA0AgCyACTw0BIAAgCyABbGohDSAEIAsgBWxqIRVBACEMAkADQCAMIANPDQEgDSAGIAxBAnRqKAIAaiEOIAcgDEECdGooAgAhECAMIApsQQF0IQ/9DAAAAAAAAAAAAAAAAAAAAAAhEf0MAAAAAAAAAAAAAAAAAAAAACESAkADQCAQRQ0BIA79XQAA/YkBIRMgESATIAggD2r9AAEA/boB/a4BIREgEiATIAkgD2r9AAEA/boB/a4BIRIgDkEIaiEOIA9BEGohDyAQQQFrIRAMAAsLIBFBC/2rASAS/a4BIREgEf0bACAR/RsBaiAR/RsCIBH9GwNqaiEUIBRBgICAAWpBFnUhFCAVIAxqQQBB/wEgFCAUQf8BShsgFEEASBs6AAAgDEEBaiEMDAALCyALQQFqIQsMAAsLC8gFAwd/DnsBf0EAIQsCQANAIAsgAk8NASAAIAsgAWxqIQ0gBCALIAVsaiERQQAhDAJAA0AgDCADTw0BIA0gBiAMQQJ0aigCAGohDiAHIAxBAnRqKAIAIRAgDCAKbEEBdCEP/QwAAAAAAAAAAAAAAAAAAAAAIRIgEiETIBIhFCASIRX9DAAAAAAAAAAAAAAAAAAAAAAhFiAWIRcgFiEYIBYhGQJAA0AgEEUNASAIIA9q/QABACEaIAkgD2r9AAEAIRsgDv1dAAD9iQEhHCASIBwgGv26Af2uASESIBYgHCAb/boB/a4BIRYgDiABav1dAAD9iQEhHCATIBwgGv26Af2uASETIBcgHCAb/boB/a4BIRcgDiABQQF0av1dAAD9iQEhHCAUIBwgGv26Af2uASEUIBggHCAb/boB/a4BIRggDiABQQNsav1dAAD9iQEhHCAVIBwgGv26Af2uASEVIBkgHCAb/boB/a4BIRkgDkEIaiEOIA9BEGohDyAQQQFrIRAMAAsLIBJBC/2rASAW/a4BIRYgE0EL/asBIBf9rgEhFyAUQQv9qwEgGP2uASEYIBVBC/2rASAZ/a4BIRkgESAMaiEgIBYgF/0NAAECAwQFBgcQERITFBUWFyAWIBf9DQgJCgsMDQ4PGBkaGxwdHh/9rgEhHSAYIBn9DQABAgMEBQYHEBESExQVFhcgGCAZ/Q0ICQoLDA0ODxgZGhscHR4f/a4BIR4gHSAe/Q0AAQIDCAkKCxAREhMYGRobIB0gHv0NBAUGBwwNDg8UFRYXHB0eH/2uASEfIB9BgICAAf0R/a4BQRb9rAEhHyAfIB/9hQEgHyAf/YUB/WYhHyAgIB/9FgA6AAAgICAFaiAf/RYBOgAAICAgBUEBdGogH/0WAjoAACAgIAVBA2xqIB/9FgM6AAAgDEEBaiEMDAALCyALQQRqIQsMAAsLC60EAwd/CnsBf0EAIQsCQANAIAsgAk8NASAAIAsgAWxqIQ0gBCALIAVsaiERQQAhDAJAA0AgDCADTw0BIA0gBiAMQQJ0aigCAGohDiAHIAxBAnRqKAIAIRAgDCAKbEEBdCEP/QwAAAAAAAAAAAAAAAAAAAAAIRIgEiETIBIhFCASIRUCQANAIBBFDQEgCSAPav0AAQAhFyAO/V0AAP2JASEYIBIgGCAX/boB/a4BIRIgDiABav1dAAD9iQEhGCATIBggF/26Af2uASETIA4gAUEBdGr9XQAA/YkBIRggFCAYIBf9ugH9rgEhFCAOIAFBA2xq/V0AAP2JASEYIBUgGCAX/boB/a4BIRUgDkEIaiEOIA9BEGohDyAQQQFrIRAMAAsLIBEgDGohHCASIBP9DQABAgMEBQYHEBESExQVFhcgEiAT/Q0ICQoLDA0ODxgZGhscHR4f/a4BIRkgFCAV/Q0AAQIDBAUGBxAREhMUFRYXIBQgFf0NCAkKCwwNDg8YGRobHB0eH/2uASEaIBkgGv0NAAECAwgJCgsQERITGBkaGyAZIBr9DQQFBgcMDQ4PFBUWFxwdHh/9rgEhGyAbQYCAgAH9Ef2uAUEW/awBIRsgGyAb/YUBIBsgG/2FAf1mIRsgHCAb/RYAOgAAIBwgBWogG/0WAToAACAcIAVBAXRqIBv9FgI6AAAgHCAFQQNsaiAb/RYDOgAAIAxBAWohDAwACwsgC0EEaiELDAALCwu+AgMGfwh7AX9BACEKAkADQCAKIANPDQEgByAKQQJ0aigCACEMIAggCiAJbEECdGohGEEAIQsCQANAIAsgAk8NASAAIAtqIAYgCkECdGooAgAgAWxqIQ5BgICAAf0RIRAgECERIBAhEiAQIRNBACENAkADQCANIAxPDQEgGCANQQJ0aigCAP0RIRcgDv0AAAAhFCAU/YkBIRUgFP2KASEWIBAgFf2pASAX/bUB/a4BIRAgESAV/aoBIBf9tQH9rgEhESASIBb9qQEgF/21Af2uASESIBMgFv2qASAX/bUB/a4BIRMgDiABaiEOIA1BAWohDQwACwsgBCAKIAVsaiALaiAQQRb9rAEgEUEW/awB/YUBIBJBFv2sASATQRb9rAH9hQH9Zv0LAAAgC0EQaiELDAALCyAKQQFqIQoMAAsLC58CAgF/CntBi5kB/RAhCkHGrAL9ECELQa86/RAhDEGAgAL9ESENIAEgAmohAwJAA0AgASADTw0BIAD9AAAAIQQgAP0AABAhBSAA/QAAICEGIAQgBf0NAAMGCQwPEhUYGx4AAAAAACAG/Q0AAQIDBAUGBwgJChEUFxodIQcgBCAF/Q0BBAcKDRATFhkcHwAAAAAAIAb9DQABAgMEBQYHCAkKEhUYGx4hCCAEIAX9DQIFCAsOERQXGh0AAAAAAAAgBv0NAAECAwQFBgcICRATFhkcHyEJIAEgB/2JASAI/YkBIAn9iQEgCiALIAwgDRAFIAf9igEgCP2KASAJ/YoBIAogCyAMIA0QBf1m/QsAACAAQTBqIQAgAUEQaiEBDAALCwtPACAGIAAgA/2+Af2uASABIAT9vgEgAiAF/b4B/a4B/a4BQRD9rQEgBiAAIAP9vwH9rgEgASAE/b8BIAIgBf2/Af2uAf2uAUEQ/a0B/YYBCw==';

/** Output size of one resize. */
export interface ResizeTarget {
  width: number;
  height: number;
}

interface KernelExports {
  memory: WasmMemory;
  horizontal(
    src: number, srcStride: number, rows: number, outW: number, out: number, outStride: number,
    first: number, groups: number, wHi: number, wLo: number, kStride: number,
  ): void;
  horizontal4(
    src: number, srcStride: number, rows: number, outW: number, out: number, outStride: number,
    first: number, groups: number, wHi: number, wLo: number, kStride: number,
  ): void;
  horizontal4Narrow(
    src: number, srcStride: number, rows: number, outW: number, out: number, outStride: number,
    first: number, groups: number, wHi: number, wLo: number, kStride: number,
  ): void;
  vertical(
    src: number, srcStride: number, width: number, outH: number, out: number, outStride: number,
    first: number, count: number, weights: number, kStride: number,
  ): void;
  luma(src: number, dst: number, pixels: number): void;
}

/**
 * Horizontal taps re-laid for the kernel: 8-tap groups, weights split into
 * int16 halves (w = hi·2048 + lo), or, when every weight fits in int16
 * (`narrow`, typical of large reductions), whole in `lo` with `hi` all zero.
 */
interface HorizontalTables {
  groups: Int32Array;
  kStride: number;
  hi: Int16Array;
  lo: Int16Array;
  narrow: boolean;
}

const horizontalTables = new WeakMap<ResampleAxis, HorizontalTables>();

function tablesFor(axis: ResampleAxis): HorizontalTables {
  let t = horizontalTables.get(axis);
  if (t !== undefined) return t;
  const kStride = Math.ceil(axis.stride / 8) * 8;
  const groups = new Int32Array(axis.outSize);
  const hi = new Int16Array(axis.outSize * kStride);
  const lo = new Int16Array(axis.outSize * kStride);
  const narrow = axis.weights.every((w) => w >= -32768 && w <= 32767);
  for (let i = 0; i < axis.outSize; i++) {
    groups[i] = Math.ceil(axis.count[i] / 8);
    for (let k = 0; k < axis.count[i]; k++) {
      const w = axis.weights[i * axis.stride + k];
      const l = narrow ? w : w & 2047; // else 0..2047, so w = hi*2048 + lo exactly
      lo[i * kStride + k] = l;
      hi[i * kStride + k] = (w - l) / 2048;
    }
  }
  t = { groups, kStride, hi, lo, narrow };
  horizontalTables.set(axis, t);
  return t;
}

const KERNEL = new WasmKernel<KernelExports>(KERNEL_BASE64);

/**
 * Which code runs the kernels on this thread.
 *
 * @returns `native` (AVX2, native/kernels.c, with WebAssembly for the
 *   rest), `wasm` (the .wat kernels) or `typescript` (no WebAssembly SIMD)
 */
export function kernelImplementation(): 'native' | 'wasm' | 'typescript' {
  if (loadKernel() === null) return 'typescript';
  return nativeKernels() !== undefined ? 'native' : 'wasm';
}

function loadKernel(): KernelExports | null {
  return KERNEL.get();
}

/** Whether the SIMD kernel is in use on this thread (false: TypeScript fallback). */
export function resampleKernelAvailable(): boolean {
  return loadKernel() !== null;
}

const align16 = (n: number): number => (n + 15) & ~15;

/** Copies `data` into freshly reserved kernel memory. */
function put(k: KernelExports, data: ArrayBufferView): number {
  const at = kernelArena.alloc(k.memory, data.byteLength);
  new Uint8Array(k.memory.buffer, at, data.byteLength).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return at;
}

/** Where a resized plane lies in kernel memory: `height` rows of `width` bytes, `stride` apart. */
export interface PlaneInMemory {
  at: number;
  width: number;
  height: number;
  stride: number;
}

/**
 * One LANCZOS resize of an 'L' plane that is already in kernel memory, the
 * result left there (reserved from {@link kernelArena}; the caller resets
 * the arena when done with it). When the size is unchanged the source
 * itself is returned, not a copy.
 *
 * @param k - the loaded kernel
 * @param src - offset of the source plane, rows `width` bytes apart
 * @param width - source width, ≥ 1
 * @param height - source height, ≥ 1
 * @param target - output size
 * @returns the resized plane's location
 * @throws RangeError when the kernel memory cannot grow
 */
function resizeAt(k: KernelExports, src: number, width: number, height: number, target: ResizeTarget): PlaneInMemory {
  const { width: outW, height: outH } = target;
  const horiz = cachedLanczosAxis(width, outW);
  const vert = cachedLanczosAxis(height, outH);
  const needHorizontal = outW !== width;
  const needVertical = outH !== height;
  if (!needHorizontal && !needVertical) return { at: src, width, height, stride: width };
  let plane = src;
  let planeStride = width;
  let rowShift = 0;
  const outStride = align16(outW);
  if (needHorizontal) {
    const rowFirst = vert.first[0];
    const rows = vert.first[outH - 1] + vert.count[outH - 1] - rowFirst;
    const t = tablesFor(horiz);
    const first = put(k, horiz.first);
    const groups = put(k, t.groups);
    const hi = put(k, t.hi);
    const lo = put(k, t.lo);
    plane = kernelArena.alloc(k.memory, rows * outStride);
    // Four rows per weight load, then the remainder one by one.
    const quads = rows & ~3;
    const start = src + rowFirst * width;
    const native = nativeKernels();
    if (native !== undefined && quads > 0) {
      // The buffer is taken after the last alloc above: a grow detaches earlier ones.
      native.horizontal4(k.memory.buffer, start, width, quads, outW, plane, outStride, first, groups, hi, lo, t.kStride, t.narrow ? 1 : 0);
    } else {
      (t.narrow ? k.horizontal4Narrow : k.horizontal4)(start, width, quads, outW, plane, outStride, first, groups, hi, lo, t.kStride);
    }
    k.horizontal(start + quads * width, width, rows - quads, outW, plane + quads * outStride, outStride, first, groups, hi, lo, t.kStride);
    planeStride = outStride;
    rowShift = rowFirst;
  }
  if (!needVertical) return { at: plane, width: outW, height: outH, stride: planeStride };
  const shifted = new Int32Array(outH);
  for (let i = 0; i < outH; i++) shifted[i] = vert.first[i] - rowShift;
  const first = put(k, shifted);
  const count = put(k, vert.count);
  const weights = put(k, vert.weights);
  const result = kernelArena.alloc(k.memory, outH * outStride);
  const native = nativeKernels();
  if (native !== undefined) native.vertical(k.memory.buffer, plane, planeStride, outW, outH, result, outStride, first, count, weights, vert.stride);
  else k.vertical(plane, planeStride, outW, outH, result, outStride, first, count, weights, vert.stride);
  return { at: result, width: outW, height: outH, stride: outStride };
}

/** Copies a plane out of kernel memory into a packed `width*height` array. */
function copyOut(k: KernelExports, p: PlaneInMemory): Uint8Array {
  const out = new Uint8Array(p.width * p.height);
  const mem = new Uint8Array(k.memory.buffer);
  if (p.stride === p.width) out.set(mem.subarray(p.at, p.at + p.width * p.height));
  else for (let y = 0; y < p.height; y++) out.set(mem.subarray(p.at + y * p.stride, p.at + y * p.stride + p.width), y * p.width);
  return out;
}

/**
 * Resizes an 'L' plane that already lies in kernel memory (as written by
 * planes.ts) to several sizes, without copying the source.
 *
 * @param src - offset of the source plane, rows `width` bytes apart
 * @param width - source width, ≥ 1
 * @param height - source height, ≥ 1
 * @param targets - output sizes (each ≥ 1×1)
 * @param keep - index of a target whose plane is returned in place (in
 *   `kept`, valid until the caller resets {@link kernelArena}) instead of copied
 * @returns a copy of every other target's plane (undefined at `keep`), and the kept one's location
 * @throws RangeError on invalid sizes, or when the kernel is unavailable or its memory cannot grow
 */
export function resizeLanczosInMemory(
  src: number,
  width: number,
  height: number,
  targets: readonly ResizeTarget[],
  keep = -1,
): { planes: (Uint8Array | undefined)[]; kept?: PlaneInMemory } {
  const k = loadKernel();
  if (k === null) throw new RangeError('the resampling kernel is unavailable');
  const planes: (Uint8Array | undefined)[] = [];
  let kept: PlaneInMemory | undefined;
  // The kept plane is made last, so the others' space can be given back before it.
  const order = targets.map((_, i) => i).filter((i) => i !== keep);
  for (const i of order) {
    const mark = kernelArena.top;
    planes[i] = copyOut(k, resizeAt(k, src, width, height, targets[i]));
    kernelArena.top = mark;
  }
  if (keep >= 0 && keep < targets.length) kept = resizeAt(k, src, width, height, targets[keep]);
  return { planes, kept };
}

/**
 * `resizeLanczos` to several sizes at once: `convert('L').resize(size, LANCZOS)`
 * of Pillow 9.4 for each target, sharing one copy of the source.
 *
 * @param luma - source 'L' plane, `width*height` bytes
 * @param width - source width, ≥ 1
 * @param height - source height, ≥ 1
 * @param targets - output sizes (each ≥ 1×1)
 * @param options - `kernel: false` forces the TypeScript passes (for tests and comparison)
 * @returns one plane per target, in order
 * @throws RangeError on invalid sizes or a short buffer
 */
export function resizeLanczosMany(
  luma: Uint8Array,
  width: number,
  height: number,
  targets: readonly ResizeTarget[],
  options: { kernel?: boolean } = {},
): Uint8Array[] {
  if (!(width >= 1 && height >= 1) || luma.length < width * height) {
    throw new RangeError(`invalid image ${width}x${height} with ${luma.length} bytes`);
  }
  const k = options.kernel === false ? null : loadKernel();
  if (k === null) return targets.map((t) => resizeLanczos(luma, width, height, t.width, t.height));
  for (const t of targets) {
    // Validates the sizes before any memory is touched.
    cachedLanczosAxis(width, t.width);
    cachedLanczosAxis(height, t.height);
  }
  const mark = kernelArena.top;
  try {
    const src = put(k, luma.subarray(0, width * height));
    return targets.map((t) => {
      const inner = kernelArena.top;
      const out = copyOut(k, resizeAt(k, src, width, height, t));
      kernelArena.top = inner;
      return out;
    });
  } catch (err) {
    // Kernel memory could not grow (a huge image in a constrained process): same bytes, slower.
    if (!(err instanceof RangeError)) throw err;
    kernelArena.top = mark;
    if (mark === 0) KERNEL.release();
    return targets.map((t) => resizeLanczos(luma, width, height, t.width, t.height));
  } finally {
    kernelArena.top = mark;
    KERNEL.releaseIfOver(KEEP_KERNEL_MEMORY_BYTES); // let a huge memory be collected
  }
}

/**
 * Pillow's `convert('L')` of interleaved 8-bit RGB (3 channels): the same
 * result as {@link interleavedToLumaRgb}, computed 16 pixels at a time.
 *
 * @param rgb - interleaved R, G, B bytes, at least `pixels*3`
 * @param pixels - number of pixels
 * @param options - `kernel: false` forces the TypeScript loop
 * @returns the 'L' plane, `pixels` bytes
 * @throws RangeError when `rgb` is too short
 */
export function rgbToLuma(rgb: Uint8Array, pixels: number, options: { kernel?: boolean } = {}): Uint8Array {
  if (rgb.length < pixels * 3) throw new RangeError('pixel buffer too short');
  const k = options.kernel === false ? null : loadKernel();
  if (k === null) return interleavedToLumaRgb(rgb, pixels, 3).luma;
  const simdPixels = pixels & ~15;
  let luma: Uint8Array;
  const mark = kernelArena.top;
  try {
    const src = put(k, rgb.subarray(0, simdPixels * 3));
    const dst = kernelArena.alloc(k.memory, simdPixels);
    k.luma(src, dst, simdPixels);
    luma = new Uint8Array(pixels);
    luma.set(new Uint8Array(k.memory.buffer, dst, simdPixels));
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    kernelArena.top = mark;
    if (mark === 0) KERNEL.release();
    return interleavedToLumaRgb(rgb, pixels, 3).luma;
  } finally {
    kernelArena.top = mark;
    KERNEL.releaseIfOver(KEEP_KERNEL_MEMORY_BYTES);
  }
  // The last (pixels mod 16) in TypeScript, same formula.
  if (simdPixels < pixels) {
    const tail = interleavedToLumaRgb(rgb.subarray(simdPixels * 3, pixels * 3), pixels - simdPixels, 3).luma;
    luma.set(tail, simdPixels);
  }
  return luma;
}
