/**
 * Loading the hand-written WebAssembly kernels (pillow-kernel, haar-kernel,
 * pdq-kernel): compiled once per thread, instantiated on demand, and dropped
 * when an unusually large image has grown their memory, because WebAssembly
 * memory cannot shrink. Each kernel has a TypeScript fallback that gives the
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
}

/** One kernel: its module, compiled once, and the current instance. */
export class WasmKernel<T extends { memory: WasmMemory }> {
  readonly #base64: string;
  #module: object | null | undefined;
  #instance: T | null | undefined;

  /** @param base64 the assembled .wasm binary, base64-encoded. */
  constructor(base64: string) {
    this.#base64 = base64;
  }

  /** The kernel's exports, or null when WebAssembly SIMD is unavailable (use the fallback). */
  get(): T | null {
    if (this.#instance !== undefined) return this.#instance;
    try {
      const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
      if (this.#module === undefined) {
        const bytes = Buffer.from(this.#base64, 'base64');
        this.#module = wasm !== undefined && wasm.validate(bytes) ? new wasm.Module(bytes) : null;
      }
      this.#instance = wasm === undefined || this.#module === null ? null : (new wasm.Instance(this.#module, {}).exports as T);
    } catch {
      this.#module = null;
      this.#instance = null;
    }
    return this.#instance;
  }

  /** Drops the instance (and its memory); the next `get()` makes a fresh one. */
  release(): void {
    if (this.#instance !== null) this.#instance = undefined;
  }

  /** Drops the instance if its memory has grown past `bytes`, so a huge image's memory can be collected. */
  releaseIfOver(bytes: number): void {
    if (this.#instance && this.#instance.memory.buffer.byteLength > bytes) this.#instance = undefined;
  }
}
