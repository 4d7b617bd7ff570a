/**
 * PDQ's full-resolution float32 work — RGB → luma and the three box-filter
 * passes of the Jarosz tent filter — run by a small hand-written WebAssembly
 * SIMD kernel (pdq-kernel.wat) when the runtime has SIMD. pdq.ts keeps the
 * TypeScript passes as the fallback; both give the same bits, because wasm
 * f32 arithmetic is IEEE single precision and each SIMD lane performs one
 * output's operations in the reference's order. On a 12-megapixel photo these
 * passes are nearly all of PDQ's time.
 *
 * The module instance (and its memory) is per thread.
 */
import { WasmKernel, type WasmMemory } from './wasm-kernel.js';

/**
 * pdq-kernel.wat assembled by `wat2wasm` (wabt 1.0.32), base64.
 * Regenerate after editing the .wat: `wat2wasm pdq-kernel.wat -o k.wasm && base64 -w0 k.wasm`.
 * SHA-256 of the binary: 544c00399e4e4177ae26c13a04c2d402c50752aef733d38c1310ee9bd0e9651b.
 */
const KERNEL_BASE64 =
  'AGFzbQEAAAABHANgBX9/f39/AGAEf39/fwBgCX9/f39/f39/fwADBQQAAQICBQMBAAEHKAQGbWVtb3J5AgAEbHVtYQAAB2JveFJvd3MAAgpib3hDb2x1bW5zAAMKgg0EhAICBH8BeyAAIQdBACEFAkADQCAFIANPDQEgASAFIARsQQJ0aiEIIAAgBSACbEEDbGohB0EAIQYCQANAIAYgAk8NASAH/QAAACEJIAggCf0MAICAgAOAgIAGgICACYCAgP0O/fsB/QyHFpk+hxaZPocWmT6HFpk+/eYBIAn9DAGAgIAEgICAB4CAgAqAgID9Dv37Af0MokUWP6JFFj+iRRY/okUWP/3mAf3kASAJ/QwCgICABYCAgAiAgIALgICA/Q79+wH9DNV46T3VeOk91XjpPdV46T395gH95AH9CwQAIAdBDGohByAIQRBqIQggBkEEaiEGDAALCyAFQQFqIQUMAAsLC6oDAwJ/CHsCfyACQQJ0IQUgACEOIAEhD0EAIQQCQANAIAQgAk8NASADBEAgDv0ABAAhBiAOIAVq/QAEACEHIA4gBUEBdGr9AAQAIQggDiAFQQNsav0ABAAhCQUgD/0ABAAhBiAP/QAEECEHIA/9AAQgIQggD/0ABDAhCQsgBiAH/Q0AAQIDEBESEwQFBgcUFRYXIQogBiAH/Q0ICQoLGBkaGwwNDg8cHR4fIQsgCCAJ/Q0AAQIDEBESEwQFBgcUFRYXIQwgCCAJ/Q0ICQoLGBkaGwwNDg8cHR4fIQ0gCiAM/Q0AAQIDBAUGBxAREhMUFRYXIQYgCiAM/Q0ICQoLDA0ODxgZGhscHR4fIQcgCyAN/Q0AAQIDBAUGBxAREhMUFRYXIQggCyAN/Q0ICQoLDA0ODxgZGhscHR4fIQkgAwRAIA8gBv0LBAAgDyAH/QsEECAPIAj9CwQgIA8gCf0LBDAFIA4gBv0LBAAgDiAFaiAH/QsEACAOIAVBAXRqIAj9CwQAIA4gBUEDbGogCf0LBAALIA5BEGohDiAPQcAAaiEPIARBBGohBAwACwsLgwMCB38Ce0EAIQkCQANAIAkgAU8NASAAIAkgAmxBBHRqIQogCiAHIAJBARAB/QwAAAAAAAAAAAAAAAAAAAAAIRBBACEMIAchDSAHIQ4gCCEPIAMhCwJAA0AgC0UNASAQIA39AAQA/eQBIRAgDUEQaiENIAxBAWohDCALQQFrIQsMAAsLIAQhCwJAA0AgC0UNASAQIA39AAQA/eQBIRAgDUEQaiENIAxBAWohDCAPIBAgDLP9E/3nAf0LBAAgD0EQaiEPIAtBAWshCwwACwsgDLP9EyERIAUhCwJAA0AgC0UNASAQIA39AAQA/eQBIA79AAQA/eUBIRAgDyAQIBH95wH9CwQAIA1BEGohDSAOQRBqIQ4gD0EQaiEPIAtBAWshCwwACwsgBiELAkADQCALRQ0BIBAgDv0ABAD95QEhECAOQRBqIQ4gDEEBayEMIA8gECAMs/0T/ecB/QsEACAPQRBqIQ8gC0EBayELDAALCyAKIAggAkEAEAEgCUEBaiEJDAALCwvIBAMLfwN7An8gAUECdCEJQQEhFwJAA0AgF0EESw0BIAIgAyAEIAUgF0EDRhsgF0ECRhsgF0EBRhshGEEAIQoCQANAIAogGE8NASAXQQJNBEAgC0EBaiELCyAXQQRGBEAgC0EBayELCyALs/0TIRYgACAMIAlsaiEQIAYgDCAHcCAJbGohEiAGIA0gB3AgCWxqIRMgACAOIAlsaiERQQAhDyAXQQFGBEACQANAIA8gCU8NASAQIA9q/QAEACEUIBIgD2ogFP0LBAAgCCAPaiAIIA9q/QAEACAU/eQB/QsEACAPQRBqIQ8MAAsLCyAXQQJGBEACQANAIA8gCU8NASAQIA9q/QAEACEUIBIgD2ogFP0LBAAgCCAPav0ABAAgFP3kASEVIAggD2ogFf0LBAAgESAPaiAVIBb95wH9CwQAIA9BEGohDwwACwsLIBdBA0YEQAJAA0AgDyAJTw0BIBAgD2r9AAQAIRQgEiAPaiAU/QsEACAIIA9q/QAEACAU/eQBIBMgD2r9AAQA/eUBIRUgCCAPaiAV/QsEACARIA9qIBUgFv3nAf0LBAAgD0EQaiEPDAALCwsgF0EERgRAAkADQCAPIAlPDQEgCCAPav0ABAAgEyAPav0ABAD95QEhFSAIIA9qIBX9CwQAIBEgD2ogFSAW/ecB/QsEACAPQRBqIQ8MAAsLCyAXQQNNBEAgDEEBaiEMCyAXQQNPBEAgDUEBaiENCyAXQQJPBEAgDkEBaiEOCyAKQQFqIQoMAAsLIBdBAWohFwwACwsL';

/** Repetition counts of a box filter's four phases (fill, grow, slide, shrink), as pdq.ts computes them. */
export interface BoxPhases {
  p1: number;
  p2: number;
  p3: number;
  p4: number;
}

interface KernelExports {
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
}

// A 12-megapixel photo needs about 50 MB of kernel memory. Keeping up to this
// much per thread avoids re-faulting fresh pages for every typical photo;
// anything larger is released after use (wasm memory cannot shrink, so the
// instance is dropped and a new one made next time). Same bound as the
// Pillow kernel's.
const KEEP_MEMORY_BYTES = 64 * 1024 * 1024;

const KERNEL = new WasmKernel<KernelExports>(KERNEL_BASE64);

function loadKernel(): KernelExports | null {
  return KERNEL.get();
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
const align16 = (n: number): number => (n + 15) & ~15;

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
  const strips = align4(height) >> 2;
  const slots = colWindow + 1;
  const pixels = width * height;
  const scratchIn = 0;
  const scratchOut = 16 * stride;
  const sums = 32 * stride;
  const ring = 36 * stride;
  const buf = align16(ring + 4 * slots * stride);
  const bufBytes = 16 * stride * strips;
  // The RGB goes in the tail of the luma plane, far enough in that the luma
  // pass never overwrites bytes it has yet to read (each luma row is 4·stride
  // bytes against 3·width bytes of RGB), so the two need not both be resident.
  const rgbAt = buf + align16((height - 1) * (4 * stride - 3 * width) + stride) + 16;
  const end = Math.max(buf + bufBytes, rgbAt + 3 * pixels + 16) + 16;
  let picked: Float32Array;
  try {
    const need = end - k.memory.buffer.byteLength;
    if (need > 0) k.memory.grow(Math.ceil(need / 65536));
    new Uint8Array(k.memory.buffer, rgbAt, 3 * pixels).set(rgb.subarray(0, 3 * pixels));
    k.luma(rgbAt, buf, width, height, stride);
    // Rows past the image (up to a whole strip) may hold RGB bytes read as
    // floats; zero them so no lane computes on NaN or denormal junk.
    new Float32Array(k.memory.buffer, buf + 4 * stride * height, stride * (4 * strips - height)).fill(0);
    const rowPass = (): void => {
      new Float32Array(k.memory.buffer, scratchOut, 4 * stride).fill(0);
      k.boxRows(buf, strips, stride, alongRows.p1, alongRows.p2, alongRows.p3, alongRows.p4, scratchIn, scratchOut);
    };
    rowPass();
    new Float32Array(k.memory.buffer, sums, stride).fill(0);
    k.boxColumns(buf, stride, alongCols.p1, alongCols.p2, alongCols.p3, alongCols.p4, ring, slots, sums);
    rowPass();
    const plane = new Float32Array(k.memory.buffer, buf, stride * height);
    const n = picks.length;
    picked = new Float32Array(height * n);
    for (let r = 0; r < height; r++) {
      const src = r * stride;
      const dst = r * n;
      for (let c = 0; c < n; c++) picked[dst + c] = plane[src + picks[c]];
    }
  } catch (err) {
    // Memory could not grow (a huge image in a constrained process): same bits, slower.
    if (!(err instanceof RangeError)) throw err;
    KERNEL.release();
    return null;
  } finally {
    KERNEL.releaseIfOver(KEEP_MEMORY_BYTES);
  }
  return picked;
}
