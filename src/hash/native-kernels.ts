/**
 * The AVX2 twins of five WebAssembly kernel functions (native/kernels.c):
 * Pillow's four-row horizontal and its vertical resampling passes, the
 * 'L' + PDQ luma conversion, and whash's two full-size haar steps.
 * They work on the same offsets in the same WebAssembly memory and write the
 * same bytes; where the project's native addon is not built, or the CPU lacks
 * AVX2, the WebAssembly kernels run instead. One switch turns both off, for
 * tests and comparisons.
 */
import { loadAddon } from '../addon.js';

/** native/kernels.c's exports; `memory` is the kernels' WebAssembly memory buffer. */
export interface NativeKernels {
  /** pillow-kernel.wat `horizontal4` (`narrow` 0) or `horizontal4Narrow` (`narrow` 1). */
  horizontal4(
    memory: ArrayBuffer, src: number, srcStride: number, rows: number, outW: number, out: number, outStride: number,
    first: number, groups: number, wHi: number, wLo: number, kStride: number, narrow: number,
  ): void;
  /** pillow-kernel.wat `vertical`. */
  vertical(
    memory: ArrayBuffer, src: number, srcStride: number, width: number, outH: number, out: number, outStride: number,
    first: number, count: number, weights: number, kStride: number,
  ): void;
  /** planes-kernel.wat `planes` (kept for comparisons; planesFrom is what planes.ts calls). */
  planes(memory: ArrayBuffer, src: number, channels: number, width: number, height: number, luma: number, floats: number, stride: number): void;
  /** `planes` on `rows` rows of `pixels` from row `firstRow`, read where they are instead of from a copy in the memory. */
  planesFrom(
    pixels: Uint8Array, firstRow: number, memory: ArrayBuffer, channels: number, width: number, rows: number,
    luma: number, floats: number, stride: number,
  ): void;
  /** haar-kernel.wat `forwardBytes`. */
  haarForwardBytes(memory: ArrayBuffer, px: number, n: number, aa: number, ad: number, da: number, dd: number, table: number): void;
  /** haar-kernel.wat `inverseThenApprox`. */
  haarInverseThenApprox(memory: ArrayBuffer, aa: number, ad: number, da: number, dd: number, out: number, count: number): void;
}

const loaded = loadAddon(
  'hashtriage_kernels',
  import.meta.url,
  (x): x is NativeKernels => ['horizontal4', 'vertical', 'planes', 'planesFrom', 'haarForwardBytes', 'haarInverseThenApprox'].every((f) => typeof (x as Record<string, unknown>)[f] === 'function'),
);
let enabled = loaded.addon !== undefined;

/**
 * The native kernels, when built, supported by this CPU and not turned off.
 *
 * @returns their functions, or undefined (use the WebAssembly kernels)
 */
export function nativeKernels(): NativeKernels | undefined {
  return enabled ? loaded.addon : undefined;
}

/**
 * Turns the native kernels off or back on (the output is the same either way).
 *
 * @param on - true to use them where available
 * @returns whether they are now in use
 */
export function useNativeKernels(on: boolean): boolean {
  enabled = on && loaded.addon !== undefined;
  return enabled;
}
