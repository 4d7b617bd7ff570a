import { describe, it, expect } from 'vitest';
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { listInfo, lookup } from '../../src/list/index.js';
import { DEFAULT_LOW_INFORMATION_RULE } from '../../src/list/low-information.js';
import { openHashList } from '../../src/list/reader.js';
import type { ImportRecord } from '../../src/list/record.js';
import { ListWriter } from '../../src/list/writer.js';
import { HELLO, WORLD, imp, put, tmp } from './helpers.js';

/** Distinct digests for synthetic records (the writer never checks that they hash anything). */
const md5 = (i: number): string => createHash('md5').update(`r${i}`).digest('hex');
const sha1 = (i: number): string => createHash('sha1').update(`r${i}`).digest('hex');

// The writer buffers rows and sends them in blocks; these cover blocks, short tails,
// records whose set of filled columns changes mid-file, and both duplicate paths.
describe('ListWriter (through importLists)', () => {
  it('stores every record of a file longer than one block, whatever columns each fills', async () => {
    const d = tmp();
    const n = 1000;
    // Every 7th line has no name, so the column set changes often and blocks end early.
    const text = Array.from({ length: n }, (_, i) => (i % 7 === 0 ? `${md5(i)}\n` : `${md5(i)}  file-${i}\n`)).join('');
    const out = `${d}/l.sqlite`;
    const r = await imp([put(d, 'big.md5', text)], out);
    expect(r.sources[0]).toMatchObject({ records: n, duplicates: 0 });
    expect(listInfo(out)).toMatchObject({ entries: n, algorithms: { md5: n } });
    const probes = [0, 1, 6, 7, 127, 128, 129, 500, 998, 999];
    const found = lookup(out, probes.map(md5));
    expect(found.map((f) => f.entries.map((e) => e.name ?? null))).toEqual(probes.map((i) => [i % 7 === 0 ? null : `file-${i}`]));
  });

  it('drops repeats when every record carries both MD5 and SHA-1, keeping the first and all its digests', async () => {
    const d = tmp();
    const rows = [`${HELLO.md5},${HELLO.sha1},first`, `${WORLD.md5},${WORLD.sha1},w`, `${HELLO.md5},${HELLO.sha1},again`];
    // Same MD5 with another SHA-1 is a different record and is kept.
    rows.push(`${HELLO.md5},${WORLD.sha1},mixed`);
    for (let i = 0; i < 300; i++) rows.push(`${md5(i)},${sha1(i)},n${i}`);
    rows.push(`${md5(5)},${sha1(5)},repeat`);
    const out = `${d}/l.sqlite`;
    const r = await imp([put(d, 'two.csv', `md5,sha1,name\n${rows.join('\n')}\n`)], out);
    expect(r.sources[0]).toMatchObject({ records: 303, duplicates: 2 });
    const info = listInfo(out);
    expect(info.entries).toBe(303);
    expect(info.algorithms).toMatchObject({ md5: 303, sha1: 303 });
    expect(lookup(out, [HELLO.md5])[0]!.entries.map((e) => e.name).sort()).toEqual(['first', 'mixed']);
    expect(lookup(out, [HELLO.sha1])[0]!.entries.map((e) => e.name)).toEqual(['first']);
    expect(lookup(out, [sha1(5)])[0]!.entries.map((e) => e.name)).toEqual(['n5']);
  });

  it('drops repeats when no algorithm is on every record (some lines carry only one of two)', async () => {
    const d = tmp();
    const rows = [`${HELLO.md5},,a`, `,${WORLD.sha1},b`, `${HELLO.md5},,c`, `,${WORLD.sha1},d`, `${HELLO.md5},${WORLD.sha1},e`];
    const out = `${d}/l.sqlite`;
    const r = await imp([put(d, 'gaps.csv', `md5,sha1,name\n${rows.join('\n')}\n`)], out);
    expect(r.sources[0]).toMatchObject({ records: 3, duplicates: 2 });
    expect(listInfo(out).algorithms).toMatchObject({ md5: 2, sha1: 2 });
    expect(lookup(out, [HELLO.md5])[0]!.entries.map((e) => e.name)).toEqual(['a', 'e']);
    expect(lookup(out, [WORLD.sha1])[0]!.entries.map((e) => e.name)).toEqual(['b', 'e']);
  });

  it('does not count a digest already in the list from an earlier source as a repeat', async () => {
    const d = tmp();
    const out = `${d}/l.sqlite`;
    await imp([put(d, 'a.md5', `${HELLO.md5}  old\n`)], out);
    const r = await imp([put(d, 'b.md5', `${HELLO.md5}  new\n${HELLO.md5}  newer\n`)], out);
    expect(r.sources[0]).toMatchObject({ records: 1, duplicates: 1 });
    expect(lookup(out, [HELLO.md5])[0]!.entries.map((e) => e.name)).toEqual(['old', 'new']);
  });
});

describe('ListWriter with sort runs spilled to disk', () => {
  /** Writes one source of `records` through a writer whose sort runs hold 5 records. */
  function write(out: string, records: ImportRecord[]): { records: number; duplicates: number } {
    const w = ListWriter.open(out, DEFAULT_LOW_INFORMATION_RULE, { records: 5, bytes: 1 << 20 });
    try {
      w.beginSource({ name: 's', format: 'csv', fileName: 's.csv', sha256: Buffer.alloc(32, records.length), role: 'notable' });
      for (const r of records) w.add(r);
      const res = w.endSource('csv');
      w.commit();
      return res;
    } catch (err) {
      w.abort();
      throw err;
    }
  }
  const buf = (hex: string): Buffer => Buffer.from(hex, 'hex');

  it('finds repeats across runs, of one-digest, several-digest and perceptual-only records, and loads every digest', () => {
    const d = tmp();
    const out = `${d}/l.sqlite`;
    const records: ImportRecord[] = [];
    for (let i = 0; i < 40; i++) records.push({ digests: { md5: buf(md5(i)) }, name: `one-${i}` });
    for (let i = 0; i < 40; i++) records.push({ digests: { md5: buf(md5(i)), sha1: buf(sha1(i)) }, name: `two-${i}` });
    const p = (i: number) => [{ algorithm: 'phash' as const, value: buf(md5(i).slice(0, 16)) }];
    for (let i = 0; i < 10; i++) records.push({ digests: {}, perceptual: p(i), name: `p-${i}` });
    // Repeats, each in a later run than its first: 3 one-digest, 2 two-digest, 1 perceptual-only.
    records.push({ digests: { md5: buf(md5(3)) }, name: 'again-one-3' });
    records.push({ digests: { md5: buf(md5(39)) }, name: 'again-one-39' });
    records.push({ digests: { md5: buf(md5(0)) }, name: 'again-one-0' });
    records.push({ digests: { sha1: buf(sha1(7)), md5: buf(md5(7)) }, name: 'again-two-7' });
    records.push({ digests: { md5: buf(md5(8)), sha1: buf(sha1(8)) }, name: 'again-two-8' });
    records.push({ digests: {}, perceptual: p(4), name: 'again-p-4' });
    // Not repeats: same MD5 with another SHA-1; a SHA-1 alone that another record carries with an MD5.
    records.push({ digests: { md5: buf(md5(9)), sha1: buf(sha1(99)) }, name: 'mixed-9' });
    records.push({ digests: { sha1: buf(sha1(10)) }, name: 'sha1-only-10' });
    expect(write(out, records)).toEqual({ records: records.length - 6, duplicates: 6 });
    expect(listInfo(out)).toMatchObject({ entries: records.length - 6, algorithms: { md5: 81, sha1: 42 } });
    const names = (q: string) => lookup(out, [q])[0]!.entries.map((e) => e.name);
    expect(names(md5(3))).toEqual(['one-3', 'two-3']);
    expect(names(md5(9))).toEqual(['one-9', 'two-9', 'mixed-9']);
    expect(names(sha1(7))).toEqual(['two-7']);
    expect(names(sha1(10))).toEqual(['two-10', 'sha1-only-10']);
    expect(names(`phash:${md5(4).slice(0, 16)}`)).toEqual(['p-4']);
    // The spill folder beside the list is gone.
    expect(readdirSync(d)).toEqual(['l.sqlite']);
  });

  it('keeps digests in key order in the table, as the sorted load promises', () => {
    const d = tmp();
    const out = `${d}/l.sqlite`;
    write(out, Array.from({ length: 33 }, (_, i) => ({ digests: { sha256: createHash('sha256').update(`x${i}`).digest() } })));
    const db = new Database(out, { readonly: true });
    const rows = db.prepare('SELECT digest, entry FROM digest_sha256').all() as { digest: Buffer; entry: number }[];
    db.close();
    expect(rows).toHaveLength(33);
    const sorted = [...rows].sort((a, b) => Buffer.compare(a.digest, b.digest));
    expect(rows.map((r) => r.entry)).toEqual(sorted.map((r) => r.entry));
  });
});

describe('an import into a list that a scan has open', () => {
  it('fails with LIST_BUSY and leaves the list as it was', async () => {
    const d = tmp();
    const out = `${d}/l.sqlite`;
    await imp([put(d, 'a.md5', `${HELLO.md5}  a\n`)], out);
    const before = readFileSync(out);
    const reader = openHashList(out);
    try {
      expect(reader.lookupExact('md5', Buffer.from(HELLO.md5, 'hex'))).toHaveLength(1);
      await expect(imp([put(d, 'b.md5', `${WORLD.md5}  b\n`)], out)).rejects.toMatchObject({ code: 'LIST_BUSY' });
    } finally {
      reader.close();
    }
    expect(readFileSync(out).equals(before)).toBe(true);
    const r = await imp([put(d, 'b.md5', `${WORLD.md5}  b\n`)], out);
    expect(r.records).toBe(1);
  }, 20_000);
});

describe('leftovers of a killed import', () => {
  /** A process id that certainly belongs to no running process: one that has just exited. */
  function deadPid(): number {
    const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    return Number(r.stdout);
  }

  it('are removed by the next import into the same list, but only those of processes that are gone', async () => {
    const d = tmp();
    const out = `${d}/l.sqlite`;
    const dead = deadPid();
    const staleTemp = `${d}/.l.sqlite.${dead}.1700000000000.tmp`;
    const staleJournal = `${staleTemp}-journal`;
    const staleSpill = `${d}/.hashtriage-sort-${dead}-AbC123`;
    // Our own process is alive: its leftovers (an import still running) stay.
    const liveTemp = `${d}/.l.sqlite.${process.pid}.1700000000000.tmp`;
    const otherList = `${d}/.other.sqlite.${dead}.1700000000000.tmp`;
    for (const f of [staleTemp, staleJournal, liveTemp, otherList]) writeFileSync(f, 'x'.repeat(1000));
    mkdirSync(staleSpill);
    writeFileSync(`${staleSpill}/run-0`, 'y');
    const r = await imp([put(d, 'a.md5', `${HELLO.md5}  a\n`)], out);
    expect([...(r.removedStale ?? [])].sort()).toEqual([staleSpill, staleTemp, staleJournal].sort());
    expect(readdirSync(d).sort()).toEqual(['.l.sqlite.' + process.pid + '.1700000000000.tmp', '.other.sqlite.' + dead + '.1700000000000.tmp', 'a.md5', 'l.sqlite'].sort());
    // Nothing to remove: the report says nothing.
    const again = await imp([put(d, 'b.md5', `${WORLD.md5}  b\n`)], out);
    expect(again.removedStale).toBeUndefined();
  });
});
