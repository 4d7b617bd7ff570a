/**
 * Matching a file's hashes against the list: exactly, then by Hamming distance.
 *
 * The list stays in SQLite for exact look-ups (one indexed probe per digest).
 * Perceptual values are loaded once into an in-memory multi-index, because a
 * distance query cannot use a B-tree.
 */
import { HammingIndex, hexToBytes } from './hamming-index.js';
import type {
  CryptoAlgorithm,
  HashListReader,
  HashValues,
  ImageFacts,
  ListEntry,
  MatchInfo,
  PerceptualAlgorithm,
} from '../types.js';
import { CRYPTO_ALGORITHMS, PERCEPTUAL_ALGORITHMS } from '../types.js';

export interface MatcherOptions {
  /** Largest Hamming distance that counts as a perceptual match, per algorithm. */
  thresholds: Readonly<Record<PerceptualAlgorithm, number>>;
  /** PDQ hashes of files below this quality are not matched (the reference systems use 50). */
  pdqMinQuality: number;
  /** Match files whose luminance is near-uniform (off by default: blank images flood the results). */
  matchLowInformationFiles: boolean;
  /** Match list entries flagged low-information at import (off by default, for the same reason). */
  matchLowInformationEntries: boolean;
}

/** What one file's hashes matched. */
export interface FileMatch {
  match: MatchInfo;
  entries: ListEntry[];
}

export interface ExactOutcome {
  /** The exact match to report, if any entry is notable. */
  notable?: FileMatch;
  /** True when the file matched known-good entries only: counted, not reported, not decoded. */
  knownGood: boolean;
}

/** Strongest first: the algorithm named in an exact match record. */
const EXACT_PREFERENCE: readonly CryptoAlgorithm[] = ['sha256', 'sha512', 'blake3', 'sha1', 'md5'];

/** Identity of an entry for de-duplication across the digests of one list record. */
function entryKey(e: ListEntry): string {
  return JSON.stringify(e, Object.keys(e).sort());
}

/**
 * Matches hashes against one opened hash list.
 *
 * @example
 * const m = new Matcher(openHashList('list.sqlite'), defaults);
 * const { notable, knownGood } = m.exact({ md5: '…', sha1: '…' });
 */
export class Matcher {
  readonly #reader: HashListReader;
  readonly #options: MatcherOptions;
  readonly #indexes = new Map<PerceptualAlgorithm, HammingIndex>();

  constructor(reader: HashListReader, options: MatcherOptions) {
    this.#reader = reader;
    this.#options = options;
  }

  /** The cryptographic digests the list can match: compute only these (plus what the user asks for). */
  get cryptoAlgorithms(): CryptoAlgorithm[] {
    return CRYPTO_ALGORITHMS.filter((a) => this.#reader.algorithms.has(a));
  }

  /** The perceptual hashes the list can match. */
  get perceptualAlgorithms(): PerceptualAlgorithm[] {
    return PERCEPTUAL_ALGORITHMS.filter((a) => this.#reader.algorithms.has(a));
  }

  /**
   * Builds the in-memory indexes of perceptual values. Separate from the
   * constructor so the caller can report progress: it reads every value.
   *
   * @returns how many values were indexed and how many were left out as low-information.
   */
  loadPerceptual(): { indexed: number; lowInformationSkipped: number } {
    let indexed = 0;
    let lowInformationSkipped = 0;
    for (const alg of this.perceptualAlgorithms) {
      const index = new HammingIndex(alg === 'pdq' ? 256 : 64);
      for (const v of this.#reader.perceptualValues(alg)) {
        if (v.lowInformation && !this.#options.matchLowInformationEntries) {
          lowInformationSkipped++;
          continue;
        }
        index.add(v.id, v.value);
        indexed++;
      }
      index.build();
      this.#indexes.set(alg, index);
    }
    return { indexed, lowInformationSkipped };
  }

  /** Exact look-up of every digest the list holds. */
  exact(hashes: HashValues): ExactOutcome {
    const byKey = new Map<string, ListEntry>();
    let algorithm: CryptoAlgorithm | undefined;
    for (const alg of EXACT_PREFERENCE) {
      const hex = hashes[alg];
      if (hex === undefined || !this.#reader.algorithms.has(alg)) continue;
      const found = this.#reader.lookupExact(alg, Buffer.from(hex, 'hex'));
      if (found.length === 0) continue;
      algorithm ??= alg;
      for (const e of found) byKey.set(entryKey(e), e);
    }
    if (algorithm === undefined) return { knownGood: false };
    const entries = [...byKey.values()];
    if (!entries.some((e) => e.role === 'notable')) return { knownGood: true };
    return { knownGood: false, notable: { match: { kind: 'exact', algorithm, distance: 0 }, entries } };
  }

  /**
   * Perceptual matches of one decoded image: one record per algorithm, at the
   * nearest distance found. Known-good entries alone never make a match.
   *
   * @param dihedral PDQ's rotated and mirrored variants; the nearest of them counts.
   */
  perceptual(hashes: HashValues, image: ImageFacts | undefined, dihedral?: readonly string[]): FileMatch[] {
    if (image?.lowInformation && !this.#options.matchLowInformationFiles) return [];
    const out: FileMatch[] = [];
    for (const [alg, index] of this.#indexes) {
      const hex = hashes[alg];
      if (hex === undefined) continue;
      if (alg === 'pdq' && (image?.pdqQuality ?? 0) < this.#options.pdqMinQuality) continue;
      const radius = this.#options.thresholds[alg];
      const best = new Map<number, number>();
      for (const q of alg === 'pdq' && dihedral ? dihedral : [hex]) {
        for (const hit of index.query(hexToBytes(q), radius)) {
          const d = best.get(hit.id);
          if (d === undefined || hit.distance < d) best.set(hit.id, hit.distance);
        }
      }
      if (best.size === 0) continue;
      const byKey = new Map<string, ListEntry>();
      let distance = Infinity;
      for (const [id, d] of best) {
        const entries = this.#reader.perceptualEntries(alg, id).filter((e) => e.role === 'notable');
        if (entries.length === 0) continue;
        distance = Math.min(distance, d);
        for (const e of entries) byKey.set(entryKey(e), e);
      }
      if (byKey.size > 0) {
        const match: FileMatch['match'] = { kind: 'perceptual', algorithm: alg, distance, ...(image?.reducedFrom ? { reducedDecode: true as const } : {}) };
        out.push({ match, entries: [...byKey.values()] });
      }
    }
    return out.sort((a, b) => a.match.distance - b.match.distance);
  }
}
