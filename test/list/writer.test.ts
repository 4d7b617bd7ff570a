import { describe, it, expect } from 'vitest';
import { createHash } from 'node:crypto';
import { listInfo, lookup } from '../../src/list/index.js';
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
