/**
 * An external sort for the importer: keys added with an entry id and a flag
 * byte come back in (key, entry) order, with memory bounded for any input.
 *
 * Why not SQLite's own sorter: on this machine it sorts about 700,000 short
 * BLOB keys per second, and an import sorted every digest at least once, so
 * the sort alone held imports under 300,000 records/s. Here keys are ordered
 * by a 32-bit prefix packed with the record's position into one float64 and
 * sorted natively (Float64Array#sort), and only records whose prefixes tie
 * are compared byte by byte: over ten times faster on digests, which are
 * uniformly distributed.
 *
 * Where the list addon is built, native/sort.c does the same sort (a 64-bit
 * prefix with the position, bucketed by its top 16 bits and each bucket
 * sorted in place, ties by the whole key) and also copies the keys out
 * in sorted order, so they are then read front to back instead of with a
 * cache miss each: a run of a million digests is ordered and handed on
 * several times faster. Both give the same order.
 *
 * A run holds at most {@link RunLimits} records in memory; a full run is
 * sorted and written to a spill file, and the runs are merged when read back.
 * An input that fits one run never touches the disk.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { listAddon } from './list-addon.js';

/** Spill folders are named `<prefix><pid>-<random>`. */
export const SPILL_PREFIX = '.hashtriage-sort-';

/** When a run is sorted and spilled: whichever limit is reached first. */
export interface RunLimits {
  /** Records per run; at most 2^21, the positions the float64 packing can hold. */
  records: number;
  /** Key bytes per run. */
  bytes: number;
}

export const DEFAULT_RUN_LIMITS: Readonly<RunLimits> = Object.freeze({ records: 1 << 20, bytes: 64 << 20 });

/** The position part of a packed sort value: 2^21 positions below the 32-bit prefix (53 bits in all). */
const POSITIONS = 2 ** 21;

/**
 * Called for each record in order with its key as `bytes[start..end)`, not as
 * a view of its own (a view per record cost about a tenth of an import);
 * `bytes` stays valid after the call (it is never overwritten). `repeat` is
 * true when the key equals the previous record's.
 */
export type RunVisitor = (bytes: Buffer, start: number, end: number, entry: number, flag: number, repeat: boolean) => void;

/** The first four key bytes as a big-endian number (short keys padded with zeros). */
function prefixOf(keys: Buffer, start: number, end: number): number {
  if (end - start >= 4) return keys.readUInt32BE(start);
  let p = 0;
  for (let i = 0; i < 4; i++) p = p * 256 + (start + i < end ? keys[start + i]! : 0);
  return p;
}

/**
 * The records of one in-memory run in sorted order, as positions.
 * Positions are insertion order, which is entry order, so equal keys stay in entry order.
 */
function sortedPositions(keys: Buffer, offsets: Uint32Array, n: number): { order: Uint32Array; prefixes: Float64Array } {
  const packed = new Float64Array(n);
  for (let i = 0; i < n; i++) packed[i] = prefixOf(keys, offsets[i]!, offsets[i + 1]!) * POSITIONS + i;
  packed.sort();
  const order = new Uint32Array(n);
  const prefixes = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const p = Math.floor(packed[i]! / POSITIONS);
    prefixes[i] = p;
    order[i] = packed[i]! - p * POSITIONS;
  }
  // Equal prefixes: order those few records by their whole key, then by position.
  for (let i = 0; i < n; ) {
    let j = i + 1;
    while (j < n && prefixes[j] === prefixes[i]) j++;
    if (j - i > 1) {
      const tie = Array.from(order.subarray(i, j)).sort(
        // compare(target = b's key, …, source = a's key): the sign of a - b.
        (a, b) => keys.compare(keys, offsets[b]!, offsets[b + 1]!, offsets[a]!, offsets[a + 1]!) || a - b,
      );
      order.set(tie, i);
    }
    i = j;
  }
  return { order, prefixes };
}

/** One in-memory run in sorted order: key i is `keys[offsets[i]..offsets[i + 1])`, its position `order[i]`. */
interface SortedRun {
  keys: Buffer;
  offsets: Uint32Array;
  order: Uint32Array;
  /** 1 where key i equals key i - 1. */
  repeat: Uint8Array;
}

/** The `n` keys of a run (`offsets[0]` is 0) sorted, natively where the addon is built. */
function sortRun(keys: Buffer, offsets: Uint32Array, n: number): SortedRun {
  const out = { keys: Buffer.allocUnsafe(offsets[n]!), offsets: new Uint32Array(n + 1), repeat: new Uint8Array(n) };
  const native = listAddon();
  if (native) {
    const order = new Uint32Array(n);
    native.sortRun(keys, offsets, n, out.keys, out.offsets, order, out.repeat);
    return { ...out, order };
  }
  const { order, prefixes } = sortedPositions(keys, offsets, n);
  const run: SortedRun = { ...out, order };
  let at = 0;
  for (let i = 0; i < n; i++) {
    const p = order[i]!;
    at += keys.copy(run.keys, at, offsets[p]!, offsets[p + 1]!);
    run.offsets[i + 1] = at;
    // Keys with different prefixes differ; only equal prefixes need the bytes compared.
    if (i > 0 && prefixes[i] === prefixes[i - 1]) {
      const q = order[i - 1]!;
      run.repeat[i] = keys.compare(keys, offsets[q]!, offsets[q + 1]!, offsets[p]!, offsets[p + 1]!) === 0 ? 1 : 0;
    }
  }
  return run;
}

/** Bytes of one spilled record besides its key: u16 key length, f64 entry, u8 flag. */
const RECORD_OVERHEAD = 2 + 8 + 1;
/** Read-ahead per run when merging: 1 MiB, less when there are many runs, so the merge stays within 64 MiB. */
function readBlock(runs: number): number {
  return Math.max(1 << 16, Math.min(1 << 20, Math.floor((64 << 20) / runs)));
}

/** Reads a spill file back one record at a time, a block at a time. */
class RunReader {
  key: Buffer = Buffer.alloc(0);
  entry = 0;
  flag = 0;
  private block: Buffer = Buffer.alloc(0);
  private at = 0;
  private readonly fd: number;
  private eof = false;

  constructor(
    path: string,
    private readonly blockSize: number,
  ) {
    this.fd = openSync(path, 'r');
  }

  /** Moves to the next record; false at the end of the run. */
  next(): boolean {
    if (this.block.length - this.at < 2 || this.block.length - this.at < RECORD_OVERHEAD + this.block.readUInt16LE(this.at)) {
      if (!this.refill()) return false;
    }
    const len = this.block.readUInt16LE(this.at);
    const k = this.at + 2;
    this.key = this.block.subarray(k, k + len);
    this.entry = this.block.readDoubleLE(k + len);
    this.flag = this.block[k + len + 8]!;
    this.at = k + len + 9;
    return true;
  }

  /**
   * Reads on into a new buffer (never into the old one: keys handed out earlier
   * are views of it and must stay valid), keeping the unread tail in front,
   * until a whole record is there.
   */
  private refill(): boolean {
    for (;;) {
      const rest = this.block.subarray(this.at);
      if (this.eof) {
        if (rest.length > 0) throw new Error('sorted run file ends inside a record');
        return false;
      }
      const block = Buffer.allocUnsafe(rest.length + this.blockSize);
      rest.copy(block, 0);
      const n = readSync(this.fd, block, rest.length, this.blockSize, null);
      if (n === 0) this.eof = true;
      this.block = block.subarray(0, rest.length + n);
      this.at = 0;
      if (this.block.length >= 2 && this.block.length >= RECORD_OVERHEAD + this.block.readUInt16LE(0)) return true;
    }
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** A binary min-heap of readers ordered by (key, reader index): earlier runs hold lower entries. */
function mergeRuns(readers: RunReader[], visit: RunVisitor, keyBytes: number): void {
  const heap: number[] = [];
  const less = (a: number, b: number): boolean => {
    const c = readers[a]!.key.compare(readers[b]!.key);
    return c < 0 || (c === 0 && a < b);
  };
  const down = (i: number): void => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && less(heap[l]!, heap[m]!)) m = l;
      if (r < heap.length && less(heap[r]!, heap[m]!)) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m]!, heap[i]!];
      i = m;
    }
  };
  readers.forEach((r, i) => {
    if (r.next()) heap.push(i);
  });
  for (let i = (heap.length >> 1) - 1; i >= 0; i--) down(i);
  let previous: Buffer | undefined;
  while (heap.length > 0) {
    const top = readers[heap[0]!]!;
    visit(top.key, 0, Math.min(top.key.length, keyBytes), top.entry, top.flag, previous !== undefined && previous.equals(top.key));
    previous = top.key;
    if (!top.next()) {
      heap[0] = heap[heap.length - 1]!;
      heap.pop();
    }
    down(0);
  }
}

/** Records collected for one sort. */
export class SortedRuns {
  private keys = Buffer.allocUnsafe(1 << 16);
  private keyBytes = 0;
  private offsets = new Uint32Array(1025);
  private entries = new Float64Array(1024);
  private flags = new Uint8Array(1024);
  private count = 0;
  private total = 0;
  private readonly spills: string[] = [];
  private spillDir: string | undefined;

  /**
   * @param spillParent folder in which a private spill folder is made, the first time a run is spilled
   * @param limits run size (tests use small runs to exercise the merge)
   */
  constructor(
    private readonly spillParent: string,
    private readonly limits: Readonly<RunLimits> = DEFAULT_RUN_LIMITS,
  ) {
    if (limits.records > POSITIONS || limits.records < 1) throw new RangeError(`run size must be 1..${POSITIONS}`);
  }

  /** Records added so far. */
  get size(): number {
    return this.total;
  }

  /** Adds one record; `key` is copied, at most 65,535 bytes. */
  add(key: Uint8Array, entry: number, flag = 0): void {
    if (key.length > 0xffff) throw new RangeError('sort key longer than 65,535 bytes');
    if (this.count === this.limits.records || this.keyBytes + key.length > this.limits.bytes) this.spill();
    if (this.count === this.entries.length) this.growRecords();
    if (this.keyBytes + key.length > this.keys.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.keys.length * 2, this.keyBytes + key.length));
      this.keys.copy(bigger, 0, 0, this.keyBytes);
      this.keys = bigger;
    }
    this.keys.set(key, this.keyBytes);
    this.keyBytes += key.length;
    this.entries[this.count] = entry;
    this.flags[this.count] = flag;
    this.offsets[++this.count] = this.keyBytes;
    this.total++;
  }

  /**
   * Visits every record in (key, entry) order, then empties the collection.
   * @param keyBytes hand the visitor at most this many leading bytes of each key
   *   (`repeat` still compares whole keys): saves a second view when only a prefix is stored
   * @throws the file-system error of a spill file
   */
  drain(visit: RunVisitor, keyBytes = Infinity): void {
    if (this.spills.length === 0) {
      // The sorted copy of the keys is the run's own, so the keys handed out survive the collection being reused.
      const { keys, offsets, order, repeat } = sortRun(this.keys, this.offsets, this.count);
      for (let i = 0; i < this.count; i++) {
        const p = order[i]!;
        const start = offsets[i]!;
        visit(keys, start, Math.min(offsets[i + 1]!, start + keyBytes), this.entries[p]!, this.flags[p]!, repeat[i] === 1);
      }
    } else {
      if (this.count > 0) this.spill();
      const block = readBlock(this.spills.length);
      const readers = this.spills.map((f) => new RunReader(f, block));
      try {
        mergeRuns(readers, visit, keyBytes);
      } finally {
        for (const r of readers) r.close();
      }
    }
    this.reset();
  }

  /** Deletes the spill files. Safe to call more than once. */
  dispose(): void {
    this.reset();
    if (this.spillDir) rmSync(this.spillDir, { recursive: true, force: true });
    this.spillDir = undefined;
  }

  private reset(): void {
    for (const f of this.spills) rmSync(f, { force: true });
    this.spills.length = 0;
    this.count = 0;
    this.keyBytes = 0;
    this.total = 0;
  }

  private growRecords(): void {
    const n = this.entries.length * 2;
    const offsets = new Uint32Array(n + 1);
    offsets.set(this.offsets);
    this.offsets = offsets;
    const entries = new Float64Array(n);
    entries.set(this.entries);
    this.entries = entries;
    const flags = new Uint8Array(n);
    flags.set(this.flags);
    this.flags = flags;
  }

  /** Sorts the in-memory run and writes it to a new spill file. */
  private spill(): void {
    // The process id in the name lets a later import remove the folder of one that was killed (writer.ts).
    this.spillDir ??= mkdtempSync(join(this.spillParent, `${SPILL_PREFIX}${process.pid}-`));
    const path = join(this.spillDir, `run-${this.spills.length}`);
    const { keys, offsets, order } = sortRun(this.keys, this.offsets, this.count);
    const fd = openSync(path, 'w');
    try {
      this.spills.push(path);
      const out = Buffer.allocUnsafe(4 << 20);
      let used = 0;
      for (let i = 0; i < this.count; i++) {
        const p = order[i]!;
        const start = offsets[i]!;
        const len = offsets[i + 1]! - start;
        if (used + len + RECORD_OVERHEAD > out.length) {
          writeSync(fd, out, 0, used);
          used = 0;
        }
        used = out.writeUInt16LE(len, used);
        used += keys.copy(out, used, start, start + len);
        used = out.writeDoubleLE(this.entries[p]!, used);
        out[used++] = this.flags[p]!;
      }
      writeSync(fd, out, 0, used);
    } finally {
      closeSync(fd);
    }
    this.count = 0;
    this.keyBytes = 0;
  }
}
