/**
 * PDQ's full-resolution float32 work — RGB → luma and the three box-filter
 * passes of the Jarosz tent filter — run by a small hand-written WebAssembly
 * SIMD kernel (pdq-kernel.wat) when the runtime has SIMD. pdq.ts keeps the
 * TypeScript passes as the fallback; both give the same bits, because wasm
 * f32 arithmetic is IEEE single precision and each SIMD lane performs one
 * output's operations in the reference's order. On a 12-megapixel photo these
 * passes are nearly all of PDQ's time.
 *
 * Two ways in: {@link filteredColumnsWithKernel} filters a whole RGB image
 * (pdq.ts's own entry points), and {@link pdqKernel} hands planes.ts the
 * functions to filter a stream of rows as the scan pipeline decodes them,
 * `columnStep` being boxColumns one row at a time. The module instance is
 * per thread, on the memory all kernels share (wasm-kernel.ts).
 */
import { KEEP_KERNEL_MEMORY_BYTES, kernelArena, WasmKernel, type WasmMemory } from './wasm-kernel.js';

/**
 * pdq-kernel.wat assembled by `wat2wasm` (wabt 1.0.32), base64.
 * Regenerate after editing the .wat: `wat2wasm pdq-kernel.wat -o k.wasm && base64 -w0 k.wasm`.
 * SHA-256 of the binary: df2d2403d4a3eb66e41baeaab25ae31d7317a136779290da092cc52dd2880828.
 */
const KERNEL_BASE64 =
  'AGFzbQEAAAABJwRgBX9/f39/AGAEf39/fwBgCX9/f39/f39/fwBgCH9/f39/f39/AAIPAQNlbnYGbWVtb3J5AgABAwcGAAECAgMABzIFBGx1bWEAAAdib3hSb3dzAAIKYm94Q29sdW1ucwADCmNvbHVtblN0ZXAABANkY3QABQq0EgaEAgIEfwF7IAAhB0EAIQUCQANAIAUgA08NASABIAUgBGxBAnRqIQggACAFIAJsQQNsaiEHQQAhBgJAA0AgBiACTw0BIAf9AAAAIQkgCCAJ/QwAgICAA4CAgAaAgIAJgICA/Q79+wH9DIcWmT6HFpk+hxaZPocWmT795gEgCf0MAYCAgASAgIAHgICACoCAgP0O/fsB/QyiRRY/okUWP6JFFj+iRRY//eYB/eQBIAn9DAKAgIAFgICACICAgAuAgID9Dv37Af0M1XjpPdV46T3VeOk91XjpPf3mAf3kAf0LBAAgB0EMaiEHIAhBEGohCCAGQQRqIQYMAAsLIAVBAWohBQwACwsLqgMDAn8IewJ/IAJBAnQhBSAAIQ4gASEPQQAhBAJAA0AgBCACTw0BIAMEQCAO/QAEACEGIA4gBWr9AAQAIQcgDiAFQQF0av0ABAAhCCAOIAVBA2xq/QAEACEJBSAP/QAEACEGIA/9AAQQIQcgD/0ABCAhCCAP/QAEMCEJCyAGIAf9DQABAgMQERITBAUGBxQVFhchCiAGIAf9DQgJCgsYGRobDA0ODxwdHh8hCyAIIAn9DQABAgMQERITBAUGBxQVFhchDCAIIAn9DQgJCgsYGRobDA0ODxwdHh8hDSAKIAz9DQABAgMEBQYHEBESExQVFhchBiAKIAz9DQgJCgsMDQ4PGBkaGxwdHh8hByALIA39DQABAgMEBQYHEBESExQVFhchCCALIA39DQgJCgsMDQ4PGBkaGxwdHh8hCSADBEAgDyAG/QsEACAPIAf9CwQQIA8gCP0LBCAgDyAJ/QsEMAUgDiAG/QsEACAOIAVqIAf9CwQAIA4gBUEBdGogCP0LBAAgDiAFQQNsaiAJ/QsEAAsgDkEQaiEOIA9BwABqIQ8gBEEEaiEEDAALCwvEBAMHfwN7AX8gAkEEdCETQQAhCQJAA0AgCSABTw0BIAAgCSACbEEFdGohCiAKIAcgAkEBEAEgCiATaiAHIBNqIAJBARAB/QwAAAAAAAAAAAAAAAAAAAAAIRD9DAAAAAAAAAAAAAAAAAAAAAAhEUEAIQwgByENIAchDiAIIQ8gAyELAkADQCALRQ0BIBAgDf0ABAD95AEhECARIA0gE2r9AAQA/eQBIREgDUEQaiENIAxBAWohDCALQQFrIQsMAAsLIAQhCwJAA0AgC0UNASAQIA39AAQA/eQBIRAgESANIBNq/QAEAP3kASERIA1BEGohDSAMQQFqIQwgDLP9EyESIA8gECAS/ecB/QsEACAPIBNqIBEgEv3nAf0LBAAgD0EQaiEPIAtBAWshCwwACwsgDLP9EyESIAUhCwJAA0AgC0UNASAQIA39AAQA/eQBIA79AAQA/eUBIRAgESANIBNq/QAEAP3kASAOIBNq/QAEAP3lASERIA8gECAS/ecB/QsEACAPIBNqIBEgEv3nAf0LBAAgDUEQaiENIA5BEGohDiAPQRBqIQ8gC0EBayELDAALCyAGIQsCQANAIAtFDQEgECAO/QAEAP3lASEQIBEgDiATav0ABAD95QEhESAOQRBqIQ4gDEEBayEMIAyz/RMhEiAPIBAgEv3nAf0LBAAgDyATaiARIBL95wH9CwQAIA9BEGohDyALQQFrIQsMAAsLIAogCCACQQAQASAKIBNqIAggE2ogAkEAEAEgCUEBaiEJDAALCwvIBAMLfwN7An8gAUECdCEJQQEhFwJAA0AgF0EESw0BIAIgAyAEIAUgF0EDRhsgF0ECRhsgF0EBRhshGEEAIQoCQANAIAogGE8NASAXQQJNBEAgC0EBaiELCyAXQQRGBEAgC0EBayELCyALs/0TIRYgACAMIAlsaiEQIAYgDCAHcCAJbGohEiAGIA0gB3AgCWxqIRMgACAOIAlsaiERQQAhDyAXQQFGBEACQANAIA8gCU8NASAQIA9q/QAEACEUIBIgD2ogFP0LBAAgCCAPaiAIIA9q/QAEACAU/eQB/QsEACAPQRBqIQ8MAAsLCyAXQQJGBEACQANAIA8gCU8NASAQIA9q/QAEACEUIBIgD2ogFP0LBAAgCCAPav0ABAAgFP3kASEVIAggD2ogFf0LBAAgESAPaiAVIBb95wH9CwQAIA9BEGohDwwACwsLIBdBA0YEQAJAA0AgDyAJTw0BIBAgD2r9AAQAIRQgEiAPaiAU/QsEACAIIA9q/QAEACAU/eQBIBMgD2r9AAQA/eUBIRUgCCAPaiAV/QsEACARIA9qIBUgFv3nAf0LBAAgD0EQaiEPDAALCwsgF0EERgRAAkADQCAPIAlPDQEgCCAPav0ABAAgEyAPav0ABAD95QEhFSAIIA9qIBX9CwQAIBEgD2ogFSAW/ecB/QsEACAPQRBqIQ8MAAsLCyAXQQNNBEAgDEEBaiEMCyAXQQNPBEAgDUEBaiENCyAXQQJPBEAgDkEBaiEOCyAKQQFqIQoMAAsLIBdBAWohFwwACwsLlAECAX8DeyAHs/0TIQtBACEIAkADQCAIIAZPDQEgBCAIav0ABAAhCiAAQQFxBEAgASAIav0ABAAhCSACIAhqIAn9CwQAIAogCf3kASEKCyAAQQRxBEAgCiADIAhq/QAEAP3lASEKCyAEIAhqIAr9CwQAIABBAnEEQCAFIAhqIAogC/3nAf0LBAALIAhBEGohCAwACwsL2QICA38Ce0EAIQUCQANAIAVBEE8NAUEAIQYCQANAIAZBwABPDQH9DAAAAAAAAAAAAAAAAAAAAAAhCEEAIQcCQANAIAdBwABPDQEgASAFQQZ0IAdqQQJ0av0JAgAhCSAIIAkgACAHQQZ0IAZqQQJ0av0ABAD95gH95AEhCCAHQQFqIQcMAAsLIAMgBUEGdCAGakECdGogCP0LBAAgBkEEaiEGDAALCyAFQQFqIQUMAAsLQQAhBQJAA0AgBUEQTw0BQQAhBgJAA0AgBkEQTw0B/QwAAAAAAAAAAAAAAAAAAAAAIQhBACEHAkADQCAHQcAATw0BIAMgBUEGdCAHakECdGr9CQIAIQkgCCAJIAIgB0EEdCAGakECdGr9AAQA/eYB/eQBIQggB0EBaiEHDAALCyAEIAVBBHQgBmpBAnRqIAj9CwQAIAZBBGohBgwACwsgBUEBaiEFDAALCws=';

/** Repetition counts of a box filter's four phases (fill, grow, slide, shrink), as pdq.ts computes them. */
export interface BoxPhases {
  p1: number;
  p2: number;
  p3: number;
  p4: number;
}

/** The PDQ kernel's functions (see pdq-kernel.wat), for planes.ts's streamed filter. */
export interface PdqKernelExports {
  memory: WasmMemory;
  luma(src: number, dst: number, width: number, height: number, stride: number): void;
  boxRows(
    buf: number, strips: number, stride: number,
    p1: number, p2: number, p3: number, p4: number, scratchIn: number, scratchOut: number,
  ): void;
  boxColumns(
    buf: number, stride: number, p1: number, p2: number, p3: number, p4: number,
    ring: number, slots: number, sums: number,
  ): void;
  columnStep(
    mode: number, row: number, ringIn: number, ringOld: number, sums: number, out: number, bytes: number, count: number,
  ): void;
  dct(a: number, d: number, dt: number, t: number, b: number): void;
}
type KernelExports = PdqKernelExports;

const KERNEL = new WasmKernel<KernelExports>(KERNEL_BASE64);

function loadKernel(): KernelExports | null {
  return KERNEL.get();
}

/**
 * The loaded PDQ kernel (on the shared memory), or null without WebAssembly SIMD.
 *
 * @returns the kernel's functions and memory
 */
export function pdqKernel(): PdqKernelExports | null {
  return loadKernel();
}

/**
 * Whether the SIMD kernel is in use on this thread (false: pdq.ts's TypeScript passes).
 *
 * @returns true when WebAssembly SIMD is available and the kernel loaded.
 */
export function pdqKernelAvailable(): boolean {
  return loadKernel() !== null;
}

const align4 = (n: number): number => (n + 3) & ~3;
const align8 = (n: number): number => (n + 7) & ~7;
const align16 = (n: number): number => (n + 15) & ~15;

/** A PDQ float luma plane in kernel memory: rows of `stride` floats (a multiple of 4), whole 8-row strips (boxRows's unit). */
interface FloatPlane {
  /** Byte offset, 16-aligned. */
  at: number;
  width: number;
  height: number;
  stride: number;
}

/** The float plane's row stride for an image `width` wide. */
export function floatPlaneStride(width: number): number {
  return align4(width);
}

/** Bytes of a float plane of `height` rows (rounded up to a whole strip). */
function floatPlaneBytes(width: number, height: number): number {
  return 4 * floatPlaneStride(width) * align8(height);
}

/**
 * Box filter along rows, down columns, along rows again on a float luma
 * plane already in kernel memory (the first three passes of PDQ's tent
 * filter), then the values of the columns the decimation samples. Scratch
 * is reserved from {@link kernelArena} and given back.
 *
 * @param k - the loaded kernel
 * @param plane - the luma plane; overwritten
 * @returns `height × picks.length` floats, row-major
 * @throws RangeError when the kernel memory cannot grow
 */
function filterPlane(
  k: KernelExports,
  plane: FloatPlane,
  alongRows: BoxPhases,
  alongCols: BoxPhases,
  colWindow: number,
  picks: Int32Array,
): Float32Array {
  const { at: buf, height, stride } = plane;
  const strips = align8(height) >> 3;
  const slots = colWindow + 1;
  const mark = kernelArena.top;
  try {
    const scratchIn = kernelArena.alloc(k.memory, 32 * stride);
    const scratchOut = kernelArena.alloc(k.memory, 32 * stride);
    const sums = kernelArena.alloc(k.memory, 4 * stride);
    const ring = kernelArena.alloc(k.memory, 4 * slots * stride);
    // Rows past the image (up to a whole strip) may hold stale bytes read as
    // floats; zero them so no lane computes on NaN or denormal junk.
    new Float32Array(k.memory.buffer, buf + 4 * stride * height, stride * (8 * strips - height)).fill(0);
    const rowPass = (): void => {
      new Float32Array(k.memory.buffer, scratchOut, 8 * stride).fill(0);
      k.boxRows(buf, strips, stride, alongRows.p1, alongRows.p2, alongRows.p3, alongRows.p4, scratchIn, scratchOut);
    };
    rowPass();
    new Float32Array(k.memory.buffer, sums, stride).fill(0);
    k.boxColumns(buf, stride, alongCols.p1, alongCols.p2, alongCols.p3, alongCols.p4, ring, slots, sums);
    rowPass();
    const n = picks.length;
    const floats = new Float32Array(k.memory.buffer, buf, stride * height);
    const picked = new Float32Array(height * n);
    for (let r = 0; r < height; r++) {
      const src = r * stride;
      const dst = r * n;
      for (let c = 0; c < n; c++) picked[dst + c] = floats[src + picks[c]];
    }
    return picked;
  } finally {
    kernelArena.top = mark;
  }
}

/**
 * Luma, box filter along rows, along columns, along rows again — the first
 * three passes of PDQ's tent filter — then the values of the columns the
 * decimation samples. pdq.ts runs the last column pass on those alone.
 *
 * @param rgb - interleaved 8-bit RGB, `width × height × 3` bytes.
 * @param width - image width, ≥ 1.
 * @param height - image height, ≥ 1.
 * @param alongRows - phases of the box filter along each row (length `width`).
 * @param alongCols - phases of the box filter down each column (length `height`).
 * @param colWindow - the column window (its ring holds `colWindow + 1` rows).
 * @param picks - the columns to return.
 * @returns `height × picks.length` floats, row-major; or null when the kernel
 *   is unavailable or its memory cannot grow (the caller falls back).
 * @throws only on a bug in the kernel; a RangeError from growing its memory
 *   is caught and gives null.
 */
export function filteredColumnsWithKernel(
  rgb: Uint8Array,
  width: number,
  height: number,
  alongRows: BoxPhases,
  alongCols: BoxPhases,
  colWindow: number,
  picks: Int32Array,
): Float32Array | null {
  const k = loadKernel();
  if (k === null) return null;
  const stride = align4(width);
  const pixels = width * height;
  const bufBytes = floatPlaneBytes(width, height);
  const mark = kernelArena.top;
  try {
    // The RGB goes in the tail of the luma plane, far enough in that the luma
    // pass never overwrites bytes it has yet to read (each luma row is 4·stride
    // bytes against 3·width bytes of RGB), so the two need not both be resident.
    const rgbOffset = align16((height - 1) * (4 * stride - 3 * width) + stride) + 16;
    const buf = kernelArena.alloc(k.memory, Math.max(bufBytes, rgbOffset + 3 * pixels + 16) + 16);
    const rgbAt = buf + rgbOffset;
    new Uint8Array(k.memory.buffer, rgbAt, 3 * pixels).set(rgb.subarray(0, 3 * pixels));
    k.luma(rgbAt, buf, width, height, stride);
    return filterPlane(k, { at: buf, width, height, stride }, alongRows, alongCols, colWindow, picks);
  } catch (err) {
    // Memory could not grow (a huge image in a constrained process): same bits, slower.
    if (!(err instanceof RangeError)) throw err;
    kernelArena.top = mark;
    if (mark === 0) KERNEL.release();
    return null;
  } finally {
    kernelArena.top = mark;
    KERNEL.releaseIfOver(KEEP_KERNEL_MEMORY_BYTES);
  }
}

/**
 * pdq-dct.ts's `dct64To16` in the kernel, four outputs per vector: each
 * output is the same left-to-right float32 sum of rounded products, so the
 * block is bit-identical.
 *
 * @param a - the 64×64 downsample, row-major
 * @param basis - the 16×64 DCT basis (pdq-dct.ts `dctBasis`)
 * @returns the 16×16 block, or null when the kernel is unavailable or its memory cannot grow
 */
export function dctWithKernel(a: Float32Array, basis: Float32Array): Float32Array | null {
  const k = loadKernel();
  if (k === null || a.length !== 64 * 64 || basis.length !== 16 * 64) return null;
  const mark = kernelArena.top;
  try {
    const aAt = kernelArena.alloc(k.memory, 4 * 64 * 64);
    const dAt = kernelArena.alloc(k.memory, 4 * 16 * 64);
    const dtAt = kernelArena.alloc(k.memory, 4 * 16 * 64);
    const tAt = kernelArena.alloc(k.memory, 4 * 16 * 64);
    const bAt = kernelArena.alloc(k.memory, 4 * 16 * 16);
    const mem = k.memory.buffer;
    new Float32Array(mem, aAt, 64 * 64).set(a);
    new Float32Array(mem, dAt, 16 * 64).set(basis);
    const dt = new Float32Array(mem, dtAt, 16 * 64);
    for (let i = 0; i < 16; i++) for (let j = 0; j < 64; j++) dt[j * 16 + i] = basis[i * 64 + j];
    k.dct(aAt, dAt, dtAt, tAt, bAt);
    return new Float32Array(mem, bAt, 16 * 16).slice();
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    kernelArena.top = mark;
    if (mark === 0) KERNEL.release();
    return null;
  } finally {
    kernelArena.top = mark;
  }
}
