/**
 * Loading the hand-written WebAssembly kernels (planes-kernel, pillow-kernel,
 * haar-kernel, pdq-kernel) and the one memory they share.
 *
 * All kernels of a thread import the same memory, so a decoded image is
 * copied in once and every kernel works on the planes where they lie: the
 * 'L' plane the resampler reads is the one the conversion wrote, and the
 * resized whash image is read by the haar kernel without leaving the memory.
 * A bump allocator ({@link kernelArena}) hands out the space; each user marks
 * it before and resets it after, so nothing outlives one image.
 *
 * WebAssembly memory cannot shrink: when an unusually large image has grown
 * it past a bound, the memory and every instance on it are dropped and made
 * afresh on next use. Each kernel has a TypeScript fallback that gives the
 * same bits, used when WebAssembly SIMD is unavailable.
 */

// The project compiles against lib ES2022 without DOM, which has no
// WebAssembly declarations; these are the few members used.
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
  Memory: new (descriptor: { initial: number }) => WasmMemory;
}

const PAGE = 65536;

/**
 * The memory every kernel of this thread imports, replaced (with every
 * instance) by {@link releaseKernelMemory}. `generation` tells a kernel that
 * its instance belongs to a dropped memory.
 */
let shared: WasmMemory | undefined;
let generation = 0;

function sharedMemory(wasm: WasmApi): WasmMemory {
  shared ??= new wasm.Memory({ initial: 1 });
  return shared;
}

/**
 * Drops the shared memory and every kernel instance on it; the next kernel
 * use makes a fresh (small) memory. Used after a failed grow and when a huge
 * image has left the memory larger than is worth keeping.
 */
export function releaseKernelMemory(): void {
  shared = undefined;
  generation++;
  kernelArena.top = 0;
}

/**
 * Drops the shared memory if it has grown past `bytes`, so a huge image's
 * memory can be collected; call only when no kernel data is live.
 *
 * @param bytes - the largest memory worth keeping for the next image
 */
export function releaseKernelMemoryIfOver(bytes: number): void {
  // Only between images: while anything is reserved, its offsets must stay valid.
  if (kernelArena.top === 0 && shared !== undefined && shared.buffer.byteLength > bytes) releaseKernelMemory();
}

/**
 * How much kernel memory a thread keeps between images. Measured after one
 * image: a 12-megapixel photo leaves 73 MiB (its 'L' plane and whash's
 * 2048-pixel haar levels), a 24-megapixel one 86 MiB; a 48-megapixel one
 * needs more and gives it back after use. The three separate kernel
 * memories this replaced kept up to 3 × 64 MiB.
 */
export const KEEP_KERNEL_MEMORY_BYTES = 128 * 1024 * 1024;

const align16 = (n: number): number => (n + 15) & ~15;

/**
 * A bump allocator over the shared memory. Offsets stay valid until the
 * memory is released; `buffer` views must be taken after the last `alloc`
 * that may grow it (a grow detaches earlier views).
 */
export const kernelArena = {
  top: 0,
  /**
   * Reserves `bytes` (16-byte aligned, with 16 spare bytes after, since the
   * kernels may read one vector past an end), growing the memory as needed.
   *
   * @param memory - the kernel memory (from a kernel's `memory` export)
   * @param bytes - bytes wanted
   * @returns the offset of the reserved space
   * @throws RangeError when the memory cannot grow that far
   */
  alloc(memory: WasmMemory, bytes: number): number {
    const at = this.top;
    const top = align16(at + bytes + 16);
    const need = top - memory.buffer.byteLength;
    if (need > 0) memory.grow(Math.ceil(need / PAGE));
    this.top = top;
    return at;
  },
};

/** One kernel: its module, compiled once per thread, and its instance on the current shared memory. */
export class WasmKernel<T extends { memory: WasmMemory }> {
  readonly #base64: string;
  #module: object | null | undefined;
  #instance: T | null | undefined;
  #generation = -1;

  /** @param base64 the assembled .wasm binary (importing `env.memory`), base64-encoded. */
  constructor(base64: string) {
    this.#base64 = base64;
  }

  /**
   * The kernel's exports plus the shared `memory`, or null when WebAssembly
   * SIMD is unavailable (use the fallback). Never throws.
   */
  get(): T | null {
    if (this.#instance === null) return null;
    if (this.#instance !== undefined && this.#generation === generation && shared !== undefined) return this.#instance;
    try {
      const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
      if (this.#module === undefined) {
        const bytes = Buffer.from(this.#base64, 'base64');
        this.#module = wasm !== undefined && wasm.validate(bytes) ? new wasm.Module(bytes) : null;
      }
      if (wasm === undefined || this.#module === null) {
        this.#instance = null;
      } else {
        const memory = sharedMemory(wasm);
        const exports = new wasm.Instance(this.#module, { env: { memory } }).exports as object;
        this.#instance = { ...exports, memory } as T;
        this.#generation = generation;
      }
    } catch {
      this.#module = null;
      this.#instance = null;
    }
    return this.#instance;
  }

  /** Drops the shared memory and every instance on it (see {@link releaseKernelMemory}). */
  release(): void {
    releaseKernelMemory();
  }

  /** {@link releaseKernelMemoryIfOver}. */
  releaseIfOver(bytes: number): void {
    releaseKernelMemoryIfOver(bytes);
  }
}
