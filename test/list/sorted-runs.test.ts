import { afterAll, beforeAll, describe, it, expect } from 'vitest';
import { readdirSync } from 'node:fs';
import { listAddon, useListAddon } from '../../src/list/list-addon.js';
import { SortedRuns, type RunLimits } from '../../src/list/sorted-runs.js';
import { tmp } from './helpers.js';

/** Deterministic bytes (xorshift32), so a failure can be replayed. */
function rng(seed: number): () => number {
  let a = seed >>> 0 || 1;
  return () => {
    a ^= a << 13;
    a ^= a >>> 17;
    a ^= a << 5;
    return (a >>> 0) / 2 ** 32;
  };
}

interface Rec {
  key: Buffer;
  entry: number;
  flag: number;
}

/** Keys that stress the tie paths: shared 4- and 8-byte prefixes, short keys, prefixes of each other, repeats. */
function awkwardKeys(n: number, seed: number): Buffer[] {
  const r = rng(seed);
  const keys: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const kind = Math.floor(r() * 6);
    const len = kind === 0 ? Math.floor(r() * 4) : kind === 1 ? 4 + Math.floor(r() * 3) : 16;
    const k = Buffer.alloc(len);
    for (let j = 0; j < len; j++) k[j] = Math.floor(r() * 256);
    // Every third key starts like a fixed one, so long runs of equal prefixes occur.
    if (kind === 2) Buffer.from([0xab, 0xcd, 0xef, 0x01]).copy(k);
    // The native sort's prefix is 8 bytes: ties past it, and keys that end inside it.
    if (kind === 5) Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]).copy(k, 0, 0, Math.min(8, len));
    keys.push(kind === 3 && keys.length > 0 ? keys[Math.floor(r() * keys.length)]! : k);
  }
  return keys;
}

/** Drains `runs`, checking each `repeat` flag against the previous key. */
function collect(runs: SortedRuns): Rec[] {
  const out: Rec[] = [];
  runs.drain((bytes, start, end, entry, flag, repeat) => {
    const key = bytes.subarray(start, end);
    const prev = out.at(-1);
    expect(repeat).toBe(prev !== undefined && prev.key.equals(key));
    out.push({ key, entry, flag });
  });
  return out;
}

function expected(keys: Buffer[]): Rec[] {
  return keys
    .map((key, i) => ({ key, entry: 1000 + i, flag: i % 3 }))
    .sort((a, b) => Buffer.compare(a.key, b.key) || a.entry - b.entry);
}

const ways = listAddon() ? [true, false] : [false];
describe.each(ways)('SortedRuns (native sort: %s)', (native) => {
  beforeAll(() => {
    useListAddon(native);
  });
  afterAll(() => {
    useListAddon(true);
  });

  const cases: [string, RunLimits][] = [
    ['in memory (one run)', { records: 1 << 20, bytes: 1 << 26 }],
    ['spilled, runs of 7 records', { records: 7, bytes: 1 << 26 }],
    ['spilled, runs of 40 key bytes', { records: 1 << 20, bytes: 40 }],
  ];
  for (const [name, limits] of cases) {
    it(`gives records back in (key, entry) order: ${name}`, () => {
      const dir = tmp();
      const keys = awkwardKeys(2000, 42);
      const runs = new SortedRuns(dir, limits);
      keys.forEach((k, i) => runs.add(k, 1000 + i, i % 3));
      expect(runs.size).toBe(keys.length);
      const got = collect(runs);
      const want = expected(keys);
      expect(got.map((g) => [g.key.toString('hex'), g.entry, g.flag])).toEqual(want.map((w) => [w.key.toString('hex'), w.entry, w.flag]));
      runs.dispose();
      expect(readdirSync(dir)).toEqual([]);
    });
  }

  it('keeps the keys it handed out intact while the merge reads on (views of old blocks)', () => {
    const dir = tmp();
    // Keys of 3,000 bytes over 1 MiB blocks: records straddle block boundaries.
    const r = rng(7);
    const keys = Array.from({ length: 900 }, () => Buffer.from(Array.from({ length: 3000 }, () => Math.floor(r() * 256))));
    const runs = new SortedRuns(dir, { records: 100, bytes: 1 << 26 });
    keys.forEach((k, i) => runs.add(k, i));
    const got = collect(runs);
    const want = expected(keys);
    expect(got.length).toBe(want.length);
    expect(got.every((g, i) => g.key.equals(want[i]!.key))).toBe(true);
    runs.dispose();
  });

  it('is empty and reusable after a drain, and copes with no records at all', () => {
    const runs = new SortedRuns(tmp(), { records: 2, bytes: 1 << 20 });
    expect(collect(runs)).toEqual([]);
    for (const b of [3, 1, 2]) runs.add(Buffer.of(b), b);
    expect(collect(runs).map((x) => x.entry)).toEqual([1, 2, 3]);
    expect(runs.size).toBe(0);
    runs.add(Buffer.of(9), 9);
    expect(collect(runs).map((x) => x.entry)).toEqual([9]);
    runs.dispose();
  });

  it('refuses run sizes the float64 packing cannot hold, and keys over 65,535 bytes', () => {
    expect(() => new SortedRuns(tmp(), { records: 2 ** 21 + 1, bytes: 1 })).toThrow(RangeError);
    const runs = new SortedRuns(tmp());
    expect(() => runs.add(Buffer.alloc(65_536), 1)).toThrow(RangeError);
  });
});

describe.skipIf(!listAddon())('native sortRun', () => {
  it('refuses offsets outside the keys or arrays shorter than the count, writing nothing', () => {
    const sortRun = listAddon()!.sortRun;
    const keys = Buffer.from('bbbaaa');
    const outKeys = Buffer.alloc(6, 0x7a);
    const args = (offsets: number[], count: number, outLen = 6) =>
      [keys, Uint32Array.from(offsets), count, outKeys.subarray(0, outLen), new Uint32Array(count + 1), new Uint32Array(count), new Uint8Array(count)] as const;
    expect(() => sortRun(...args([0, 3, 9], 2))).toThrow(RangeError);
    expect(() => sortRun(...args([0, 4, 3], 2))).toThrow(RangeError);
    expect(() => sortRun(...args([0, 3], 2))).toThrow(RangeError);
    expect(() => sortRun(...args([0, 3, 6], 2, 5))).toThrow(RangeError);
    expect(outKeys.toString()).toBe('zzzzzz');
    const ok = args([0, 3, 6], 2);
    sortRun(...ok);
    expect([ok[3].toString(), [...ok[4]], [...ok[5]]]).toEqual(['aaabbb', [0, 3, 6], [1, 0]]);
  });
});
