/**
 * The records that flow between the stages (walk → hash → match → report).
 *
 * Every stage may import this file and `errors.ts`; nothing else is shared.
 * Keeping the records here, and only here, is what lets each stage be read
 * (and tested) on its own.
 */
import type { ErrorCode } from './errors.js';

/** Cryptographic digests hashtriage computes. `sha512` only when a list carries it. */
export const CRYPTO_ALGORITHMS = ['md5', 'sha1', 'sha256', 'sha512', 'blake3'] as const;
/** Perceptual image hashes: imagehash 4.3.2 semantics (hash size 8) and PDQ. */
export const PERCEPTUAL_ALGORITHMS = ['ahash', 'dhash', 'phash', 'whash', 'pdq'] as const;
export const ALGORITHMS = [...CRYPTO_ALGORITHMS, ...PERCEPTUAL_ALGORITHMS] as const;

export type CryptoAlgorithm = (typeof CRYPTO_ALGORITHMS)[number];
export type PerceptualAlgorithm = (typeof PERCEPTUAL_ALGORITHMS)[number];
export type Algorithm = CryptoAlgorithm | PerceptualAlgorithm;

/** Digest length in bytes, per algorithm. Also how a bare hex value's algorithm is inferred. */
export const DIGEST_BYTES: Readonly<Record<Algorithm, number>> = Object.freeze({
  md5: 16,
  sha1: 20,
  sha256: 32,
  sha512: 64,
  blake3: 32,
  ahash: 8,
  dhash: 8,
  phash: 8,
  whash: 8,
  pdq: 32,
});

export function isCryptoAlgorithm(a: string): a is CryptoAlgorithm {
  return (CRYPTO_ALGORITHMS as readonly string[]).includes(a);
}
export function isPerceptualAlgorithm(a: string): a is PerceptualAlgorithm {
  return (PERCEPTUAL_ALGORITHMS as readonly string[]).includes(a);
}

/** Lowercase hex per algorithm; only the algorithms that were computed appear. */
export type HashValues = Partial<Record<Algorithm, string>>;

/**
 * A path as every output reports it.
 *
 * `path` is relative to the evidence root, `/`-separated. When the raw name
 * bytes are valid UTF-8, `path` is exactly that text. When they are not,
 * each byte that is not part of a valid UTF-8 sequence is written `\xHH`
 * and `pathBytes` carries the exact raw bytes in base64: its presence is the
 * signal that `path` is a rendering, and it is what makes the name reversible.
 */
export interface ReportedPath {
  path: string;
  pathBytes?: string;
}

/** The exact raw bytes of a reported path (the inverse of the rendering rule above). */
export function pathBytesOf(p: ReportedPath): Buffer {
  return p.pathBytes !== undefined ? Buffer.from(p.pathBytes, 'base64') : Buffer.from(p.path, 'utf8');
}

/** A per-file failure: a value that flows to the report and the audit log, never an exception. */
export interface FileFailure {
  code: ErrorCode;
  message: string;
}

/** What the walk yields: one record for every directory entry below the root. */
export type WalkEntry =
  | (ReportedPath & {
      kind: 'file';
      /** Absolute path bytes, for opening. Bytes, because names need not be UTF-8. */
      abs: Buffer;
      size: number;
      /** Device and inode, to recognise the same file reached twice (hard links). */
      dev: number;
      ino: number;
      mtimeMs: number;
    })
  | (ReportedPath & {
      /** Recorded but not opened: symlinks are never followed, special files never read. */
      kind: 'skipped';
      reason: 'symlink' | 'fifo' | 'socket' | 'block-device' | 'char-device' | 'unknown-type';
    })
  | (ReportedPath & {
      kind: 'error';
      failure: FileFailure;
    });

/** Facts about a decoded image. Never pixels. */
export interface ImageFacts {
  /** Container format detected from magic bytes (jpeg, png, gif, webp, tiff, bmp, ...). */
  format: string;
  width: number;
  height: number;
  /** PDQ quality 0..100, when PDQ was computed. */
  pdqQuality?: number;
  /** Near-uniform luminance: such an image is never matched perceptually (unless configured). */
  lowInformation?: boolean;
  /**
   * The perceptual hashes come from a reduced decode (`--fast-decode`) of
   * this width×height JPEG, not from the full image: not bit-exact.
   */
  reducedFrom?: { width: number; height: number };
}

/** What hashing one file produced. A failure to decode still carries the cryptographic hashes. */
export interface HashOutcome {
  /** Bytes read. */
  size: number;
  hashes: HashValues;
  image?: ImageFacts;
  /** Empty when everything asked for was computed. */
  failures: FileFailure[];
}

/** `notable`: material to find. `known`: known-good (NSRL, CAID known files), counted but not reported. */
export type Role = 'notable' | 'known';

/** Metadata of one list entry, as reported beside a match. Never image content. */
export interface ListEntry {
  /** Name of the source (imported file) the entry came from. */
  source: string;
  role: Role;
  /** VICS category, raw as the agency wrote it (e.g. "1", "2", "3"), and its categorisation region. */
  category?: string;
  categoryRegion?: string;
  series?: string;
  victimIdentified?: boolean;
  mediaId?: string;
  name?: string;
  size?: number;
  comment?: string;
}

/** A list source's provenance, as reported in the audit log and `list info`. */
export interface ListSource {
  name: string;
  format: string;
  fileName: string;
  sha256: string;
  importedAt: string;
  records: number;
  role: Role;
}

/** Facts about an opened hash list, for the audit log. */
export interface ListDescription {
  path: string;
  sha256: string;
  schemaVersion: number;
  sources: ListSource[];
}

/** A perceptual value held by the list, for building the in-memory index. */
export interface PerceptualValue {
  /** Opaque key for `perceptualEntries`. */
  id: number;
  value: Buffer;
  /** Flagged at import: near-uniform image; left out of matching by default. */
  lowInformation: boolean;
}

/**
 * Read access to a hash list. Implemented by `list/`, consumed by `match/`;
 * `index.ts` hands one to the other so neither imports the other.
 */
export interface HashListReader {
  /** Algorithms for which the list holds at least one value. */
  readonly algorithms: ReadonlySet<Algorithm>;
  describe(): ListDescription;
  lookupExact(algorithm: CryptoAlgorithm, digest: Buffer): ListEntry[];
  perceptualValues(algorithm: PerceptualAlgorithm): Iterable<PerceptualValue>;
  perceptualEntries(algorithm: PerceptualAlgorithm, id: number): ListEntry[];
  close(): void;
}

/** How a file matched. */
export interface MatchInfo {
  kind: 'exact' | 'perceptual';
  algorithm: Algorithm;
  /** Hamming distance; 0 for exact matches. */
  distance: number;
  /** Perceptual only: the file's hash came from a reduced decode (`--fast-decode`), not the full image. */
  reducedDecode?: true;
}

/** One reported match: a file copy and the list entries it matched through one hash. */
export interface MatchRecord extends ReportedPath {
  size: number;
  hashes: HashValues;
  match: MatchInfo;
  entries: ListEntry[];
}

/** Everything a scan needs, checked once at the edge (src/cli/config.ts) and frozen. */
export interface ScanConfig {
  /** Evidence root, absolute and resolved (symlinks in the root's own path resolved once, never below it). */
  readonly evidence: string;
  /** Hash list (SQLite), absolute. */
  readonly list: string;
  /** Case dir for every output, absolute; never inside the evidence tree. */
  readonly caseDir: string;
  readonly caseId?: string;
  readonly examiner?: string;
  readonly threads: number;
  readonly resume: boolean;
  /** Show the progress line (only drawn when stderr is a terminal). */
  readonly progress: boolean;
  /** Ed25519 private key (PEM text) to sign the closing chain head. */
  readonly signKeyPem?: string;
  /** The command line as given, for the audit log. */
  readonly commandLine: readonly string[];
  readonly chunkSize: number;
  readonly inFlightPerThread: number;
  readonly checkpointSeconds: number;
  /**
   * Report zero-byte files whose digest a list holds as notable. Off by default: an
   * empty file holds no picture, and a list that carries the empty-file digest would
   * flag every empty file on the drive. Such files are counted (`emptyListed`).
   */
  readonly matchEmptyFiles: boolean;
  readonly perceptual: PerceptualConfig;
}

export interface PerceptualConfig {
  readonly thresholds: Readonly<Record<PerceptualAlgorithm, number>>;
  readonly pdqMinQuality: number;
  readonly maxPixels: number;
  readonly maxImageBytes: number;
  readonly lowInformationThreshold: number;
  readonly matchLowInformationFiles: boolean;
  readonly matchLowInformationEntries: boolean;
  /** Decode large JPEGs reduced (`--fast-decode`): faster, hashes no longer bit-exact. */
  readonly fastDecode: boolean;
}

/** `hashtriage hash`: which files, which algorithms. */
export interface HashConfig {
  readonly inputs: readonly string[];
  readonly algorithms: readonly Algorithm[];
  readonly threads: number;
  readonly json: boolean;
  readonly chunkSize: number;
  readonly inFlightPerThread: number;
  readonly perceptual: PerceptualConfig;
}
