import { describe, it, expect } from 'vitest';
import Database from 'better-sqlite3';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { importLists, listInfo, lookup } from '../../src/list/index.js';
import { HELLO, WORLD, imp, put, tmp } from './helpers.js';

describe('importLists', () => {
  it('adds a source to an existing list and keeps both provenances of a shared hash', async () => {
    const d = tmp();
    const out = `${d}/l.sqlite`;
    await imp([put(d, 'a.txt', `${HELLO.md5}  from-a\n`)], out, { name: 'A' });
    const r = await imp([put(d, 'b.txt', `${HELLO.md5}  from-b\n${WORLD.md5}  w\n`)], out, { name: 'B', role: 'known' });
    expect(r.created).toBe(false);
    const found = lookup(out, [HELLO.md5])[0]!;
    expect(found.entries.map((e) => [e.source, e.name, e.role])).toEqual([
      ['A', 'from-a', 'notable'],
      ['B', 'from-b', 'known'],
    ]);
    expect(listInfo(out).sources.map((s) => [s.name, s.records])).toEqual([
      ['A', 1],
      ['B', 2],
    ]);
  });

  it('adds nothing when the same file is imported twice (same SHA-256)', async () => {
    const d = tmp();
    const out = `${d}/l.sqlite`;
    const f = put(d, 'a.txt', `${HELLO.md5}  x\n`);
    await imp([f], out);
    const before = listInfo(out);
    const r = await imp([f], out, { name: 'again' });
    expect(r.sources[0]!.status).toBe('skipped-duplicate-source');
    const after = listInfo(out);
    expect(after.entries).toBe(before.entries);
    expect(after.sources).toHaveLength(1);
  });

  it('counts repeated records once and reports them as duplicates', async () => {
    const d = tmp();
    const f = put(d, 'dup.txt', `${HELLO.md5}  a\n${HELLO.md5}  b\n${WORLD.md5}  c\n`);
    const r = await imp([f], `${d}/l.sqlite`);
    expect(r.sources[0]).toMatchObject({ records: 2, duplicates: 1 });
    expect(lookup(`${d}/l.sqlite`, [HELLO.md5])[0]!.entries.map((e) => e.name)).toEqual(['a']);
  });

  it('leaves no new list file behind when an import fails', async () => {
    const d = tmp();
    const good = put(d, 'good.txt', `${HELLO.md5}  x\n`);
    const bad = put(d, 'bad.txt', `${WORLD.md5}  y\nnot a hash line at all\n`);
    await expect(imp([good, bad], `${d}/new.sqlite`)).rejects.toMatchObject({ code: 'LIST_MALFORMED', message: expect.stringContaining('bad.txt: line 2') });
    expect(existsSync(`${d}/new.sqlite`)).toBe(false);
    expect(readdirSync(d).sort()).toEqual(['bad.txt', 'good.txt']);
  });

  it('leaves an existing list byte-for-byte unchanged when an import fails', async () => {
    const d = tmp();
    const out = `${d}/l.sqlite`;
    await imp([put(d, 'a.txt', `${HELLO.md5}  x\n`)], out);
    const before = readFileSync(out);
    const ok = put(d, 'b.txt', `${WORLD.md5}  y\n`);
    const truncated = put(d, 'c.json', '{"@odata.context":"http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/US/$metadata#Media","value":[{"MD5":"' + WORLD.md5 + '"},');
    await expect(imp([ok, truncated], out)).rejects.toMatchObject({ code: 'LIST_MALFORMED', message: expect.stringMatching(/c\.json: line 1: truncated JSON/) });
    expect(readFileSync(out).equals(before)).toBe(true);
    expect(lookup(out, [WORLD.md5])[0]!.found).toBe(false);
  });

  it('refuses empty files, unknown formats and foreign SQLite schemas with their codes', async () => {
    const d = tmp();
    await expect(imp([put(d, 'e.txt', '')], `${d}/1.sqlite`)).rejects.toMatchObject({ code: 'LIST_EMPTY' });
    await expect(imp([put(d, 'blank.txt', '\n  \n')], `${d}/2.sqlite`)).rejects.toMatchObject({ code: 'LIST_EMPTY' });
    await expect(imp([put(d, 'prose.txt', 'Dear reader,\nthis is not a list.\n')], `${d}/3.sqlite`)).rejects.toMatchObject({
      code: 'LIST_FORMAT_UNKNOWN',
      message: expect.stringContaining('prose.txt'),
    });
    const foreign = new Database(`${d}/other.db`);
    foreign.exec('CREATE TABLE stuff (a TEXT); INSERT INTO stuff VALUES (1)');
    foreign.close();
    await expect(imp([`${d}/other.db`], `${d}/4.sqlite`)).rejects.toMatchObject({ code: 'LIST_FOREIGN_SCHEMA' });
    await expect(imp([put(d, 'j.json', '{"a": 1}')], `${d}/5.sqlite`)).rejects.toMatchObject({ code: 'LIST_FORMAT_UNKNOWN' });
    for (const n of [1, 2, 3, 4, 5]) expect(existsSync(`${d}/${n}.sqlite`)).toBe(false);
  });

  it('refuses a target that is not a hashtriage list', async () => {
    const d = tmp();
    const foreign = new Database(`${d}/other.db`);
    foreign.exec('CREATE TABLE stuff (a TEXT)');
    foreign.close();
    await expect(imp([put(d, 'a.txt', `${HELLO.md5}  x\n`)], `${d}/other.db`)).rejects.toMatchObject({ code: 'LIST_SCHEMA_MISMATCH' });
  });

  it('with skipInvalid imports the valid records and reports the first rejections', async () => {
    const d = tmp();
    const lines = [`${HELLO.md5}  ok`];
    for (let i = 0; i < 15; i++) lines.push(`zz${i}  bad`);
    lines.push(`${WORLD.md5}  ok2`);
    const r = await imp([put(d, 'm.txt', lines.join('\n'))], `${d}/l.sqlite`, { skipInvalid: true });
    expect(r.sources[0]).toMatchObject({ records: 2, rejected: 15 });
    expect(r.sources[0]!.rejections).toHaveLength(10);
    expect(r.sources[0]!.rejections[0]).toEqual({ line: 2, reason: expect.stringContaining('non-hex') });
  });

  it('reports progress with the running record count', async () => {
    const d = tmp();
    const seen: number[] = [];
    await importLists([put(d, 'a.txt', `${HELLO.md5}  x\n${WORLD.md5}  y\n`)], {
      out: `${d}/l.sqlite`,
      format: 'auto',
      skipInvalid: false,
      onProgress: (n) => seen.push(n),
    });
    expect(seen[seen.length - 1]).toBe(2);
  });

  it('rejects an unknown --format name', async () => {
    const d = tmp();
    await expect(
      importLists([put(d, 'a.txt', `${HELLO.md5}  x\n`)], { out: `${d}/l.sqlite`, format: 'nope' as 'csv', skipInvalid: false }),
    ).rejects.toMatchObject({ code: 'USAGE_INVALID_OPTION' });
  });
});
