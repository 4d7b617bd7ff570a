/**
 * Batched Pillow LANCZOS resizes of one 'L' image to several sizes, run by a
 * small hand-written WebAssembly SIMD kernel (resample-kernel.wat) when the
 * runtime has SIMD, and by the TypeScript passes in pillow.ts otherwise. Both
 * paths are byte-identical to Pillow 9.4; the kernel exists because the
 * horizontal pass over full-resolution rows, once per hash size, dominates
 * the time of hashing a photo.
 *
 * One image is copied into the kernel's memory once and serves every target
 * size. The module instance (and its memory) is per thread.
 */
import { cachedLanczosAxis, resizeLanczos, type ResampleAxis } from './pillow.js';

/**
 * resample-kernel.wat assembled by `wat2wasm` (wabt 1.0.32), base64.
 * Regenerate after editing the .wat: `wat2wasm resample-kernel.wat -o k.wasm && base64 -w0 k.wasm`.
 * SHA-256 of the binary: fa842ed939e0104ae577e9efeb757be31e30b5d56935a85bded1b77efcc4e429.
 */
const KERNEL_BASE64 =
  'AGFzbQEAAAABIgNgC39/f39/f39/f39/AGACe3sBf2AKf39/f39/f39/fwADBQQAAAECBQMBAAEHMAQGbWVtb3J5AgAKaG9yaXpvbnRhbAAAC2hvcml6b250YWw0AAEIdmVydGljYWwAAwqpCQTGAgMGfwN7An9BACELAkADQCALIAJPDQEgACALIAFsaiENIAQgCyAFbGohFUEAIQwCQANAIAwgA08NASANIAYgDEECdGooAgBqIQ4gByAMQQJ0aigCACEQIAwgCmxBAXQhD/0MAAAAAAAAAAAAAAAAAAAAACER/QwAAAAAAAAAAAAAAAAAAAAAIRICQANAIBBFDQEgDv1dAAD9iQEhEyARIBMgCCAPav0AAQD9ugH9rgEhESASIBMgCSAPav0AAQD9ugH9rgEhEiAOQQhqIQ4gD0EQaiEPIBBBAWshEAwACwsgEUEL/asBIBL9rgEhESAR/RsAIBH9GwFqIBH9GwIgEf0bA2pqIRQgFEGAgIABakEWdSEUIBUgDGpBAEH/ASAUIBRB/wFKGyAUQQBIGzoAACAMQQFqIQwMAAsLIAtBAWohCwwACwsLzwMCB38Le0EAIQsCQANAIAsgAk8NASAAIAsgAWxqIQ0gBCALIAVsaiERQQAhDAJAA0AgDCADTw0BIA0gBiAMQQJ0aigCAGohDiAHIAxBAnRqKAIAIRAgDCAKbEEBdCEP/QwAAAAAAAAAAAAAAAAAAAAAIRIgEiETIBIhFCASIRUgEiEWIBIhFyASIRggEiEZAkADQCAQRQ0BIAggD2r9AAEAIRogCSAPav0AAQAhGyAO/V0AAP2JASEcIBIgHCAa/boB/a4BIRIgFiAcIBv9ugH9rgEhFiAOIAFq/V0AAP2JASEcIBMgHCAa/boB/a4BIRMgFyAcIBv9ugH9rgEhFyAOIAFBAXRq/V0AAP2JASEcIBQgHCAa/boB/a4BIRQgGCAcIBv9ugH9rgEhGCAOIAFBA2xq/V0AAP2JASEcIBUgHCAa/boB/a4BIRUgGSAcIBv9ugH9rgEhGSAOQQhqIQ4gD0EQaiEPIBBBAWshEAwACwsgESAMaiASIBYQAjoAACARIAVqIAxqIBMgFxACOgAAIBEgBUEBdGogDGogFCAYEAI6AAAgESAFQQNsaiAMaiAVIBkQAjoAACAMQQFqIQwMAAsLIAtBBGohCwwACwsLTgIBewF/IABBC/2rASAB/a4BIQIgAv0bACAC/RsBaiAC/RsCIAL9GwNqaiEDIANBgICAAWpBFnUhA0EAQf8BIAMgA0H/AUobIANBAEgbC74CAwZ/CHsBf0EAIQoCQANAIAogA08NASAHIApBAnRqKAIAIQwgCCAKIAlsQQJ0aiEYQQAhCwJAA0AgCyACTw0BIAAgC2ogBiAKQQJ0aigCACABbGohDkGAgIAB/REhECAQIREgECESIBAhE0EAIQ0CQANAIA0gDE8NASAYIA1BAnRqKAIA/REhFyAO/QAAACEUIBT9iQEhFSAU/YoBIRYgECAV/akBIBf9tQH9rgEhECARIBX9qgEgF/21Af2uASERIBIgFv2pASAX/bUB/a4BIRIgEyAW/aoBIBf9tQH9rgEhEyAOIAFqIQ4gDUEBaiENDAALCyAEIAogBWxqIAtqIBBBFv2sASARQRb9rAH9hQEgEkEW/awBIBNBFv2sAf2FAf1m/QsAACALQRBqIQsMAAsLIApBAWohCgwACwsL';

/** Output size of one resize. */
export interface ResizeTarget {
  width: number;
  height: number;
}

// The project compiles against lib ES2022 without DOM, which has no WebAssembly
// declarations; these are the few members used here.
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
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
  vertical(
    src: number, srcStride: number, width: number, outH: number, out: number, outStride: number,
    first: number, count: number, weights: number, kStride: number,
  ): void;
}

/** Horizontal taps re-laid for the kernel: 8-tap groups, weights split into int16 halves. */
interface HorizontalTables {
  groups: Int32Array;
  kStride: number;
  hi: Int16Array;
  lo: Int16Array;
}

const horizontalTables = new WeakMap<ResampleAxis, HorizontalTables>();

function tablesFor(axis: ResampleAxis): HorizontalTables {
  let t = horizontalTables.get(axis);
  if (t !== undefined) return t;
  const kStride = Math.ceil(axis.stride / 8) * 8;
  const groups = new Int32Array(axis.outSize);
  const hi = new Int16Array(axis.outSize * kStride);
  const lo = new Int16Array(axis.outSize * kStride);
  for (let i = 0; i < axis.outSize; i++) {
    groups[i] = Math.ceil(axis.count[i] / 8);
    for (let k = 0; k < axis.count[i]; k++) {
      const w = axis.weights[i * axis.stride + k];
      const l = w & 2047; // 0..2047, so w = hi*2048 + lo exactly, with hi = w >> 11
      lo[i * kStride + k] = l;
      hi[i * kStride + k] = (w - l) / 2048;
    }
  }
  t = { groups, kStride, hi, lo };
  horizontalTables.set(axis, t);
  return t;
}

// Above this, the memory is released after use rather than kept for the next image.
const KEEP_MEMORY_BYTES = 64 * 1024 * 1024;
let kernel: KernelExports | null | undefined;

function loadKernel(): KernelExports | null {
  if (kernel !== undefined) return kernel;
  try {
    const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
    const bytes = Buffer.from(KERNEL_BASE64, 'base64');
    if (wasm === undefined || !wasm.validate(bytes)) {
      kernel = null;
    } else {
      const instance = new wasm.Instance(new wasm.Module(bytes), {});
      kernel = instance.exports as unknown as KernelExports;
    }
  } catch {
    // No SIMD (or no WebAssembly): the TypeScript passes give the same bytes, slower.
    kernel = null;
  }
  return kernel;
}

/** Whether the SIMD kernel is in use on this thread (false: TypeScript fallback). */
export function resampleKernelAvailable(): boolean {
  return loadKernel() !== null;
}

const align16 = (n: number): number => (n + 15) & ~15;

/** A bump allocator over the kernel's memory, growing it as needed. */
class Arena {
  top: number;
  constructor(private readonly k: KernelExports, start: number) {
    this.top = start;
  }
  alloc(bytes: number): number {
    const at = this.top;
    this.top = align16(at + bytes + 16); // +16: the kernel may read a vector past the end
    const need = this.top - this.k.memory.buffer.byteLength;
    if (need > 0) this.k.memory.grow(Math.ceil(need / 65536));
    return at;
  }
  put(data: ArrayBufferView): number {
    const at = this.alloc(data.byteLength);
    new Uint8Array(this.k.memory.buffer, at, data.byteLength).set(
      new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    );
    return at;
  }
}

function resizeWithKernel(k: KernelExports, luma: Uint8Array, width: number, height: number, target: ResizeTarget, arena: Arena, src: number): Uint8Array {
  const { width: outW, height: outH } = target;
  const horiz = cachedLanczosAxis(width, outW);
  const vert = cachedLanczosAxis(height, outH);
  const needHorizontal = outW !== width;
  const needVertical = outH !== height;
  if (!needHorizontal && !needVertical) return luma.slice(0, width * height);
  const mark = arena.top;
  let plane = src;
  let planeStride = width;
  let rowShift = 0;
  const outStride = align16(outW);
  if (needHorizontal) {
    const rowFirst = vert.first[0];
    const rows = vert.first[outH - 1] + vert.count[outH - 1] - rowFirst;
    const t = tablesFor(horiz);
    const first = arena.put(horiz.first);
    const groups = arena.put(t.groups);
    const hi = arena.put(t.hi);
    const lo = arena.put(t.lo);
    plane = arena.alloc(rows * outStride);
    // Four rows per weight load, then the remainder one by one.
    const quads = rows & ~3;
    const start = src + rowFirst * width;
    k.horizontal4(start, width, quads, outW, plane, outStride, first, groups, hi, lo, t.kStride);
    k.horizontal(start + quads * width, width, rows - quads, outW, plane + quads * outStride, outStride, first, groups, hi, lo, t.kStride);
    planeStride = outStride;
    rowShift = rowFirst;
  }
  let result = plane;
  if (needVertical) {
    const shifted = new Int32Array(outH);
    for (let i = 0; i < outH; i++) shifted[i] = vert.first[i] - rowShift;
    const first = arena.put(shifted);
    const count = arena.put(vert.count);
    const weights = arena.put(vert.weights);
    result = arena.alloc(outH * outStride);
    k.vertical(plane, planeStride, outW, outH, result, outStride, first, count, weights, vert.stride);
    planeStride = outStride;
  }
  const out = new Uint8Array(outW * outH);
  const mem = new Uint8Array(k.memory.buffer);
  for (let y = 0; y < outH; y++) out.set(mem.subarray(result + y * planeStride, result + y * planeStride + outW), y * outW);
  arena.top = mark;
  return out;
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
  const arena = new Arena(k, 0);
  const src = arena.put(luma.subarray(0, width * height));
  const out = targets.map((t) => resizeWithKernel(k, luma, width, height, t, arena, src));
  if (k.memory.buffer.byteLength > KEEP_MEMORY_BYTES) kernel = undefined; // let a huge memory be collected
  return out;
}
