/**
 * The messages between the main thread and the hashing workers.
 *
 * Hashing a file is two tasks: `digest` reads the file once and computes the
 * cryptographic digests, keeping the bytes of an image; `perceptual` decodes
 * those bytes. The main thread sits between the two so that it can skip the
 * decode for known-good files and for content it has already decoded, which
 * only it can know (it holds the list and the per-scan cache).
 */
import type { CryptoAlgorithm, FileFailure, HashValues, ImageFacts, PerceptualAlgorithm } from '../types.js';

export interface DigestTask {
  /** Absolute path bytes (names need not be UTF-8). */
  abs: Uint8Array;
  algorithms: CryptoAlgorithm[];
  chunkSize: number;
  /** Keep the content of a recognised image up to this many bytes, for a later perceptual task; 0 never. */
  keepImagesUpTo: number;
}

export interface DigestResult {
  size: number;
  hashes: HashValues;
  failures: FileFailure[];
  noatime: boolean;
  /** Format recognised from the magic bytes, if an image. */
  imageFormat?: string;
  /** The image's bytes, transferred (not copied) back to the main thread. */
  imageBytes?: Uint8Array;
  /** Worker wall time for reading and digesting, in ms (for `hashtriage bench`). */
  ms?: number;
}

export interface PerceptualTask {
  bytes: Uint8Array;
  algorithms: PerceptualAlgorithm[];
  maxPixels: number;
  /** Standard-deviation threshold below which an image counts as low-information. */
  lowInformationThreshold: number;
  /** Decode large JPEGs reduced (decode.ts `fastDecode`). */
  fastDecode?: boolean;
}

export interface PerceptualResult {
  hashes: HashValues;
  image?: ImageFacts;
  /** PDQ's eight dihedral variants, when PDQ was asked for: rotated and mirrored copies match through them. */
  pdqDihedral?: string[];
  failures: FileFailure[];
  /** Worker wall time for the decode, in ms (for `hashtriage bench`). */
  decodeMs?: number;
  /** Worker wall time for the hashes after the decode, in ms (for `hashtriage bench`). */
  hashMs?: number;
}
