/**
 * The Matcher against a small in-memory list: perceptual matches at the
 * threshold edge, known-good entries, and the mark a reduced decode leaves.
 */
import { describe, expect, it } from 'vitest';
import { Matcher } from '../../src/match/match.js';
import type { Algorithm, HashListReader, ListEntry, PerceptualAlgorithm, PerceptualValue } from '../../src/types.js';

const NOTABLE: ListEntry = { source: 'agency', role: 'notable', category: '1' };
const KNOWN: ListEntry = { source: 'nsrl', role: 'known' };

/** A list holding pHash values only: id → value and entry. */
function reader(values: { hex: string; entry: ListEntry }[]): HashListReader {
  return {
    algorithms: new Set<Algorithm>(['phash']),
    describe: () => ({ sha256: '', schemaVersion: 1, sources: [] }) as never,
    lookupExact: () => [],
    *perceptualValues(alg: PerceptualAlgorithm): Iterable<PerceptualValue> {
      if (alg !== 'phash') return;
      for (const [id, v] of values.entries()) yield { id, value: Buffer.from(v.hex, 'hex'), lowInformation: false };
    },
    perceptualEntries: (_alg, id) => [values[id]!.entry],
    close: () => undefined,
  };
}

function matcher(values: { hex: string; entry: ListEntry }[]): Matcher {
  const m = new Matcher(reader(values), {
    thresholds: { ahash: 2, dhash: 1, phash: 10, whash: 0, pdq: 31 },
    pdqMinQuality: 50,
    matchLowInformationFiles: false,
    matchLowInformationEntries: false,
  });
  m.loadPerceptual();
  return m;
}

const IMAGE = { format: 'jpeg', width: 2048, height: 1536 };

describe('Matcher.perceptual', () => {
  it('matches at the threshold and not one bit past it; known-good entries alone never match', () => {
    const m = matcher([
      { hex: 'ffc0000000000000', entry: NOTABLE }, // 10 bits from 0
      { hex: 'ffe0000000000000', entry: NOTABLE }, // 11 bits
      { hex: '0000000000000001', entry: KNOWN },
    ]);
    const got = m.perceptual({ phash: '0000000000000000' }, IMAGE);
    expect(got).toEqual([{ match: { kind: 'perceptual', algorithm: 'phash', distance: 10 }, entries: [NOTABLE] }]);
  });

  it('marks a match whose hash came from a reduced decode, and only then', () => {
    const m = matcher([{ hex: '00000000000000ff', entry: NOTABLE }]);
    const reduced = m.perceptual({ phash: '0000000000000000' }, { ...IMAGE, reducedFrom: { width: 4000, height: 3000 } });
    expect(reduced.map((r) => r.match)).toEqual([{ kind: 'perceptual', algorithm: 'phash', distance: 8, reducedDecode: true }]);
    const exact = m.perceptual({ phash: '0000000000000000' }, IMAGE);
    expect(exact[0]!.match).not.toHaveProperty('reducedDecode');
  });
});
