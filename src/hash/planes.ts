/**
 * A decoded image's full-resolution work, done in one sweep down the image
 * in the kernels' shared memory: Pillow's 'L' plane (what every imagehash
 * resize reads) and PDQ's whole tent filter (luma, box filter along rows,
 * down columns, along rows again), leaving only the 64 columns PDQ samples.
 *
 * The pixels go through in strips of eight rows: a strip is converted in
 * one pass (planes-kernel.wat, copied into kernel memory first; or its AVX2
 * twin, reading the strip where it lies) to 'L' rows and PDQ float rows; the float rows are filtered along, fed to a running
 * column filter, and its output rows, eight at a time, filtered along again
 * and sampled. Nothing the size of the image exists in floats: the working
 * set is a few rows plus the column filter's window, which stays in cache,
 * where filtering whole planes read and wrote 4 bytes per pixel five times.
 * Each float goes through the same operations in the same order as in the
 * whole-plane filter, so the bits are the same (pdq.ts, pdq-kernel.wat).
 */
import { nativeKernels } from './native-kernels.js';
import { floatPlaneStride, pdqKernel, type PdqKernelExports } from './pdq-kernel.js';
import type { PdqFilterSpec } from './pdq.js';
import { kernelArena, WasmKernel, type WasmMemory } from './wasm-kernel.js';

/**
 * planes-kernel.wat assembled by `wat2wasm` (wabt 1.0.32), base64.
 * Regenerate after editing the .wat: `wat2wasm planes-kernel.wat -o k.wasm && base64 -w0 k.wasm`.
 * SHA-256 of the binary: a984b0c9bae0c3fb348d1fd8a0bd55ff231d196c2ed6444f34025b4a42d4ddb6.
 */
const KERNEL_BASE64 =
  'AGFzbQEAAAABEwJgB39/f39/f38AYAV/f39/fwACDwEDZW52Bm1lbW9yeQIAAQMDAgABBxcCBnBsYW5lcwAACnJvd1J1blN1bXMAAQqXCgLECAIFfxR7QYCAAv0RIRdBi5kB/RAhGEHGrAL9ECEZQa86/RAhGv0MhxaZPocWmT6HFpk+hxaZPiEb/QyiRRY/okUWP6JFFj+iRRY/IRz9DNV46T3VeOk91XjpPdV46T0hHUEAIQcCQANAIAcgA08NASAAIAcgAmwgAWxqIQkgBCAHIAJsaiEKIAUgByAGbEECdGohC0EAIQgCQANAIAggAk8NASABQQNGBEAgCf0AAAAhDCAJ/QAAECENIAn9AAAgIQ4gDCAN/Q0AAwYJDA8SFRgbHgAAAAAAIA79DQABAgMEBQYHCAkKERQXGh0hECAMIA39DQEEBwoNEBMWGRwfAAAAAAAgDv0NAAECAwQFBgcICQoSFRgbHiERIAwgDf0NAgUICw4RFBcaHQAAAAAAACAO/Q0AAQIDBAUGBwgJEBMWGRwfIRIgCUEwaiEJBSABQQRGBEAgCf0AAAAhDCAJ/QAAECENIAn9AAAgIQ4gCf0AADAhDyAMIA39DQAECAwQFBgcAQUJDREVGR0hEyAOIA/9DQAECAwQFBgcAQUJDREVGR0hECATIBD9DQgJCgsMDQ4PGBkaGxwdHh8hESATIBD9DQABAgMEBQYHEBESExQVFhchECAMIA39DQIGCg4SFhoeAwcLDxMXGx8hEyAOIA/9DQIGCg4SFhoeAwcLDxMXGx8hEiATIBL9DQABAgMEBQYHEBESExQVFhchEiAJQcAAaiEJBSAJ/QAAACEQIBAhESAQIRIgCUEQaiEJCwsgAUEBRgRAIAogEP0LAAAFIBD9iQEhFCAR/YkBIRUgEv2JASEWIBcgFCAY/b4B/a4BIBUgGf2+ASAWIBr9vgH9rgH9rgFBEP2tASAXIBQgGP2/Af2uASAVIBn9vwEgFiAa/b8B/a4B/a4BQRD9rQH9hgEhHiAQ/YoBIRQgEf2KASEVIBL9igEhFiAXIBQgGP2+Af2uASAVIBn9vgEgFiAa/b4B/a4B/a4BQRD9rQEgFyAUIBj9vwH9rgEgFSAZ/b8BIBYgGv2/Af2uAf2uAUEQ/a0B/YYBIR8gCiAeIB/9Zv0LAAALIAUEQCAQ/YkBIRQgEf2JASEVIBL9iQEhFiALIBT9qQH9+gEgG/3mASAV/akB/foBIBz95gH95AEgFv2pAf36ASAd/eYB/eQB/QsCACALIBT9qgH9+gEgG/3mASAV/aoB/foBIBz95gH95AEgFv2qAf36ASAd/eYB/eQB/QsCECAQ/YoBIRQgEf2KASEVIBL9igEhFiALIBT9qQH9+gEgG/3mASAV/akB/foBIBz95gH95AEgFv2pAf36ASAd/eYB/eQB/QsCICALIBT9qgH9+gEgG/3mASAV/aoB/foBIBz95gH95AEgFv2qAf36ASAd/eYB/eQB/QsCMAsgCkEQaiEKIAtBwABqIQsgCEEQaiEIDAALCyAHQQFqIQcMAAsLC84BAwN/AXsCf0EAIQVBACEGAkADQCAFIAJPDQEgASAFQQJ0aigCACEH/QwAAAAAAAAAAAAAAAAAAAAAIQgCQANAIARBAUcNASAGQRBqIAdLDQEgCCAAIAZq/QAAAP19/X/9rgEhCCAGQRBqIQYMAAsLIAj9GwAgCP0bAWogCP0bAiAI/RsDamohCQJAA0AgBiAHTw0BIAkgACAGai0AAGohCSAGIARqIQYMAAsLIAMgBUECdGohCiAKIAooAgAgCWo2AgAgBUEBaiEFDAALCws=';

interface KernelExports {
  memory: WasmMemory;
  planes(src: number, channels: number, width: number, height: number, luma: number, floats: number, stride: number): void;
  rowRunSums(row: number, runEnds: number, runs: number, sums: number, step: number): void;
}

const KERNEL = new WasmKernel<KernelExports>(KERNEL_BASE64);

/**
 * The conversion pass over `rows` rows of `pixels` from row `y0`: in C,
 * reading the rows where they are, where the native kernels run (the same
 * bytes: native-kernels.ts); otherwise copied to `inAt` in kernel memory
 * and converted there.
 */
function convertRows(
  k: KernelExports, pixels: Uint8Array, channels: number, width: number, y0: number, rows: number,
  inAt: number, luma: number, floats: number, stride: number,
): void {
  const native = nativeKernels();
  if (native !== undefined) {
    native.planesFrom(pixels, y0, k.memory.buffer, channels, width, rows, luma, floats, stride);
    return;
  }
  const row = width * channels;
  new Uint8Array(k.memory.buffer, inAt, rows * row).set(pixels.subarray(y0 * row, (y0 + rows) * row));
  k.planes(inAt, channels, width, rows, luma, floats, stride);
}

/** Whether the planes kernel (and so the in-memory pipeline) is usable on this thread. */
export function planesKernelAvailable(): boolean {
  return KERNEL.get() !== null;
}

/** An image after {@link preparePlanes}. */
export interface ImagePlanes {
  width: number;
  height: number;
  /** Offset of the 'L' plane in kernel memory: `width*height` bytes, rows back to back. */
  lumaAt: number;
  /** PDQ's sampled columns after the whole tent filter (`height × 64`), when a filter spec was given. */
  pdqFiltered?: Float32Array;
}

/** Channel layouts the kernel reads: grey, RGB, RGBA (alpha ignored, as Pillow's convert('L') does). */
export type PlaneChannels = 1 | 3 | 4;

/** Rows per strip: PDQ's row filter (pdq-kernel.wat boxRows) sweeps eight rows at once, four per SIMD vector. */
const STRIP = 8;

/**
 * Converts decoded pixels to the 'L' plane in kernel memory and, given PDQ's
 * filter parameters, runs PDQ's whole tent filter on the way (see the file
 * comment).
 *
 * The 'L' plane stays reserved in {@link kernelArena}: the caller resets the
 * arena when done with it. Everything else is given back before returning.
 *
 * @param pixels - interleaved 8-bit samples, `width*height*channels` bytes
 * @param channels - 1 (grey), 3 (RGB) or 4 (RGBA)
 * @param width - ≥ 1
 * @param height - ≥ 1
 * @param pdq - PDQ's filter parameters for this size (pdq.ts `pdqFilterSpec`), or undefined for no PDQ
 * @returns where the 'L' plane is, and PDQ's filtered columns when asked for
 * @throws RangeError when a kernel is unavailable, the arguments are
 *   inconsistent, or the kernel memory cannot grow
 */
export function preparePlanes(
  pixels: Uint8Array,
  channels: PlaneChannels,
  width: number,
  height: number,
  pdq?: PdqFilterSpec,
): ImagePlanes {
  const k = KERNEL.get();
  const q = pdqKernel();
  if (k === null || q === null) throw new RangeError('the planes kernel is unavailable');
  checkArguments(pixels, channels, width, height);
  const stride = floatPlaneStride(width);
  const rowBytes = 4 * stride;
  const stripBytes = STRIP * rowBytes;
  const lumaAt = kernelArena.alloc(k.memory, width * height);
  const mark = kernelArena.top;
  try {
    // +16 pixels may be read past a strip's input, and up to 15 floats written past a row.
    const inAt = kernelArena.alloc(k.memory, STRIP * width * channels + 16 * channels);
    // Without PDQ no float rows are written (the kernel takes offset 0 as "none").
    const rowsAt = pdq === undefined ? 0 : kernelArena.alloc(k.memory, stripBytes + 64);
    const filter = pdq === undefined ? undefined : new StreamFilter(q, pdq, height, stride);
    for (let y0 = 0; y0 < height; y0 += STRIP) {
      const rows = Math.min(STRIP, height - y0);
      convertRows(k, pixels, channels, width, y0, rows, inAt, lumaAt + y0 * width, rowsAt, stride);
      filter?.addStrip(rowsAt, rows);
    }
    return { width, height, lumaAt, pdqFiltered: filter?.finish() };
  } finally {
    kernelArena.top = mark;
  }
}

function checkArguments(pixels: Uint8Array, channels: number, width: number, height: number): void {
  if (!(Number.isInteger(width) && Number.isInteger(height) && width >= 1 && height >= 1)) {
    throw new RangeError(`invalid image size ${width}x${height}`);
  }
  if (![1, 3, 4].includes(channels)) throw new RangeError(`channels must be 1, 3 or 4, got ${channels}`);
  if (pixels.length < width * height * channels) throw new RangeError('pixel buffer too short');
}

/**
 * PDQ's tent filter over a stream of float rows, in strips of eight: rows
 * (boxRows on one strip), then a running column filter whose state is the
 * column sums and a ring of the last `window + 1` input rows (boxColumns,
 * one row per columnStep), then rows again on each eight output rows, of
 * which only the sampled columns are kept; the last column pass runs on
 * those at the end. The column filter's four phases (fill, grow, slide,
 * shrink) are stepped exactly as boxColumns steps them.
 */
class StreamFilter {
  readonly #k: PdqKernelExports;
  readonly #spec: PdqFilterSpec;
  readonly #height: number;
  readonly #stride: number;
  readonly #rowBytes: number;
  readonly #slots: number;
  readonly #scratchIn: number;
  readonly #scratchOut: number;
  readonly #ring: number;
  readonly #sums: number;
  readonly #outRows: number;
  readonly #picked: number;
  #fed = 0;
  #count = 0;
  #ri = 0;
  #li = 0;
  #oi = 0;

  constructor(k: PdqKernelExports, spec: PdqFilterSpec, height: number, stride: number) {
    this.#k = k;
    this.#spec = spec;
    this.#height = height;
    this.#stride = stride;
    this.#rowBytes = 4 * stride;
    this.#slots = spec.colWindow + 1;
    const alloc = (bytes: number): number => kernelArena.alloc(k.memory, bytes);
    this.#scratchIn = alloc(STRIP * this.#rowBytes);
    this.#scratchOut = alloc(STRIP * this.#rowBytes);
    this.#ring = alloc(this.#slots * this.#rowBytes);
    this.#sums = alloc(this.#rowBytes);
    this.#outRows = alloc(STRIP * this.#rowBytes);
    this.#picked = alloc(4 * spec.picks.length * height);
    // Lanes past the image hold whatever the memory held: zero them once so that
    // no lane ever computes on NaN or denormal junk (they never reach a real output).
    const mem = new Uint8Array(k.memory.buffer);
    mem.fill(0, this.#scratchOut, this.#scratchOut + STRIP * this.#rowBytes);
    mem.fill(0, this.#sums, this.#sums + this.#rowBytes);
    mem.fill(0, this.#outRows, this.#outRows + STRIP * this.#rowBytes);
  }

  /** Filters a strip of `rows` (1..4) float rows at `at` along, then feeds them to the column filter. */
  addStrip(at: number, rows: number): void {
    if (rows < STRIP) new Uint8Array(this.#k.memory.buffer).fill(0, at + rows * this.#rowBytes, at + STRIP * this.#rowBytes);
    this.#rowPass(at);
    for (let r = 0; r < rows; r++) this.#feed(at + r * this.#rowBytes);
  }

  /** Runs the column filter's shrink phase and the last column pass; returns the sampled columns, `height × 64`. */
  finish(): Float32Array {
    const { p4 } = this.#spec.alongCols;
    for (let i = 0; i < p4; i++) {
      this.#count--;
      this.#step(6, 0);
      this.#li++;
    }
    const partial = this.#oi % STRIP;
    if (partial !== 0) this.#flush(this.#oi - partial, partial);
    const k = this.#k;
    const n = this.#spec.picks.length;
    const { p1, p2, p3, p4: q4 } = this.#spec.alongCols;
    const mark = kernelArena.top;
    try {
      const ring = kernelArena.alloc(k.memory, 4 * n * this.#slots);
      const sums = kernelArena.alloc(k.memory, 4 * n);
      new Float32Array(k.memory.buffer, sums, n).fill(0);
      k.boxColumns(this.#picked, n, p1, p2, p3, q4, ring, this.#slots, sums);
      return new Float32Array(k.memory.buffer, this.#picked, n * this.#height).slice();
    } finally {
      kernelArena.top = mark;
    }
  }

  #rowPass(at: number): void {
    const { p1, p2, p3, p4 } = this.#spec.alongRows;
    this.#k.boxRows(at, 1, this.#stride, p1, p2, p3, p4, this.#scratchIn, this.#scratchOut);
  }

  /** One input row through the column filter's fill, grow or slide step. */
  #feed(row: number): void {
    const { p1, p2 } = this.#spec.alongCols;
    const t = this.#fed++;
    if (t < p1) {
      this.#count++;
      this.#step(1, row);
      this.#ri++;
    } else if (t < p1 + p2) {
      this.#count++;
      this.#step(3, row);
      this.#ri++;
    } else {
      this.#step(7, row);
      this.#ri++;
      this.#li++;
    }
  }

  /** One columnStep; an output row, when the mode writes one, goes to the strip of output rows. */
  #step(mode: number, row: number): void {
    const slot = (i: number): number => this.#ring + (i % this.#slots) * this.#rowBytes;
    const writes = (mode & 2) !== 0;
    const out = this.#outRows + (this.#oi % STRIP) * this.#rowBytes;
    this.#k.columnStep(mode, row, slot(this.#ri), slot(this.#li), this.#sums, out, this.#rowBytes, this.#count);
    if (!writes) return;
    this.#oi++;
    if (this.#oi % STRIP === 0) this.#flush(this.#oi - STRIP, STRIP);
  }

  /** Filters the strip of output rows along and keeps the sampled columns of its first `rows` rows. */
  #flush(firstRow: number, rows: number): void {
    this.#rowPass(this.#outRows);
    const { picks } = this.#spec;
    const n = picks.length;
    const mem = this.#k.memory.buffer;
    const src = new Float32Array(mem, this.#outRows, STRIP * this.#stride);
    const dst = new Float32Array(mem, this.#picked + 4 * n * firstRow, n * rows);
    for (let r = 0; r < rows; r++) {
      const s = r * this.#stride;
      for (let c = 0; c < n; c++) dst[r * n + c] = src[s + picks[c]];
    }
  }
}

/**
 * Sums runs of 'L' rows in the kernel (16 bytes at a time when every byte is
 * read), for the low-information measure: `sumRow(y)` returns, for each run
 * c, the sum of every `step`-th byte of row y's [runEnd[c-1], runEnd[c])
 * (run 0 from 0). The view it returns is reused by the next call. `done()`
 * gives back the kernel memory.
 *
 * @param p - the planes (the 'L' plane is read)
 * @param runEnd - increasing run ends on the lattice (multiples of `step` after the start), at most `p.width + step`
 * @param step - the lattice step along a row, ≥ 1
 * @throws RangeError when the kernel is unavailable or its memory cannot grow
 */
export function rowRunSummer(p: ImagePlanes, runEnd: Int32Array, step: number): { sumRow(y: number): Int32Array; done(): void } {
  const k = KERNEL.get();
  if (k === null) throw new RangeError('the planes kernel is unavailable');
  const mark = kernelArena.top;
  const n = runEnd.length;
  const endsAt = kernelArena.alloc(k.memory, 4 * n);
  const sumsAt = kernelArena.alloc(k.memory, 4 * n);
  new Int32Array(k.memory.buffer, endsAt, n).set(runEnd);
  const sums = new Int32Array(k.memory.buffer, sumsAt, n);
  return {
    sumRow(y: number): Int32Array {
      sums.fill(0);
      k.rowRunSums(p.lumaAt + y * p.width, endsAt, n, sumsAt, step);
      return sums;
    },
    done(): void {
      kernelArena.top = mark;
    },
  };
}

/**
 * The conversion pass alone, on a whole image, as ordinary arrays (for tests
 * and comparison): the 'L' bytes and PDQ's float luma, `width*height` each,
 * rows back to back. Reserves and gives back its kernel memory.
 *
 * @throws RangeError as {@link preparePlanes}
 */
export function planesAsArrays(
  pixels: Uint8Array,
  channels: PlaneChannels,
  width: number,
  height: number,
): { luma: Uint8Array; floats: Float32Array } {
  const k = KERNEL.get();
  if (k === null) throw new RangeError('the planes kernel is unavailable');
  checkArguments(pixels, channels, width, height);
  const stride = floatPlaneStride(width);
  const bytes = width * height * channels;
  const mark = kernelArena.top;
  try {
    const inAt = kernelArena.alloc(k.memory, bytes + 16 * channels);
    const lumaAt = kernelArena.alloc(k.memory, width * height);
    const floatsAt = kernelArena.alloc(k.memory, 4 * stride * height + 64);
    convertRows(k, pixels, channels, width, 0, height, inAt, lumaAt, floatsAt, stride);
    const luma = new Uint8Array(k.memory.buffer, lumaAt, width * height).slice();
    const all = new Float32Array(k.memory.buffer, floatsAt, stride * height);
    const floats = new Float32Array(width * height);
    for (let y = 0; y < height; y++) floats.set(all.subarray(y * stride, y * stride + width), y * width);
    return { luma, floats };
  } finally {
    kernelArena.top = mark;
  }
}
