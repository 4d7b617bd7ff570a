/**
 * One decode feeding every perceptual algorithm asked for.
 *
 * Bad images are values: a decode failure comes back in `failures` and the
 * caller still reports the file's cryptographic hashes.
 */
import { performance } from 'node:perf_hooks';
import { decodeImage } from './decode.js';
import { imageHashes, type ImagehashAlgorithm } from './imagehash.js';
import { isLowInformation } from './low-information.js';
import { pdqDihedral } from './pdq.js';
import type { PerceptualResult, PerceptualTask } from './tasks.js';

const IMAGEHASH: readonly string[] = ['ahash', 'dhash', 'phash', 'whash'];

/** Decodes `bytes` once at full resolution and computes the requested perceptual hashes. */
export async function perceptualHashes(
  bytes: Buffer,
  task: Pick<PerceptualTask, 'algorithms' | 'maxPixels' | 'lowInformationThreshold'>,
): Promise<PerceptualResult> {
  const started = performance.now();
  const decoded = await decodeImage(bytes, { maxPixels: task.maxPixels });
  const decodeMs = performance.now() - started;
  if ('code' in decoded) return { hashes: {}, failures: [decoded], decodeMs };
  const result: PerceptualResult = {
    hashes: {},
    image: {
      format: decoded.format,
      width: decoded.width,
      height: decoded.height,
      lowInformation: isLowInformation(decoded, task.lowInformationThreshold),
    },
    failures: [],
    decodeMs,
  };
  const imagehash = task.algorithms.filter((a): a is ImagehashAlgorithm => IMAGEHASH.includes(a));
  if (imagehash.length > 0) Object.assign(result.hashes, imageHashes(decoded, imagehash));
  if (task.algorithms.includes('pdq')) {
    const pdq = pdqDihedral(decoded);
    result.hashes.pdq = pdq.hashes.original;
    result.image!.pdqQuality = pdq.quality;
    result.pdqDihedral = Object.values(pdq.hashes);
  }
  result.hashMs = performance.now() - started - decodeMs;
  return result;
}
