import { describe, it, expect } from 'vitest';
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { copyFileSync, readFileSync, statSync } from 'node:fs';
import { openHashList, SCHEMA_VERSION } from '../../src/list/index.js';
import { HELLO, WORLD, imp, put, tmp } from './helpers.js';

describe('openHashList', () => {
  it('reports a missing file, a non-SQLite file, a foreign database and another schema version', async () => {
    const d = tmp();
    expect(() => openHashList(`${d}/none.sqlite`)).toThrow(expect.objectContaining({ code: 'LIST_NOT_FOUND' }));
    expect(() => openHashList(put(d, 'text.sqlite', 'just text, long enough to not be an empty database file'.repeat(20)))).toThrow(
      expect.objectContaining({ code: 'LIST_UNREADABLE' }),
    );
    const f = new Database(`${d}/f.db`);
    f.exec('CREATE TABLE x (a)');
    f.close();
    expect(() => openHashList(`${d}/f.db`)).toThrow(expect.objectContaining({ code: 'LIST_SCHEMA_MISMATCH' }));
    await imp([put(d, 'a.txt', `${HELLO.md5}  x\n`)], `${d}/l.sqlite`);
    copyFileSync(`${d}/l.sqlite`, `${d}/v.sqlite`);
    const v = new Database(`${d}/v.sqlite`);
    v.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    v.close();
    expect(() => openHashList(`${d}/v.sqlite`)).toThrow(expect.objectContaining({ code: 'LIST_SCHEMA_MISMATCH' }));
  });

  it('answers exact lookups, lists its algorithms and describes itself', async () => {
    const d = tmp();
    const out = `${d}/l.sqlite`;
    await imp([put(d, 'a.csv', `md5,sha1,name,size,category,series\n${HELLO.md5},${HELLO.sha1},h.txt,6,2,S1\n`)], out, { name: 'set A' });
    const h = openHashList(out);
    expect([...h.algorithms].sort()).toEqual(['md5', 'sha1']);
    expect(h.lookupExact('sha1', Buffer.from(HELLO.sha1, 'hex'))).toEqual([
      { source: 'set A', role: 'notable', name: 'h.txt', size: 6, category: '2', series: 'S1' },
    ]);
    expect(h.lookupExact('md5', Buffer.from(WORLD.md5, 'hex'))).toEqual([]);
    expect(h.lookupExact('sha256', Buffer.from(HELLO.sha256, 'hex'))).toEqual([]);
    const desc = h.describe();
    h.close();
    expect(desc.schemaVersion).toBe(SCHEMA_VERSION);
    expect(desc.sha256).toBe(createHash('sha256').update(readFileSync(out)).digest('hex'));
    expect(desc.sources).toEqual([
      expect.objectContaining({ name: 'set A', format: 'csv', fileName: 'a.csv', records: 1, role: 'notable', sha256: createHash('sha256').update(readFileSync(`${d}/a.csv`)).digest('hex') }),
    ]);
  });

  it('yields perceptual values with their low-information flag and their entries', async () => {
    const d = tmp();
    const out = `${d}/l.sqlite`;
    const csv = [
      'phash\tpdq\tquality\tname',
      `ba8c84536bd3c366\t${'a5'.repeat(32)}\t90\tgood`,
      `0000000000000000\t${'a5'.repeat(32)}\t20\tflat`,
      `ba8c84536bd3c366\t\t\tsame phash again`,
    ].join('\n');
    await imp([put(d, 'p.tsv', csv)], out);
    const h = openHashList(out);
    expect(h.algorithms.has('phash') && h.algorithms.has('pdq')).toBe(true);
    const ph = [...h.perceptualValues('phash')];
    expect(ph.map((v) => [v.value.toString('hex'), v.lowInformation])).toEqual([
      ['0000000000000000', true],
      ['ba8c84536bd3c366', false],
    ]);
    const good = ph.find((v) => !v.lowInformation)!;
    expect(h.perceptualEntries('phash', good.id).map((e) => e.name)).toEqual(['good', 'same phash again']);
    // The PDQ value is flagged only where its quality is below 50; one good entry keeps it usable.
    const pdq = [...h.perceptualValues('pdq')];
    expect(pdq).toHaveLength(1);
    expect(pdq[0]!.lowInformation).toBe(false);
    h.close();
  });

  it('stays within 100 bytes per MD5+SHA-1 entry on disk', async () => {
    const d = tmp();
    const n = 50_000;
    const lines = ['md5,sha1'];
    for (let i = 0; i < n; i++) {
      const md5 = createHash('md5').update(String(i)).digest('hex');
      const sha1 = createHash('sha1').update(String(i)).digest('hex');
      lines.push(`${md5},${sha1}`);
    }
    await imp([put(d, 'big.csv', lines.join('\n'))], `${d}/l.sqlite`);
    const perEntry = statSync(`${d}/l.sqlite`).size / n;
    expect(perEntry).toBeLessThanOrEqual(100);
  });
});
