/**
 * Worker side of the accuracy evaluation (piscina task): for one source
 * image, make the listed original, make each transformed copy, and hash
 * every file exactly as a scan would (full decode, imagehash, PDQ with its
 * dihedral variants). Only hashes travel back to the main thread.
 */
import sharp from 'sharp';
import { readFile } from 'node:fs/promises';
import { syntheticImage } from '../src/cli/synthetic.js';
import { decodeImage, isFileFailure } from '../src/hash/decode.js';
import { imageHashes } from '../src/hash/imagehash.js';
import { isLowInformation } from '../src/hash/low-information.js';
import { pdqDihedral } from '../src/hash/pdq.js';
import { applyTransform, TRANSFORMS, type TransformName } from './accuracy-transforms.js';

// Several workers already run in parallel; libvips' own threads would only contend with them.
sharp.concurrency(1);

/** One source image to evaluate. */
export type SourceTask =
  | { kind: 'synthetic'; id: string; seed: number; width: number; height: number }
  | { kind: 'file'; id: string; path: string; maxSide: number };

/** The hashes a scan computes for one file. */
export interface FileHashes {
  ahash: string;
  dhash: string;
  phash: string;
  whash: string;
  /** The untransformed PDQ hash (`hashes.original` of the dihedral set, as perceptual.ts reports it). */
  pdq: string;
  /** All eight dihedral hashes; a scan matches through the nearest. */
  pdqDihedral: string[];
  pdqQuality: number;
}

/** What one source produced: its original's hashes and each copy's, or why not. */
export interface SourceResult {
  id: string;
  width: number;
  height: number;
  original?: FileHashes;
  copies: Partial<Record<TransformName, FileHashes>>;
  failures: { file: 'original' | TransformName; message: string }[];
}

/** Synthetic originals and normalised photos are stored at this JPEG quality. */
const ORIGINAL_QUALITY = 95;
/** No decompression-bomb concern here: the inputs are our own. */
const MAX_PIXELS = 1e9;

/**
 * Evaluates one source: original plus every transform. Never rejects for a
 * bad image; failures are listed in the result.
 *
 * @param task - a synthetic seed or a file path
 * @returns hashes of the original and of each copy that could be made and decoded
 */
export default async function evaluateSource(task: SourceTask): Promise<SourceResult> {
  const result: SourceResult = { id: task.id, width: 0, height: 0, copies: {}, failures: [] };
  let original: Buffer;
  try {
    original = await makeOriginal(task);
    const meta = await sharp(original).metadata();
    result.width = meta.width ?? 0;
    result.height = meta.height ?? 0;
  } catch (err) {
    result.failures.push({ file: 'original', message: errorText(err) });
    return result;
  }
  const hashed = await hashFile(original, true);
  if (typeof hashed === 'string') {
    result.failures.push({ file: 'original', message: hashed });
    return result;
  }
  result.original = hashed;
  for (const name of TRANSFORMS) {
    try {
      const copy = await applyTransform(original, result.width, result.height, name);
      const h = await hashFile(copy);
      if (typeof h === 'string') result.failures.push({ file: name, message: h });
      else result.copies[name] = h;
    } catch (err) {
      result.failures.push({ file: name, message: errorText(err) });
    }
  }
  return result;
}

/**
 * The file that stands for the listed image. Photos are scaled so the longest
 * side is at most `maxSide` (wallpapers reach 5120 px; hashing cost grows
 * with pixels while the hashes see a 64×64 or smaller image anyway) and
 * flattened onto white, then stored as JPEG like the synthetic set.
 */
async function makeOriginal(task: SourceTask): Promise<Buffer> {
  if (task.kind === 'synthetic') return syntheticImage(task.width, task.height, task.seed, 'jpeg', ORIGINAL_QUALITY);
  const bytes = await readFile(task.path);
  return sharp(bytes, { failOn: 'none' })
    .resize(task.maxSide, task.maxSide, { fit: 'inside', withoutEnlargement: true })
    .flatten({ background: '#ffffff' })
    .jpeg({ quality: ORIGINAL_QUALITY })
    .toBuffer();
}

/**
 * Decodes and hashes one file as a scan does; a string is the failure message.
 * A near-flat original is refused: the list import flags such entries and a
 * scan leaves them out of perceptual matching, so they would only measure noise.
 */
async function hashFile(bytes: Buffer, isOriginal = false): Promise<FileHashes | string> {
  const img = await decodeImage(bytes, { maxPixels: MAX_PIXELS });
  if (isFileFailure(img)) return `${img.code}: ${img.message}`;
  if (isOriginal && isLowInformation(img)) return 'low-information image (left out of perceptual matching by default)';
  const ih = imageHashes(img, ['ahash', 'dhash', 'phash', 'whash']);
  const pdq = pdqDihedral(img);
  return { ...ih, pdq: pdq.hashes.original, pdqDihedral: Object.values(pdq.hashes), pdqQuality: pdq.quality };
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
