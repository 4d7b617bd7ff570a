/**
 * One decode feeding every perceptual algorithm asked for.
 *
 * The decoded pixels go once, in strips, through the WebAssembly kernels'
 * shared memory (planes.ts): out come the full-resolution 'L' plane and
 * PDQ's already tent-filtered sample columns. The low-information measure
 * and the imagehash resizes then read the 'L' plane where it lies.
 * Without WebAssembly SIMD, or when the kernel memory cannot grow, the same
 * hashes come from the TypeScript path (decodeImage's planes in ordinary
 * arrays).
 *
 * Bad images are values: a decode failure comes back in `failures` and the
 * caller still reports the file's cryptographic hashes.
 */
import { performance } from 'node:perf_hooks';
import { decodePixels, isFileFailure, type DecodedPixels } from './decode.js';
import { readImageHeader } from './header.js';
import { imageHashes, imageHashesOfPlane, type ImagehashAlgorithm } from './imagehash.js';
import { isLowInformation, isLowInformationPlane } from './low-information.js';
import { pdqDihedral, pdqDihedralOfFiltered, pdqFilterSpec, type PdqDihedralResult } from './pdq.js';
import { SNIFF_BYTES, sniffImageFormat } from './magic.js';
import { DECODE_BUDGET_PIXELS, PixelBudget } from './pixel-budget.js';
import { interleavedToLumaRgb } from './pillow.js';
import { rgbToLuma } from './pillow-kernel.js';
import { planesKernelAvailable, preparePlanes } from './planes.js';
import type { PerceptualResult, PerceptualTask } from './tasks.js';
import { KEEP_KERNEL_MEMORY_BYTES, kernelArena, releaseKernelMemory, releaseKernelMemoryIfOver } from './wasm-kernel.js';

const IMAGEHASH: readonly string[] = ['ahash', 'dhash', 'phash', 'whash'];

/** This thread's bound on decoded pixels held at once (see pixel-budget.ts). */
const budget = new PixelBudget(DECODE_BUDGET_PIXELS);

/**
 * The pixels a decode of `bytes` will hold, from the header where this
 * reader knows the format (JPEG, PNG, GIF, WebP); the whole budget
 * otherwise, so an image of unknown size is not decoded beside others. An
 * image over the pixel limit is refused without being decoded: 0.
 */
function pixelsToReserve(bytes: Buffer, maxPixels: number): number {
  const format = sniffImageFormat(bytes.subarray(0, SNIFF_BYTES));
  const header = format === undefined ? undefined : readImageHeader(bytes, format);
  if (header === undefined) return Math.min(maxPixels, DECODE_BUDGET_PIXELS);
  const pixels = header.width * header.height;
  return pixels > maxPixels ? 0 : pixels;
}

/** What the hashing part computes from one decoded image. */
interface Computed {
  lowInformation: boolean;
  imagehash?: Record<ImagehashAlgorithm, string>;
  pdq?: PdqDihedralResult;
}

/** Options of {@link perceptualHashes}. */
export interface PerceptualOptions {
  /** false: the TypeScript path even where the kernels are available (for tests and comparison). */
  kernel?: boolean;
}

/**
 * Decodes `bytes` once at full resolution and computes the requested perceptual hashes.
 * First waits, if need be, until this thread's decoded pixels in hand leave
 * room for the image's (pixel-budget.ts).
 *
 * @param bytes - the whole file
 * @param task - algorithms, pixel limit and low-information threshold
 * @param options - `kernel: false` forces the TypeScript path
 * @returns hashes, image facts and per-file failures; never rejects for a bad image
 * @throws RangeError only for an invalid low-information threshold (a set-up error)
 */
export async function perceptualHashes(
  bytes: Buffer,
  task: Pick<PerceptualTask, 'algorithms' | 'maxPixels' | 'lowInformationThreshold' | 'fastDecode'>,
  options: PerceptualOptions = {},
): Promise<PerceptualResult> {
  const release = await budget.reserve(pixelsToReserve(bytes, task.maxPixels));
  try {
    return await decodeAndHash(bytes, task, options);
  } finally {
    release();
  }
}

async function decodeAndHash(
  bytes: Buffer,
  task: Pick<PerceptualTask, 'algorithms' | 'maxPixels' | 'lowInformationThreshold' | 'fastDecode'>,
  options: PerceptualOptions,
): Promise<PerceptualResult> {
  const started = performance.now();
  const decoded = await decodePixels(bytes, { maxPixels: task.maxPixels, fastDecode: task.fastDecode === true });
  const decodeMs = performance.now() - started;
  if (isFileFailure(decoded)) return { hashes: {}, failures: [decoded], decodeMs };
  const imagehash = task.algorithms.filter((a): a is ImagehashAlgorithm => IMAGEHASH.includes(a));
  const wantPdq = task.algorithms.includes('pdq');
  const computed =
    (options.kernel !== false ? inKernelMemory(decoded, task.lowInformationThreshold, imagehash, wantPdq) : undefined) ??
    inArrays(decoded, task.lowInformationThreshold, imagehash, wantPdq);
  const result: PerceptualResult = {
    hashes: {},
    image: {
      format: decoded.format,
      width: decoded.width,
      height: decoded.height,
      lowInformation: computed.lowInformation,
      ...(decoded.reducedFrom ? { reducedFrom: decoded.reducedFrom } : {}),
    },
    failures: [],
    decodeMs,
  };
  if (computed.imagehash) Object.assign(result.hashes, computed.imagehash);
  if (computed.pdq) {
    result.hashes.pdq = computed.pdq.hashes.original;
    result.image!.pdqQuality = computed.pdq.quality;
    result.pdqDihedral = Object.values(computed.pdq.hashes);
  }
  result.hashMs = performance.now() - started - decodeMs;
  return result;
}

/**
 * The hashes from planes in kernel memory; undefined when the kernels are
 * unavailable or their memory cannot grow (the caller takes the array path).
 */
function inKernelMemory(
  px: DecodedPixels,
  threshold: number,
  imagehash: readonly ImagehashAlgorithm[],
  wantPdq: boolean,
): Computed | undefined {
  if (!planesKernelAvailable()) return undefined;
  // Checked before any work, as the array path does (it throws for a bad threshold).
  if (!(threshold >= 0) || !Number.isFinite(threshold)) throw new RangeError(`invalid threshold ${threshold}`);
  const mark = kernelArena.top;
  try {
    const spec = wantPdq ? pdqFilterSpec(px.width, px.height) : undefined;
    const planes = preparePlanes(px.data, px.channels, px.width, px.height, spec);
    const lowInformation = isLowInformationPlane(planes, threshold);
    const pdq = wantPdq ? pdqDihedralOfFiltered(planes.pdqFiltered, px.width, px.height) : undefined;
    const computed: Computed = { lowInformation, pdq };
    if (imagehash.length > 0) computed.imagehash = imageHashesOfPlane(planes, imagehash);
    return computed;
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    kernelArena.top = mark;
    if (mark === 0) releaseKernelMemory();
    return undefined;
  } finally {
    kernelArena.top = mark;
    releaseKernelMemoryIfOver(KEEP_KERNEL_MEMORY_BYTES);
  }
}

/** The hashes from ordinary arrays: decodeImage's 'L' and 'RGB' planes. */
function inArrays(
  px: DecodedPixels,
  threshold: number,
  imagehash: readonly ImagehashAlgorithm[],
  wantPdq: boolean,
): Computed {
  const { width, height, data, channels } = px;
  const pixels = width * height;
  let luma: Uint8Array;
  let rgb: Uint8Array;
  if (channels === 3) {
    luma = rgbToLuma(data, pixels);
    rgb = data;
  } else {
    ({ luma, rgb } = interleavedToLumaRgb(data, pixels, channels));
  }
  const img = { width, height, luma, rgb };
  const computed: Computed = { lowInformation: isLowInformation(img, threshold) };
  if (imagehash.length > 0) computed.imagehash = imageHashes(img, imagehash);
  if (wantPdq) computed.pdq = pdqDihedral(img);
  return computed;
}
