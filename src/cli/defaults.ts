/**
 * Every default in one place. The CLI reference (docs/cli.md) is generated
 * from the commander definitions, which read their defaults from here.
 */
import { availableParallelism } from 'node:os';
import { DEFAULT_LOW_INFORMATION_STDDEV } from '../index.js';
import type { PerceptualAlgorithm } from '../types.js';

export const DEFAULTS = Object.freeze({
  /** One worker per core: hashing is CPU-bound once the page cache is warm. */
  threads: Math.max(1, availableParallelism()),
  /** Read size per chunk. 1 MiB amortises the digest call overhead; memory per file stays at this. */
  chunkSize: 1 << 20,
  /** Files in flight per worker thread: enough to keep workers busy while the walk stats the next files. */
  inFlightPerThread: 4,
  /**
   * Pixel limit for decoding, as a defence against decompression bombs. Pillow
   * refuses images over twice its MAX_IMAGE_PIXELS (178,956,970 pixels), so an
   * agency's imagehash could not have hashed a larger image either.
   */
  maxPixels: 178_956_970,
  /** Image files larger than this are not decoded (their cryptographic hashes still are). */
  maxImageBytes: 256 * 1024 * 1024,
  /**
   * Largest Hamming distance counted as a perceptual match, from the accuracy
   * evaluation (docs/accuracy.md): the widest radius with no false match
   * between different photographs, less a margin. aHash, dHash and wHash
   * then match little more than near-identical copies: on real photographs
   * unrelated pictures come within 2-3 bits of each other. PDQ keeps the
   * reference systems' 31, which the evaluation shows to be conservative.
   */
  thresholds: Object.freeze({ ahash: 2, dhash: 1, phash: 10, whash: 0, pdq: 31 } satisfies Record<PerceptualAlgorithm, number>),
  /** Luminance standard deviation below which an image is low-information (defined where it is measured). */
  lowInformationThreshold: DEFAULT_LOW_INFORMATION_STDDEV,
  /** PDQ hashes below this quality are not matched (the reference systems discard quality < 50). */
  pdqMinQuality: 50,
  /** Seconds between progress checkpoints in the audit log. */
  checkpointSeconds: 30,
  /** Algorithms `hashtriage hash` prints when --algorithms is not given. */
  hashAlgorithms: Object.freeze(['md5', 'sha1', 'sha256', 'blake3'] as const),
});
