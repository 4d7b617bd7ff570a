/**
 * Sublinear Hamming-radius search over 64-bit (imagehash) and 256-bit (PDQ)
 * perceptual hashes: multi-index hashing (Norouzi, Punjani & Fleet, 2012).
 *
 * Each code is cut into m disjoint bit slots. If two codes are within
 * distance r, then by the pigeonhole principle at least one slot differs by
 * little: writing r = s·m + a (0 ≤ a < m), some slot k ≤ a differs by at most
 * s bits, or some later slot by at most s − 1 (otherwise the total would be
 * at least (a+1)(s+1) + (m−a−1)s = r + 1). So a query looks up, in every
 * slot's table, each slot value within that radius of its own, and computes
 * the full distance only for the entries found there.
 *
 * Layout, all typed arrays (no per-entry objects, so 10 M hashes stay a few
 * hundred MB and the garbage collector never walks them):
 * - `values`: the codes as big-endian 32-bit words, sorted by slot 0, so a
 *   slot-0 bucket is a contiguous run and needs no posting list;
 * - `ids`: the caller's ids in that order (Uint32Array when they all fit);
 * - per slot, a bucket table: where slot value v's bucket lies, in about 2
 *   bytes per bucket (see BucketTable);
 * - per slot k ≥ 1, `postings[k]`: positions into `values`, grouped by bucket
 *   (for PDQ, 3 bytes each up to 2^24 codes);
 * - for 64-bit codes, each posting entry is a pair: a check word, then the
 *   position (interleaved, so one cache miss fetches both). The check word
 *   holds the 32 bits that follow the slot (cyclically), never its own bits.
 *   Their distance to the query's is a lower bound of the full distance; for
 *   an unrelated code it exceeds 10 with probability 0.975, so almost every
 *   candidate is rejected while reading sequentially, without the cache miss
 *   into `values`. (For PDQ at distance 31, 32 bits would filter nothing.)
 * - `seen`: one bit per entry, clear between queries. An entry within r can
 *   sit in the search balls of several slots; the bit keeps it once.
 *
 * PDQ at 10 M codes is bound by memory latency: each bucket looked up and
 * each candidate verified is a cache and TLB miss. The query is written so
 * the CPU keeps many of those misses in flight at once (see TOUCH_BLOCK).
 *
 * Real lists are clustered (near-duplicates, flat images hashing to nearly
 * all zeros), so a bucket can hold a large share of the list. A query first
 * sums the bucket sizes it would visit and, if that costs more than reading
 * every code, scans linearly instead. So the worst case stays near one
 * linear scan: bench/match.bench.ts measures near-zero queries against a
 * list whose tenth is near-zero codes.
 */
import { HashtriageError, invalidOption } from '../errors.js';
import { popcount32, popcount64 } from './popcount.js';

/** How `query` chooses: by cost (`auto`), or forced, for tests and benchmarks. */
export type HammingStrategy = 'auto' | 'index' | 'linear';

/** Options of a {@link HammingIndex}. */
export interface HammingIndexOptions {
  /**
   * The radius the slot layout is tuned for: 10 for 64-bit codes and 31 for
   * PDQ unless given. Queries at other radii are still exact; they are only
   * slower, down to a linear scan.
   */
  maxRadius?: number;
  /** `auto` (default) picks per query; `index` and `linear` force one path. */
  strategy?: HammingStrategy;
  /**
   * Number of slots, overriding the planner (which weighs query cost against
   * memory); for benchmarks and tests. Widths are then as even as possible.
   */
  slotCount?: number;
  /**
   * Bytes per PDQ posting entry: 3 (the default) while the codes number at
   * most 2^24, else 4. Setting 4 forces the wide layout; for tests.
   */
  positionBytes?: 3 | 4;
}

/** One stored entry within the query radius. */
export interface HammingMatch {
  id: number;
  distance: number;
}

/** What the most recent query did; for tests and the benchmark. */
export interface HammingQueryStats {
  strategy: 'index' | 'linear';
  /** Buckets looked up (empty ones included). */
  probes: number;
  /** Bucket entries visited, once per slot that holds them (a linear scan visits every code). */
  candidates: number;
  results: number;
}

/** Widest slot: a table of 2^24 + 1 offsets is 64 MiB, the most one slot may take. */
const MAX_SLOT_BITS = 24;
/** Narrowest slot considered; narrower ones put a sixteenth of the list in each bucket. */
const MIN_SLOT_BITS = 4;
/** Below this many entries a linear scan takes microseconds; an index is not worth its tables. */
const MIN_INDEXED = 1024;
/**
 * Index bytes (tables, posting lists, check words) allowed per stored hash,
 * on top of the code and the id. 64-bit: 8 (code) + 4 (id) + 28 = 40.
 *
 * PDQ cannot be indexed within 40 bytes. Exact verification needs the code
 * (32 bytes) and the answer needs the id (4), and every slot but the first
 * needs a posting entry per code (3 bytes up to 2^24 codes): 40 leaves room
 * for one posting list, so m ≤ 2 slots of 128 bits, each searched at radius
 * 15: 1.5e19 probes. Even with no id, m ≤ 3 (85-bit slots, radius 10,
 * 3.6e12 probes). Slots of at most 24 bits (directly addressed tables) take
 * m ≥ 11: 32 + 4 + 10 × 3 = 66 bytes before any table. 48 here admits 12
 * slots at 10 M codes (11 × 3 bytes of postings, 6.7 of tables: 76 in all)
 * but not 11 slots (whose 2^23- and 2^24-bucket tables make it 90): 11
 * slots measured about a quarter faster, against 14 more bytes per code.
 */
const INDEX_BYTES_PER_HASH: Readonly<Record<64 | 256, number>> = { 64: 28, 256: 48 };
/** Codes up to this count have their positions stored in 3 bytes in PDQ posting lists, more in 4. */
const NARROW_POSITIONS = 2 ** 24;
/** Positions must stay below this: a bucket-table block's top bit marks it wide. */
const MAX_CODES = 2 ** 31 - 1;
/** Small lists may use this much regardless of the per-hash budget. */
const INDEX_BYTES_FLOOR = 4 * 1024 * 1024;

/*
 * Costs in CPU nanoseconds on the benchmark machine (bench/match.bench.ts):
 * looking up one bucket (a cache miss into a table of up to 64 MiB, then
 * one into its posting list), verifying one candidate (sequential for
 * 64-bit codes thanks to the check words; a miss into `values` for PDQ),
 * and scanning one code linearly (sequential, prefetched). Fitted from runs
 * at 10 M 64-bit codes (3 slots: 3,588 probes + 12.8 k candidates = 0.55 ms;
 * 4 slots: 428 + 65 k = 0.80 ms) and at 10 M PDQ codes (12 slots: 2,032
 * probes + 7.3 k candidates = 0.6 ms once queries touched their data in
 * blocks, about half a probe per candidate; 15 ns per code scanned). Only
 * their ratios matter.
 */
const PROBE_COST = 100;
const CANDIDATE_COST: Readonly<Record<64 | 256, number>> = { 64: 12, 256: 50 };
const LINEAR_COST: Readonly<Record<64 | 256, number>> = { 64: 5, 256: 16 };

const EMPTY_U32 = new Uint32Array(0);

/**
 * PDQ queries work in blocks: first touch every item of a block (a loop with
 * no branch on loaded data, so the CPU overlaps dozens of cache and TLB
 * misses), then use the now cached items. Blocks small enough that their
 * pages stay in the TLB between the two loops: at 10 M codes, 128 measured
 * 10 to 25 % faster than 256 and 1,024, and both touch loops together took
 * a third off the query time.
 */
const TOUCH_BLOCK = 128;

/** log2 of the buckets per block of a compact bucket table. */
const BLOCK_BITS = 8;
/** A block's base with this bit set points into the table's overflow array instead. */
const WIDE_FLAG = 0x80000000;

/**
 * Where each bucket of one slot starts in that slot's posting list, in about
 * 2 bytes per bucket instead of 4: bucket v starts at
 * `base[v >> 8] + rel[v]` (`rel` relative to its block of 256 buckets), and
 * ends where bucket v + 1 starts. A block holding 65,536 entries or more
 * (one huge bucket of near-identical codes) cannot use 16-bit offsets; its
 * base then carries WIDE_FLAG and the index of its 256 absolute starts in
 * `wide`.
 */
interface BucketTable {
  base: Uint32Array;
  rel: Uint16Array;
  wide: Uint32Array;
}

/**
 * The compact form of a plain table of bucket starts (`table[v]`, v = 0..size).
 *
 * @param table size + 1 starts, non-decreasing.
 */
function compactTable(table: Uint32Array): BucketTable {
  const last = table.length - 1;
  const blocks = (last >>> BLOCK_BITS) + 1;
  const base = new Uint32Array(blocks);
  const rel = new Uint16Array(table.length);
  const wideBlocks: number[] = [];
  for (let j = 0; j < blocks; j++) {
    const from = j << BLOCK_BITS;
    const to = Math.min(last, from + (1 << BLOCK_BITS) - 1);
    base[j] = table[from];
    if (table[to] - table[from] > 0xffff) {
      base[j] = WIDE_FLAG | (wideBlocks.length << BLOCK_BITS);
      wideBlocks.push(j);
      continue;
    }
    for (let v = from; v <= to; v++) rel[v] = table[v] - table[from];
  }
  const wide = new Uint32Array(wideBlocks.length << BLOCK_BITS);
  for (let b = 0; b < wideBlocks.length; b++) {
    const from = wideBlocks[b] << BLOCK_BITS;
    // Past the last bucket (a short final block), repeat the end.
    for (let i = 0; i < 1 << BLOCK_BITS; i++) wide[(b << BLOCK_BITS) + i] = table[Math.min(last, from + i)];
  }
  return { base, rel, wide };
}

/** Where bucket v starts (see {@link BucketTable}). */
function bucketStart(base: Uint32Array, rel: Uint16Array, wide: Uint32Array, v: number): number {
  const b = base[v >>> BLOCK_BITS];
  // Almost never taken: only blocks of 65,536 entries or more are wide.
  if (b >= WIDE_FLAG) return wide[(b & ~WIDE_FLAG) + (v & ((1 << BLOCK_BITS) - 1))];
  return b + rel[v];
}

/** Σ_{i ≤ s} C(w, i): how many w-bit values lie within distance s of one value. */
function ballSize(w: number, s: number): number {
  if (s < 0) return 0;
  if (s >= w) return 2 ** w;
  let sum = 0;
  let c = 1;
  for (let i = 0; i <= s; i++) {
    sum += c;
    c = (c * (w - i)) / (i + 1);
  }
  return sum;
}

/** Per-slot search radius for query radius r over m slots (the refined pigeonhole above). */
function slotRadii(r: number, m: number): number[] {
  const s = Math.floor(r / m);
  const a = r - s * m;
  const radii = new Array<number>(m);
  for (let k = 0; k < m; k++) radii[k] = k <= a ? s : s - 1;
  return radii;
}

/** Splits `bits` into m nearly equal slots, wider ones first (they get the larger radius). */
function slotWidths(bits: number, m: number): number[] {
  const base = Math.floor(bits / m);
  const extra = bits - base * m;
  return Array.from({ length: m }, (_, k) => base + (k < extra ? 1 : 0));
}

/**
 * Expected cost of one query on uniformly random codes; clustered data only
 * makes the real figure worse, which the per-query check then catches.
 */
function estimateIndexCost(bits: 64 | 256, widths: readonly number[], n: number, r: number): number {
  const radii = slotRadii(r, widths.length);
  let cost = 0;
  for (let k = 0; k < widths.length; k++) {
    const ball = ballSize(widths[k], radii[k]);
    cost += ball * PROBE_COST + ((n * ball) / 2 ** widths[k]) * CANDIDATE_COST[bits];
  }
  return cost;
}

/** Bytes of a compact bucket table over w bits, overflow blocks aside (see {@link BucketTable}). */
function tableBytes(w: number): number {
  return 2 * (2 ** w + 1) + 4 * ((2 ** w >>> BLOCK_BITS) + 1);
}

/** Per-hash bytes of one slot k ≥ 1: its posting entry, plus the check word for 64-bit codes. */
function slotBytesPerHash(bits: 64 | 256, n: number): number {
  if (bits === 64) return 8;
  return n <= NARROW_POSITIONS ? 3 : 4;
}

/** Chooses the slot widths for n codes: cheapest at `radius` within the memory budget. */
function planSlots(bits: 64 | 256, n: number, radius: number): number[] {
  const budget = Math.max(INDEX_BYTES_PER_HASH[bits] * n, INDEX_BYTES_FLOOR);
  let best: number[] = [];
  let bestCost = Infinity;
  let leanest: number[] = [];
  let leanestBytes = Infinity;
  for (let m = Math.ceil(bits / MAX_SLOT_BITS); m <= bits / MIN_SLOT_BITS; m++) {
    const widths = slotWidths(bits, m);
    const bytes = widths.reduce((sum, w) => sum + tableBytes(w), 0) + slotBytesPerHash(bits, n) * (m - 1) * n;
    if (bytes < leanestBytes) {
      leanestBytes = bytes;
      leanest = widths;
    }
    if (bytes > budget) continue;
    const cost = estimateIndexCost(bits, widths, n, radius);
    if (cost < bestCost) {
      bestCost = cost;
      best = widths;
    }
  }
  // Nothing within budget (a few hundred thousand codes, where the 16-bit
  // tables still weigh): index anyway, as leanly as possible.
  return best.length > 0 ? best : leanest;
}

/**
 * Bits [offset, offset + width) of the code starting at `words[base]`,
 * counting from the most significant bit of the first word. width ≤ 24.
 */
function slotValue(words: Uint32Array, base: number, offset: number, width: number): number {
  const wi = base + (offset >>> 5);
  const end = (offset & 31) + width;
  const mask = (1 << width) - 1;
  if (end <= 32) return (words[wi] >>> (32 - end)) & mask;
  const low = end - 32;
  return ((words[wi] << low) | (words[wi + 1] >>> (32 - low))) & mask;
}

/**
 * The 32 bits of a 64-bit code (hi, lo) starting at bit `from` (from the most
 * significant), wrapping around: a 64-bit rotate left, upper half.
 */
function checkWord(hi: number, lo: number, from: number): number {
  const rot = from & 63;
  if (rot === 0) return hi >>> 0;
  if (rot < 32) return ((hi << rot) | (lo >>> (32 - rot))) >>> 0;
  if (rot === 32) return lo >>> 0;
  return ((lo << (rot - 32)) | (hi >>> (64 - rot))) >>> 0;
}

function internal(message: string): HashtriageError {
  return new HashtriageError('INTERNAL', message);
}

/**
 * Parses hex (either case) into bytes, first byte from the first two digits.
 *
 * @param hex an even number of hex digits.
 * @returns the bytes.
 * @throws HashtriageError `INTERNAL` when `hex` is not an even-length hex
 *   string: hashes reach the matcher already validated, so bad hex is a bug.
 */
export function hexToBytes(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
    throw internal(`Expected an even-length hex string but received ${JSON.stringify(hex)}`);
  }
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/**
 * Number of differing bits between two equally long byte strings.
 *
 * @throws HashtriageError `INTERNAL` when the lengths differ.
 */
export function hammingDistance(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) {
    throw internal(`Cannot compare hashes of ${a.length} and ${b.length} bytes`);
  }
  let d = 0;
  for (let i = 0; i < a.length; i++) d += popcount32(a[i] ^ b[i]);
  return d;
}

/** Big-endian 32-bit words of `bytes` written into `out` at `at`. */
function putWords(bytes: Uint8Array, out: Uint32Array, at: number, words: number): void {
  for (let w = 0; w < words; w++) {
    const i = 4 * w;
    out[at + w] = ((bytes[i] << 24) | (bytes[i + 1] << 16) | (bytes[i + 2] << 8) | bytes[i + 3]) >>> 0;
  }
}

/** Above this many entries, a query's hit buffers are dropped afterwards instead of kept for the next one. */
const HITS_KEPT = 1 << 16;
/** The linear scan makes room for hits one block at a time. */
const SCAN_BLOCK = 1 << 16;

/**
 * One query's hits: positions and distances in typed arrays, reused across
 * queries. A near-zero query can match a whole cluster; pushing those into
 * plain arrays cost more in growth and garbage collection than the scan.
 */
class Hits {
  pos = new Uint32Array(256);
  dist = new Uint16Array(256);
  count = 0;

  /** Makes room for `extra` more hits, so the verify loops need no bounds checks of their own. */
  reserve(extra: number): void {
    const need = this.count + extra;
    if (need <= this.pos.length) return;
    const size = Math.max(need, 2 * this.pos.length);
    const pos = new Uint32Array(size);
    pos.set(this.pos.subarray(0, this.count));
    const dist = new Uint16Array(size);
    dist.set(this.dist.subarray(0, this.count));
    this.pos = pos;
    this.dist = dist;
  }

  /** Empties the buffer, shrinking it when a huge answer grew it. */
  reset(): void {
    this.count = 0;
    if (this.pos.length > HITS_KEPT) {
      this.pos = new Uint32Array(256);
      this.dist = new Uint16Array(256);
    }
  }

  get byteLength(): number {
    return this.pos.byteLength + this.dist.byteLength;
  }
}

/**
 * Exact Hamming-radius search over a fixed set of 64- or 256-bit codes.
 *
 * @example
 * const index = new HammingIndex(64);
 * for (const v of list.perceptualValues('phash')) index.add(v.id, v.value);
 * index.build();
 * index.query(hexToBytes(fileHash), 10); // [{ id, distance }, …], nearest first
 */
export class HammingIndex {
  /** Code length in bits. */
  readonly bits: 64 | 256;
  readonly #words: number;
  readonly #maxRadius: number;
  readonly #strategy: HammingStrategy;
  readonly #slotCount: number | undefined;
  readonly #forceWide: boolean;
  /** PDQ posting entries are 3-byte (Uint8Array) rather than Uint32Array. */
  #narrow = false;

  // Staging area filled by add(), released by build().
  #stageValues: Uint32Array;
  #stageIds: Float64Array;
  #count = 0;
  #built = false;

  #values: Uint32Array = EMPTY_U32;
  #ids: Uint32Array | Float64Array = EMPTY_U32;
  #widths: number[] = [];
  #offsets: number[] = [];
  #tables: BucketTable[] = [];
  /**
   * Per slot k ≥ 1, positions into `values` grouped by bucket: for PDQ, 3
   * bytes each (little-endian) in a Uint8Array up to 2^24 codes, else a
   * Uint32Array; for 64-bit codes, (check word, position) pairs.
   */
  #postings: (Uint32Array | Uint8Array)[] = [];
  /** Reused per query: [start, end) bucket ranges, two words each. */
  #ranges: Uint32Array = EMPTY_U32;
  /** One bit per position, all clear between queries: drops an entry found through several slots. */
  #seen: Uint32Array = EMPTY_U32;
  readonly #hits = new Hits();
  /** Reused per PDQ query: the candidate positions, see #verifyGathered. */
  #gather: Uint32Array = EMPTY_U32;
  /** Where the prefetching loop in #verifyGathered leaves its sum, so the compiler cannot drop its loads. */
  #sink = 0;
  #last: HammingQueryStats = { strategy: 'linear', probes: 0, candidates: 0, results: 0 };

  /**
   * @param bits 64 (imagehash aHash/dHash/pHash/wHash) or 256 (PDQ).
   * @param options see {@link HammingIndexOptions}.
   * @throws HashtriageError `USAGE_INVALID_OPTION` for a `bits`, `maxRadius`
   *   or `strategy` outside the allowed values.
   */
  constructor(bits: 64 | 256, options: HammingIndexOptions = {}) {
    if (bits !== 64 && bits !== 256) throw invalidOption('bits', '64 or 256', bits);
    const maxRadius = options.maxRadius ?? (bits === 64 ? 10 : 31);
    if (!Number.isInteger(maxRadius) || maxRadius < 0 || maxRadius > bits) {
      throw invalidOption('maxRadius', `an integer from 0 to ${bits}`, options.maxRadius);
    }
    const strategy = options.strategy ?? 'auto';
    if (strategy !== 'auto' && strategy !== 'index' && strategy !== 'linear') {
      throw invalidOption('strategy', '"auto", "index" or "linear"', strategy);
    }
    const slotCount = options.slotCount;
    if (slotCount !== undefined && !(Number.isInteger(slotCount) && slotCount >= Math.ceil(bits / MAX_SLOT_BITS) && slotCount <= bits)) {
      throw invalidOption('slotCount', `an integer from ${Math.ceil(bits / MAX_SLOT_BITS)} to ${bits}`, slotCount);
    }
    this.#slotCount = slotCount;
    if (options.positionBytes !== undefined && options.positionBytes !== 3 && options.positionBytes !== 4) {
      throw invalidOption('positionBytes', '3 or 4', options.positionBytes);
    }
    this.#forceWide = options.positionBytes === 4;
    this.bits = bits;
    this.#words = bits / 32;
    this.#maxRadius = maxRadius;
    this.#strategy = strategy;
    this.#stageValues = new Uint32Array(this.#words * 256);
    this.#stageIds = new Float64Array(256);
  }

  /** Number of stored codes. */
  get size(): number {
    return this.#count;
  }

  /** Bytes held by the index's typed arrays (codes, ids, tables, posting lists, scratch). */
  get byteLength(): number {
    let n = this.#values.byteLength + this.#ids.byteLength + this.#ranges.byteLength + this.#seen.byteLength;
    n += this.#hits.byteLength + this.#gather.byteLength;
    if (!this.#built) n += this.#stageValues.byteLength + this.#stageIds.byteLength;
    for (const t of this.#tables) n += t.base.byteLength + t.rel.byteLength + t.wide.byteLength;
    for (const p of this.#postings) n += p.byteLength;
    return n;
  }

  /** Slot widths in bits, most significant slot first; empty when queries always scan. */
  get slotWidths(): readonly number[] {
    return this.#widths;
  }

  /** What the most recent `query` did. */
  get lastQuery(): Readonly<HammingQueryStats> {
    return this.#last;
  }

  /**
   * Stages one code. The same id or the same value may be added more than once.
   *
   * @param id the caller's key, returned by `query`; any finite number.
   * @param value bits/8 bytes, big-endian as the hex is written.
   * @throws HashtriageError `INTERNAL` after `build()`, for a value of the
   *   wrong length or an id that is not a finite number.
   */
  add(id: number, value: Uint8Array): void {
    if (this.#built) throw internal('HammingIndex.add() called after build()');
    if (value.length !== this.bits / 8) {
      throw internal(`Expected a ${this.bits / 8}-byte hash but received ${value.length} bytes`);
    }
    if (typeof id !== 'number' || !Number.isFinite(id)) throw internal(`Expected a finite id but received ${id}`);
    if (this.#count === MAX_CODES) throw internal(`A HammingIndex holds at most ${MAX_CODES} codes`);
    const words = this.#words;
    if (this.#count === this.#stageIds.length) {
      // Doubling keeps adds amortised O(1) without knowing the list size up front.
      const ids = new Float64Array(this.#stageIds.length * 2);
      ids.set(this.#stageIds);
      this.#stageIds = ids;
      const values = new Uint32Array(this.#stageValues.length * 2);
      values.set(this.#stageValues);
      this.#stageValues = values;
    }
    putWords(value, this.#stageValues, this.#count * words, words);
    this.#stageIds[this.#count] = id;
    this.#count++;
  }

  /**
   * Freezes the set: sorts the codes by their first slot, builds one bucket
   * table per slot and the posting lists, and releases the staging arrays.
   *
   * @throws HashtriageError `INTERNAL` when called twice.
   */
  build(): void {
    if (this.#built) throw internal('HammingIndex.build() called twice');
    this.#built = true;
    const n = this.#count;
    const words = this.#words;
    const stageValues = this.#stageValues;
    const stageIds = this.#stageIds;
    this.#stageValues = EMPTY_U32;
    this.#stageIds = new Float64Array(0);

    const indexed =
      this.#strategy === 'index' || (this.#strategy === 'auto' && n >= MIN_INDEXED);
    if (!indexed) this.#widths = [];
    else if (this.#slotCount !== undefined) this.#widths = slotWidths(this.bits, this.#slotCount);
    else this.#widths = planSlots(this.bits, n, this.#maxRadius);
    this.#offsets = [];
    let offset = 0;
    for (const w of this.#widths) {
      this.#offsets.push(offset);
      offset += w;
    }

    this.#narrow = n <= NARROW_POSITIONS && !this.#forceWide;
    const values = new Uint32Array(n * words);
    const ids = allUint32(stageIds, n) ? new Uint32Array(n) : new Float64Array(n);
    this.#values = values;
    this.#ids = ids;
    if (this.#widths.length === 0) {
      values.set(stageValues.subarray(0, n * words));
      ids.set(stageIds.subarray(0, n));
      return;
    }

    // Counting sorts, each placing entries in the order they are read (so a
    // bucket lists positions in increasing order) and writing scattered
    // rather than reading scattered: a write miss does not stall the loop.
    // Slot 0 orders the codes themselves.
    this.#seen = new Uint32Array(Math.ceil(n / 32));
    const first = countBuckets(stageValues, n, words, this.#offsets[0], this.#widths[0]);
    this.#tables.push(compactTable(first.table));
    this.#postings.push(EMPTY_U32);
    for (let i = 0; i < n; i++) {
      const at = first.cursor[first.keys[i]]++;
      for (let w = 0; w < words; w++) values[at * words + w] = stageValues[i * words + w];
      ids[at] = stageIds[i];
    }

    for (let k = 1; k < this.#widths.length; k++) {
      const { table, keys, cursor } = countBuckets(values, n, words, this.#offsets[k], this.#widths[k]);
      this.#tables.push(compactTable(table));
      if (words === 8) {
        const order = stableOrder(keys, n, this.#widths[k]);
        if (!this.#narrow) {
          this.#postings.push(order);
          continue;
        }
        const postings = new Uint8Array(3 * n);
        for (let j = 0; j < n; j++) {
          const i = order[j];
          postings[3 * j] = i;
          postings[3 * j + 1] = i >>> 8;
          postings[3 * j + 2] = i >>> 16;
        }
        this.#postings.push(postings);
        continue;
      }
      const paired = new Uint32Array(2 * n);
      const from = this.#offsets[k] + this.#widths[k];
      for (let i = 0; i < n; i++) {
        const at = cursor[keys[i]]++;
        paired[2 * at] = checkWord(values[2 * i], values[2 * i + 1], from);
        paired[2 * at + 1] = i;
      }
      this.#postings.push(paired);
    }
  }

  /**
   * All stored ids within `radius` of `value`, nearest first (ties by id).
   *
   * @param value bits/8 bytes, big-endian as the hex is written.
   * @param radius maximum Hamming distance, inclusive; a fraction is rounded
   *   down, a negative radius matches nothing.
   * @throws HashtriageError `INTERNAL` before `build()`, for a value of the
   *   wrong length or a radius that is not a number.
   */
  query(value: Uint8Array, radius: number): HammingMatch[] {
    if (!this.#built) throw internal('HammingIndex.query() called before build()');
    if (value.length !== this.bits / 8) {
      throw internal(`Expected a ${this.bits / 8}-byte hash but received ${value.length} bytes`);
    }
    if (typeof radius !== 'number' || Number.isNaN(radius)) {
      throw internal(`Expected a numeric radius but received ${radius}`);
    }
    const r = Math.min(Math.floor(radius), this.bits);
    const q = new Uint32Array(this.#words);
    putWords(value, q, 0, this.#words);
    if (r < 0 || this.#count === 0) {
      this.#last = { strategy: 'linear', probes: 0, candidates: 0, results: 0 };
      return [];
    }
    const hits = this.#hits;
    hits.reset();
    if (this.#widths.length === 0 || this.#strategy === 'linear' || !this.#probeAndVerify(q, r, hits)) {
      this.#linear(q, r, hits);
      this.#last = { strategy: 'linear', probes: 0, candidates: this.#count, results: hits.count };
    }
    return this.#sorted(hits);
  }

  /** The hits as matches, nearest first, ties by id. */
  #sorted(found: Hits): HammingMatch[] {
    const ids = this.#ids;
    const n = found.count;
    const hits = found.pos;
    const dists = found.dist;
    if (ids instanceof Uint32Array) {
      // distance·2^32 + id is exact in a double and sorts in the wanted order;
      // a typed-array sort of it beats a comparator sort, which matters when
      // a near-zero query matches a whole cluster.
      const keys = new Float64Array(n);
      for (let i = 0; i < n; i++) keys[i] = dists[i] * 4294967296 + ids[hits[i]];
      keys.sort();
      const out: HammingMatch[] = new Array(n);
      for (let i = 0; i < n; i++) {
        const distance = Math.floor(keys[i] / 4294967296);
        out[i] = { id: keys[i] - distance * 4294967296, distance };
      }
      return out;
    }
    const out: HammingMatch[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = { id: ids[hits[i]], distance: dists[i] };
    out.sort((x, y) => x.distance - y.distance || x.id - y.id);
    return out;
  }

  /**
   * The multi-index path. Returns false, having found nothing, when the
   * buckets to visit would cost more than a linear scan (and the strategy
   * allows one).
   */
  #probeAndVerify(q: Uint32Array, r: number, hits: Hits): boolean {
    const widths = this.#widths;
    const offsets = this.#offsets;
    const m = widths.length;
    const radii = slotRadii(r, m);
    const auto = this.#strategy === 'auto';
    const linearCost = this.#count * LINEAR_COST[this.bits];

    let maxProbes = 0;
    for (let k = 0; k < m; k++) maxProbes += ballSize(widths[k], radii[k]);
    if (auto && maxProbes * PROBE_COST >= linearCost) return false;

    // Pass 1: the bucket ranges to visit, and how many candidates they hold.
    if (this.#ranges.length < 2 * maxProbes) this.#ranges = new Uint32Array(2 * maxProbes);
    const ranges = this.#ranges;
    const slotEnd = new Array<number>(m);
    let nRanges = 0;
    let candidates = 0;
    for (let k = 0; k < m; k++) {
      const w = widths[k];
      const qv = slotValue(q, 0, offsets[k], w);
      const { base, rel, wide } = this.#tables[k];
      const maxFlips = Math.min(radii[k], w);
      const limit = 2 ** w;
      for (let t = 0; t <= maxFlips; t++) {
        // Every w-bit mask with t bits set, in increasing order (Gosper's hack).
        let mask = t === 0 ? 0 : (2 ** t) - 1;
        while (mask < limit) {
          const v = qv ^ mask;
          // No branch on emptiness: a mispredicted branch here would stall on the table miss.
          const start = bucketStart(base, rel, wide, v);
          const end = bucketStart(base, rel, wide, v + 1);
          ranges[2 * nRanges] = start;
          ranges[2 * nRanges + 1] = end;
          nRanges++;
          candidates += end - start;
          if (t === 0) break;
          const low = mask & -mask;
          const next = mask + low;
          mask = (((next ^ mask) >>> 2) >>> (31 - Math.clz32(low))) | next;
        }
      }
      slotEnd[k] = nRanges;
    }
    if (auto && maxProbes * PROBE_COST + candidates * CANDIDATE_COST[this.bits] >= linearCost) return false;

    // Pass 2: verify. An entry within r may sit in the search ball of several
    // slots (once per slot); the bitmap keeps its first sighting.
    hits.reserve(candidates);
    if (this.#words === 8) this.#verifyGathered(ranges, slotEnd, candidates, q, r, hits);
    else this.#verifyChecked(ranges, slotEnd, q, r, hits);
    if (m > 1) {
      const seen = this.#seen;
      const pos = hits.pos;
      const dist = hits.dist;
      let kept = 0;
      for (let i = 0; i < hits.count; i++) {
        const p = pos[i];
        const bit = 1 << (p & 31);
        if ((seen[p >>> 5] & bit) !== 0) continue;
        seen[p >>> 5] |= bit;
        pos[kept] = p;
        dist[kept] = dist[i];
        kept++;
      }
      hits.count = kept;
      for (let i = 0; i < kept; i++) seen[pos[i] >>> 5] = 0;
    }
    this.#last = { strategy: 'index', probes: nRanges, candidates, results: hits.count };
    return true;
  }

  /** 64-bit verification, bucket by bucket; buckets of slots k ≥ 1 are filtered by their check words first. */
  #verifyChecked(ranges: Uint32Array, slotEnd: readonly number[], q: Uint32Array, r: number, hits: Hits): void {
    const values = this.#values;
    let ri = 0;
    for (let k = 0; k < slotEnd.length; k++) {
      // 64-bit posting lists are always (check word, position) pairs.
      const posting = this.#postings[k] as Uint32Array;
      const qCheck = checkWord(q[0], q[1], this.#offsets[k] + this.#widths[k]);
      for (; ri < slotEnd[k]; ri++) {
        const start = ranges[2 * ri];
        const end = ranges[2 * ri + 1];
        if (start === end) continue;
        if (k === 0) verify64(values, start, end, q, r, hits);
        else verify64Checked(values, posting, qCheck, start, end, q, r, hits);
      }
    }
  }

  /**
   * PDQ verification: gather every candidate position from the buckets
   * found, then compute distances over the gathered list. Both steps work
   * in blocks of TOUCH_BLOCK, touching a block's items before using them,
   * so their cache misses (into the posting lists, then into `values`)
   * overlap instead of waiting on one another. A code met through several
   * slots is verified each time, from cache the second time; the caller
   * drops the repeated hits.
   */
  #verifyGathered(
    ranges: Uint32Array,
    slotEnd: readonly number[],
    candidates: number,
    q: Uint32Array,
    r: number,
    hits: Hits,
  ): void {
    if (this.#gather.length < candidates) this.#gather = new Uint32Array(candidates);
    const gather = this.#gather;
    const values = this.#values;
    let total = 0;
    let touched = 0;
    // Slot 0's buckets are runs of `values` itself.
    for (let ri = 0; ri < slotEnd[0]; ri++) {
      const end = ranges[2 * ri + 1];
      for (let p = ranges[2 * ri]; p < end; p++) gather[total++] = p;
    }
    for (let k = 1; k < slotEnd.length; k++) {
      const posting = this.#postings[k];
      for (let from = slotEnd[k - 1]; from < slotEnd[k]; from += TOUCH_BLOCK) {
        const to = Math.min(slotEnd[k], from + TOUCH_BLOCK);
        if (posting instanceof Uint8Array) {
          // An empty bucket's start may be the list's end: clamp rather than branch.
          const last = posting.length - 3;
          for (let j = from; j < to; j++) touched = (touched + posting[Math.min(3 * ranges[2 * j], last)]) | 0;
          for (let j = from; j < to; j++) {
            const end = 3 * ranges[2 * j + 1];
            for (let i = 3 * ranges[2 * j]; i < end; i += 3) {
              gather[total++] = posting[i] | (posting[i + 1] << 8) | (posting[i + 2] << 16);
            }
          }
        } else {
          const last = posting.length - 1;
          for (let j = from; j < to; j++) touched = (touched + posting[Math.min(ranges[2 * j], last)]) | 0;
          for (let j = from; j < to; j++) {
            const end = ranges[2 * j + 1];
            for (let i = ranges[2 * j]; i < end; i++) gather[total++] = posting[i];
          }
        }
      }
    }
    for (let from = 0; from < total; from += TOUCH_BLOCK) {
      const to = Math.min(total, from + TOUCH_BLOCK);
      for (let i = from; i < to; i++) touched = (touched + values[8 * gather[i]]) | 0;
      verify256(values, gather, from, to - from, q, r, hits);
    }
    // Kept, so the compiler cannot drop the touching loads as unused.
    this.#sink = touched;
  }

  #linear(q: Uint32Array, r: number, hits: Hits): void {
    const n = this.#count;
    for (let start = 0; start < n; start += SCAN_BLOCK) {
      const end = Math.min(n, start + SCAN_BLOCK);
      hits.reserve(end - start);
      if (this.#words === 2) verify64(this.#values, start, end, q, r, hits);
      else verify256(this.#values, null, start, end - start, q, r, hits);
    }
  }
}

/** True when all of ids[0..n) are integers that fit a Uint32Array (halves the id storage). */
function allUint32(ids: Float64Array, n: number): boolean {
  for (let i = 0; i < n; i++) {
    const id = ids[i];
    if (!(id >= 0 && id <= 0xffffffff && Math.floor(id) === id)) return false;
  }
  return true;
}

/**
 * First half of a counting sort by one slot's value: each code's key, the
 * bucket table (`table[v]..table[v+1]` is bucket v's range) and a copy of
 * the bucket starts for the caller to advance while placing entries.
 */
function countBuckets(
  values: Uint32Array,
  n: number,
  words: number,
  offset: number,
  width: number,
): { table: Uint32Array; keys: Uint32Array; cursor: Uint32Array } {
  const size = 2 ** width;
  const table = new Uint32Array(size + 1);
  const keys = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const key = slotValue(values, i * words, offset, width);
    keys[i] = key;
    table[key + 1]++;
  }
  for (let v = 0; v < size; v++) table[v + 1] += table[v];
  return { table, keys, cursor: table.slice(0, size) };
}

/**
 * The positions 0..n-1 ordered by key, equal keys in increasing position: a
 * posting list. Two stable counting passes of half the key width each
 * (least significant half first), carrying each key beside its position. A
 * single pass over a 2^22-bucket table would scatter every write to a
 * random page; with at most 2^12 buckets per pass, each bucket's write
 * front stays in cache. (A PDQ build of 10 M codes took 14 to 16 s of CPU
 * with it, 17 to 24 s before, on the shared benchmark machine.)
 *
 * @param keys each position's slot value, below 2^width.
 */
function stableOrder(keys: Uint32Array, n: number, width: number): Uint32Array {
  const lowBits = width >>> 1;
  const lowMask = (1 << lowBits) - 1;
  const midKeys = new Uint32Array(n);
  const mid = new Uint32Array(n);
  const low = new Uint32Array((1 << lowBits) + 1);
  for (let i = 0; i < n; i++) low[(keys[i] & lowMask) + 1]++;
  for (let v = 1; v < low.length; v++) low[v] += low[v - 1];
  for (let i = 0; i < n; i++) {
    const key = keys[i];
    const at = low[key & lowMask]++;
    midKeys[at] = key;
    mid[at] = i;
  }
  const high = new Uint32Array((1 << (width - lowBits)) + 1);
  for (let j = 0; j < n; j++) high[(midKeys[j] >>> lowBits) + 1]++;
  for (let v = 1; v < high.length; v++) high[v] += high[v - 1];
  const out = new Uint32Array(n);
  for (let j = 0; j < n; j++) out[high[midKeys[j] >>> lowBits]++] = mid[j];
  return out;
}

/** Appends to hits (room reserved by the caller) every position in [start, end) whose 64-bit code is within r of q. */
function verify64(
  values: Uint32Array,
  start: number,
  end: number,
  q: Uint32Array,
  r: number,
  hits: Hits,
): void {
  const q0 = q[0];
  const q1 = q[1];
  for (let p = start; p < end; p++) {
    const d = popcount64(values[2 * p] ^ q0, values[2 * p + 1] ^ q1);
    if (d <= r) {
      hits.pos[hits.count] = p;
      hits.dist[hits.count++] = d;
    }
  }
}

/**
 * As {@link verify64} for posting entries [start, end) (pairs of check word
 * and position), reading a code only when its check word is itself within r
 * of the query's.
 */
function verify64Checked(
  values: Uint32Array,
  postings: Uint32Array,
  qCheck: number,
  start: number,
  end: number,
  q: Uint32Array,
  r: number,
  hits: Hits,
): void {
  const q0 = q[0];
  const q1 = q[1];
  for (let i = start; i < end; i++) {
    if (popcount32(postings[2 * i] ^ qCheck) > r) continue;
    const p = postings[2 * i + 1];
    const d = popcount64(values[2 * p] ^ q0, values[2 * p + 1] ^ q1);
    if (d <= r) {
      hits.pos[hits.count] = p;
      hits.dist[hits.count++] = d;
    }
  }
}

/**
 * Appends to hits (room reserved by the caller) every position in
 * `positions[0..count)` (or, when `positions` is null, every position in
 * [start, start + count)) whose 256-bit code is within r of q.
 *
 * Stops after any 64 bits once the distance exceeds r: on an unrelated code,
 * after the first 64 or 128. (A branch-free full distance was tried: it
 * measured twice as slow at 10 M codes, since each candidate then keeps
 * about 70 more instructions in flight and fewer cache misses overlap.)
 */
function verify256(
  values: Uint32Array,
  positions: Uint32Array | null,
  start: number,
  count: number,
  q: Uint32Array,
  r: number,
  hits: Hits,
): void {
  const pos = hits.pos;
  const dist = hits.dist;
  let h = hits.count;
  for (let i = 0; i < count; i++) {
    const p = positions === null ? start + i : positions[start + i];
    const b = 8 * p;
    let d = popcount64(values[b] ^ q[0], values[b + 1] ^ q[1]);
    if (d <= r) {
      d += popcount64(values[b + 2] ^ q[2], values[b + 3] ^ q[3]);
      if (d <= r) {
        d += popcount64(values[b + 4] ^ q[4], values[b + 5] ^ q[5]);
        if (d <= r) {
          d += popcount64(values[b + 6] ^ q[6], values[b + 7] ^ q[7]);
          if (d <= r) {
            pos[h] = p;
            dist[h++] = d;
          }
        }
      }
    }
  }
  hits.count = h;
}
