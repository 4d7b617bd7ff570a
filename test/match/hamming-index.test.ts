import { describe, it, expect } from 'vitest';
import {
  HammingIndex,
  hammingDistance,
  hexToBytes,
  type HammingMatch,
  type HammingStrategy,
} from '../../src/match/hamming-index.js';
import { popcount32, popcount64 } from '../../src/match/popcount.js';
import { HashtriageError } from '../../src/errors.js';
// Seeded, so every failure is reproducible.
import { prng } from '../../src/cli/synthetic.js';


function randomBytes(rand: () => number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(rand() * 256);
  return out;
}

/** A copy of `v` with `flips` distinct random bits inverted. */
function flipBits(rand: () => number, v: Uint8Array, flips: number): Uint8Array {
  const out = Uint8Array.from(v);
  const bits = v.length * 8;
  const chosen = new Set<number>();
  while (chosen.size < Math.min(flips, bits)) chosen.add(Math.floor(rand() * bits));
  for (const b of chosen) out[b >> 3] ^= 0x80 >> (b & 7);
  return out;
}

interface Entry {
  id: number;
  value: Uint8Array;
}

/** Uniform codes. */
function uniform(rand: () => number, n: number, bytes: number): Entry[] {
  return Array.from({ length: n }, (_, i) => ({ id: i + 1, value: randomBytes(rand, bytes) }));
}

/**
 * What real lists look like: near-duplicate clusters around a few centres,
 * a block of near-zero codes (flat images), exact duplicates, and the rest uniform.
 */
function clustered(rand: () => number, n: number, bytes: number): Entry[] {
  const centres = Array.from({ length: 12 }, () => randomBytes(rand, bytes));
  const zero = new Uint8Array(bytes);
  const out: Entry[] = [];
  for (let i = 0; i < n; i++) {
    const u = rand();
    let value: Uint8Array;
    if (u < 0.45) value = flipBits(rand, centres[Math.floor(rand() * centres.length)], Math.floor(rand() * 8));
    else if (u < 0.65) value = flipBits(rand, zero, Math.floor(rand() * 4));
    else if (u < 0.7 && out.length > 0) value = out[Math.floor(rand() * out.length)].value;
    else value = randomBytes(rand, bytes);
    out.push({ id: 1000 + i, value });
  }
  return out;
}

function buildIndex(bits: 64 | 256, entries: Entry[], strategy: HammingStrategy = 'auto'): HammingIndex {
  const index = new HammingIndex(bits, { strategy });
  for (const e of entries) index.add(e.id, e.value);
  index.build();
  return index;
}

/** The reference answer: every entry's distance, filtered and ordered as query() promises. */
function bruteForce(entries: Entry[], q: Uint8Array, radius: number): HammingMatch[] {
  return filterSorted(distancesTo(entries, q), radius);
}

function distancesTo(entries: Entry[], q: Uint8Array): HammingMatch[] {
  return entries.map((e) => ({ id: e.id, distance: hammingDistance(e.value, q) }));
}

function filterSorted(all: HammingMatch[], radius: number): HammingMatch[] {
  return all.filter((m) => m.distance <= radius).sort((x, y) => x.distance - y.distance || x.id - y.id);
}

/** Queries: unrelated codes, and stored codes moved by a few to a few dozen bits. */
function queries(rand: () => number, entries: Entry[], bytes: number, count: number, maxFlips: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    if (i % 4 === 0 || entries.length === 0) out.push(randomBytes(rand, bytes));
    else out.push(flipBits(rand, entries[Math.floor(rand() * entries.length)].value, Math.floor(rand() * maxFlips)));
  }
  return out;
}

/**
 * Checks every query at every radius against the brute force, and returns
 * how many answers came from the index path (so a test can insist it ran).
 */
function expectSameAsBruteForce(index: HammingIndex, entries: Entry[], qs: Uint8Array[], radii: number[]): number {
  let viaIndex = 0;
  for (const q of qs) {
    const all = distancesTo(entries, q);
    for (const r of radii) {
      const got = index.query(q, r);
      expect(got).toEqual(filterSorted(all, r));
      if (index.lastQuery.strategy === 'index') viaIndex++;
    }
  }
  return viaIndex;
}

describe('popcount', () => {
  it('counts bits of 32- and 64-bit values like a bit-by-bit loop', () => {
    const rand = prng(1);
    const slow = (x: number) => {
      let c = 0;
      for (let i = 0; i < 32; i++) c += (x >>> i) & 1;
      return c;
    };
    for (let i = 0; i < 2000; i++) {
      const a = Math.floor(rand() * 2 ** 32);
      const b = Math.floor(rand() * 2 ** 32);
      expect(popcount32(a)).toBe(slow(a));
      expect(popcount64(a, b)).toBe(slow(a) + slow(b));
    }
    expect(popcount32(0xffffffff)).toBe(32);
    expect(popcount32(-1)).toBe(32);
    expect(popcount64(0xffffffff, 0xffffffff)).toBe(64);
    expect(popcount64(0, 0)).toBe(0);
  });
});

describe('hexToBytes and hammingDistance', () => {
  it('parses hex in either case, first byte first', () => {
    expect([...hexToBytes('00ff10Ab')]).toEqual([0x00, 0xff, 0x10, 0xab]);
    expect(hexToBytes('')).toHaveLength(0);
  });

  it('rejects odd-length and non-hex input with INTERNAL', () => {
    for (const bad of ['abc', 'zz', '0x12', '12 4']) {
      expect(() => hexToBytes(bad)).toThrow(HashtriageError);
      try {
        hexToBytes(bad);
      } catch (e) {
        expect((e as HashtriageError).code).toBe('INTERNAL');
      }
    }
  });

  it('counts differing bits', () => {
    expect(hammingDistance(hexToBytes('0000000000000000'), hexToBytes('ffffffffffffffff'))).toBe(64);
    expect(hammingDistance(hexToBytes('8000000000000001'), hexToBytes('0000000000000000'))).toBe(2);
    expect(hammingDistance(hexToBytes('f0'.repeat(32)), hexToBytes('0f'.repeat(32)))).toBe(256);
    expect(() => hammingDistance(new Uint8Array(8), new Uint8Array(32))).toThrow(HashtriageError);
  });
});

describe('HammingIndex on 64-bit codes', () => {
  it('answers exactly like a linear scan on uniform data, radii 0..16 and beyond', () => {
    const rand = prng(42);
    const entries = uniform(rand, 6000, 8);
    const index = buildIndex(64, entries);
    expect(index.size).toBe(6000);
    expect(index.slotWidths.reduce((a, b) => a + b, 0)).toBe(64);
    const qs = queries(rand, entries, 8, 60, 14);
    const viaIndex = expectSameAsBruteForce(index, entries, qs, [0, 1, 2, 3, 4, 5, 6, 8, 10, 12, 14, 16, 24, 64]);
    expect(viaIndex).toBeGreaterThan(0);
  });

  it('answers exactly on clustered data (near-duplicates, near-zero codes, exact duplicates)', () => {
    const rand = prng(7);
    const entries = clustered(rand, 5000, 8);
    const index = buildIndex(64, entries);
    const qs = queries(rand, entries, 8, 60, 12);
    qs.push(new Uint8Array(8), flipBits(rand, new Uint8Array(8), 2));
    const viaIndex = expectSameAsBruteForce(index, entries, qs, [0, 2, 4, 8, 10, 12, 20]);
    expect(viaIndex).toBeGreaterThan(0);
  });

  it('keeps every radius exact when the index path is forced, however large the radius', () => {
    const rand = prng(99);
    const entries = [...uniform(rand, 1500, 8), ...clustered(rand, 1500, 8)];
    const index = buildIndex(64, entries, 'index');
    const qs = queries(rand, entries, 8, 25, 20);
    const radii = [0, 1, 3, 7, 9, 11, 15, 17, 23, 31, 40, 64];
    const viaIndex = expectSameAsBruteForce(index, entries, qs, radii);
    expect(viaIndex).toBe(qs.length * radii.length);
  });

  it('falls back to a linear scan when the buckets would cost more, with the same answer', () => {
    const rand = prng(5);
    const entries = uniform(rand, 4000, 8);
    const index = buildIndex(64, entries);
    const q = entries[17].value;
    // Radius 30 on 64 bits: the slot balls cover most of each table.
    expect(index.query(q, 30)).toEqual(bruteForce(entries, q, 30));
    expect(index.lastQuery.strategy).toBe('linear');
    expect(index.lastQuery.candidates).toBe(4000);
    // A tight radius on the same index stays on the index path.
    expect(index.query(q, 2)).toEqual(bruteForce(entries, q, 2));
    expect(index.lastQuery.strategy).toBe('index');
    expect(index.lastQuery.candidates).toBeLessThan(4000);
  });

  it('falls back when one huge near-zero bucket would be visited', () => {
    const rand = prng(11);
    const zeros: Entry[] = Array.from({ length: 3000 }, (_, i) => ({
      id: i,
      value: flipBits(rand, new Uint8Array(8), i % 3),
    }));
    const entries = [...zeros, ...uniform(rand, 1000, 8).map((e) => ({ ...e, id: e.id + 10000 }))];
    const index = buildIndex(64, entries);
    const q = new Uint8Array(8);
    const got = index.query(q, 10);
    expect(got).toEqual(bruteForce(entries, q, 10));
    expect(got.length).toBeGreaterThanOrEqual(3000);
    expect(index.lastQuery.strategy).toBe('linear');
  });

  it('radius 0 finds exactly the equal codes; duplicates keep their own ids', () => {
    const rand = prng(3);
    const entries = uniform(rand, 3000, 8);
    const twin = entries[100].value;
    entries.push({ id: 77777, value: Uint8Array.from(twin) }, { id: 5, value: Uint8Array.from(twin) });
    const index = buildIndex(64, entries);
    const got = index.query(twin, 0);
    expect(got).toEqual([
      { id: 5, distance: 0 },
      { id: entries[100].id, distance: 0 },
      { id: 77777, distance: 0 },
    ]);
    expect(index.lastQuery.strategy).toBe('index');
  });

  it('the same id added twice with different values is found through either', () => {
    const index = new HammingIndex(64, { strategy: 'index' });
    index.add(9, hexToBytes('0000000000000000'));
    index.add(9, hexToBytes('ffffffffffffffff'));
    index.build();
    expect(index.query(hexToBytes('0000000000000001'), 3)).toEqual([{ id: 9, distance: 1 }]);
    expect(index.query(hexToBytes('fffffffffffffff0'), 3)).toEqual([]);
    expect(index.query(hexToBytes('fffffffffffffff0'), 4)).toEqual([{ id: 9, distance: 4 }]);
  });

  it('an empty index answers nothing, on either path', () => {
    for (const strategy of ['auto', 'index', 'linear'] as const) {
      const index = new HammingIndex(64, { strategy });
      index.build();
      expect(index.size).toBe(0);
      expect(index.query(new Uint8Array(8), 64)).toEqual([]);
    }
  });

  it('a radius above the code length returns everything; a negative one nothing', () => {
    const rand = prng(8);
    const entries = uniform(rand, 50, 8);
    const index = buildIndex(64, entries, 'index');
    const q = randomBytes(rand, 8);
    expect(index.query(q, 1000)).toEqual(bruteForce(entries, q, 64));
    expect(index.query(q, 1000)).toHaveLength(50);
    expect(index.query(q, -1)).toEqual([]);
    expect(index.query(q, 9.7)).toEqual(bruteForce(entries, q, 9));
  });

  it('keeps ids that do not fit 32 bits exactly', () => {
    const ids = [2 ** 40 + 3, -12, 0.5, 4294967295];
    const index = new HammingIndex(64, { strategy: 'index' });
    const v = hexToBytes('0123456789abcdef');
    for (const id of ids) index.add(id, v);
    index.build();
    expect(index.query(v, 0).map((m) => m.id)).toEqual([...ids].sort((a, b) => a - b));
  });

  it('the linear-only strategy answers the same as the index', () => {
    const rand = prng(21);
    const entries = clustered(rand, 2500, 8);
    const linear = buildIndex(64, entries, 'linear');
    const indexed = buildIndex(64, entries, 'index');
    expect(linear.slotWidths).toEqual([]);
    for (const q of queries(rand, entries, 8, 30, 10)) {
      for (const r of [0, 5, 10]) {
        expect(linear.query(q, r)).toEqual(indexed.query(q, r));
        expect(linear.lastQuery.strategy).toBe('linear');
      }
    }
  });

  it('reports the bytes its arrays hold', () => {
    const rand = prng(4);
    const index = buildIndex(64, uniform(rand, 5000, 8));
    const m = index.slotWidths.length;
    // codes + Uint32 ids + (m - 1) posting lists, plus the tables
    expect(index.byteLength).toBeGreaterThanOrEqual(5000 * (8 + 4 + 4 * (m - 1)));
    expect(index.byteLength).toBeLessThan(8 * 1024 * 1024);
  });

  it('stays exact past 65,536 codes with a huge near-zero bucket', () => {
    const rand = prng(6464);
    const entries: Entry[] = Array.from({ length: 72000 }, (_, i) =>
      i < 68000
        ? { id: i, value: flipBits(rand, new Uint8Array(8), i % 10 === 0 ? 1 + (i % 3) : 0) }
        : { id: i, value: randomBytes(rand, 8) },
    );
    const index = buildIndex(64, entries, 'index');
    const qs = [...queries(rand, entries.slice(68000), 8, 10, 12), new Uint8Array(8), flipBits(rand, new Uint8Array(8), 3)];
    for (const q of qs) {
      const all = distancesTo(entries, q);
      for (const r of [0, 2, 10]) expect(index.query(q, r)).toEqual(filterSorted(all, r));
    }
  });

  it('rejects misuse with INTERNAL and bad options with USAGE_INVALID_OPTION', () => {
    const index = new HammingIndex(64);
    expect(() => index.add(1, new Uint8Array(32))).toThrow(/8-byte/);
    expect(() => index.add(Number.NaN, new Uint8Array(8))).toThrow(HashtriageError);
    expect(() => index.query(new Uint8Array(8), 1)).toThrow(/before build/);
    index.add(1, new Uint8Array(8));
    index.build();
    expect(() => index.add(2, new Uint8Array(8))).toThrow(/after build/);
    expect(() => index.build()).toThrow(/twice/);
    expect(() => index.query(new Uint8Array(7), 1)).toThrow(HashtriageError);
    expect(() => index.query(new Uint8Array(8), Number.NaN)).toThrow(HashtriageError);
    try {
      new HammingIndex(64, { maxRadius: 65 });
      expect.unreachable();
    } catch (e) {
      expect((e as HashtriageError).code).toBe('USAGE_INVALID_OPTION');
    }
    expect(() => new HammingIndex(128 as 64)).toThrow(HashtriageError);
    for (const bad of [{ slotCount: 2 }, { slotCount: 1.5 }, { slotCount: 65 }, { positionBytes: 2 as 3 }]) {
      try {
        new HammingIndex(64, bad);
        expect.unreachable();
      } catch (e) {
        expect((e as HashtriageError).code).toBe('USAGE_INVALID_OPTION');
      }
    }
  });
});

describe('HammingIndex on 256-bit (PDQ) codes', () => {
  it('answers exactly like a linear scan on uniform data around the PDQ threshold', () => {
    const rand = prng(256);
    const entries = uniform(rand, 3000, 32);
    const index = buildIndex(256, entries);
    expect(index.slotWidths.reduce((a, b) => a + b, 0)).toBe(256);
    const qs = queries(rand, entries, 32, 40, 45);
    const viaIndex = expectSameAsBruteForce(index, entries, qs, [0, 8, 16, 24, 31, 40, 70]);
    expect(viaIndex).toBeGreaterThan(0);
  });

  it('answers exactly on clustered data, forced through the index at every radius', () => {
    const rand = prng(512);
    const entries = clustered(rand, 3000, 32);
    const index = buildIndex(256, entries, 'index');
    const qs = queries(rand, entries, 32, 25, 40);
    qs.push(new Uint8Array(32));
    const radii = [0, 1, 15, 16, 17, 31, 32, 47, 63, 90];
    const viaIndex = expectSameAsBruteForce(index, entries, qs, radii);
    expect(viaIndex).toBe(qs.length * radii.length);
  });

  it('answers exactly at 11, 12 and 16 slots, and when posting entries are 4 bytes', () => {
    const rand = prng(1031);
    const entries = clustered(rand, 4000, 32);
    const qs = queries(rand, entries, 32, 20, 40);
    const radii = [0, 2, 30, 31, 32];
    for (const options of [{ slotCount: 11 }, { slotCount: 12 }, { slotCount: 16 }, { positionBytes: 4 as const }]) {
      const index = new HammingIndex(256, { strategy: 'index', ...options });
      for (const e of entries) index.add(e.id, e.value);
      index.build();
      if (options.slotCount !== undefined) expect(index.slotWidths).toHaveLength(options.slotCount);
      expect(expectSameAsBruteForce(index, entries, qs, radii)).toBe(qs.length * radii.length);
    }
  });

  it('includes a code at exactly the radius and leaves out one just beyond it', () => {
    const rand = prng(3131);
    const entries = uniform(rand, 5000, 32);
    const q = randomBytes(rand, 32);
    // Distances 30, 31, 32 and 33 from q, plus an exact copy, each found through a different bit pattern.
    const planted = [0, 30, 31, 32, 33].map((d, i) => ({ id: 900000 + i, value: flipBits(rand, q, d) }));
    const all = [...entries, ...planted];
    const index = buildIndex(256, all);
    const got = index.query(q, 31);
    expect(got).toEqual(bruteForce(all, q, 31));
    expect(index.lastQuery.strategy).toBe('index');
    const ids = got.map((m) => m.id);
    expect(ids).toEqual(expect.arrayContaining([900000, 900001, 900002]));
    expect(ids).not.toContain(900003);
    expect(ids).not.toContain(900004);
    expect(index.query(q, 32).map((m) => m.id)).toContain(900003);
  });

  it('reports a near-duplicate family once per member, however many slots find it', () => {
    const rand = prng(77);
    const centre = randomBytes(rand, 32);
    const family = Array.from({ length: 300 }, (_, i) => ({ id: 5000 + i, value: flipBits(rand, centre, i % 6) }));
    const entries = [...uniform(rand, 3000, 32), ...family];
    const index = buildIndex(256, entries, 'index');
    const got = index.query(centre, 31);
    expect(got).toEqual(bruteForce(entries, centre, 31));
    expect(got).toHaveLength(300);
    expect(new Set(got.map((m) => m.id)).size).toBe(300);
    // Every member sits in the search ball of most of the 12-odd slots: found many times, reported once.
    expect(index.lastQuery.candidates).toBeGreaterThan(3 * 300);
    expect(index.lastQuery.results).toBe(300);
  });

  it('stays exact past 65,536 codes (3-byte positions, and a bucket block too big for 16-bit offsets)', () => {
    const rand = prng(65537);
    const n = 72000;
    // 68,000 codes at or next to zero (flat images): the first block of every
    // slot's bucket table holds over 65,536 of them, too many for 16-bit offsets.
    const entries: Entry[] = Array.from({ length: n }, (_, i) =>
      i < 68000
        ? { id: i, value: flipBits(rand, new Uint8Array(32), i % 10 === 0 ? 1 + (i % 3) : 0) }
        : { id: i, value: randomBytes(rand, 32) },
    );
    for (const positionBytes of [3, 4] as const) {
      const index = new HammingIndex(256, { strategy: 'index', positionBytes });
      for (const e of entries) index.add(e.id, e.value);
      index.build();
      const qs = [
        ...queries(rand, entries.slice(68000), 32, 8, 35),
        flipBits(rand, new Uint8Array(32), 1),
        flipBits(rand, new Uint8Array(32), 30),
      ];
      for (const q of qs) {
        const all = distancesTo(entries, q);
        for (const r of [0, 3, 31]) expect(index.query(q, r)).toEqual(filterSorted(all, r));
      }
    }
  });

  it('finds a PDQ hash written as hex across word boundaries', () => {
    const index = new HammingIndex(256, { strategy: 'index' });
    const hex = 'f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22';
    index.add(1, hexToBytes(hex));
    index.add(2, hexToBytes('0'.repeat(64)));
    index.build();
    // flip one bit in each 32-bit word: distance 8
    const moved = hexToBytes(hex);
    for (let w = 0; w < 8; w++) moved[4 * w + 3] ^= 1;
    expect(index.query(moved, 31)).toEqual([{ id: 1, distance: 8 }]);
    expect(index.query(moved, 7)).toEqual([]);
  });
});
