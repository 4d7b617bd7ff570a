import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseVicsFile } from '../../src/list/format-vics.js';
import type { ImportRecord, RecordSink } from '../../src/list/record.js';
import { listAddonStatus, useListAddon } from '../../src/list/list-addon.js';
import { mediaScanner, SCANNED_FIELDS } from '../../src/list/vics-scan.js';
import { FIXTURES, imp, put, tmp } from './helpers.js';

const built = useListAddon(true);
afterEach(() => {
  useListAddon(true);
});

const MD5 = '00112233445566778899aabbccddeeff';
const SHA1 = '0123456789abcdef0123456789abcdef01234567';
const HEAD = '{"odata.metadata":"http://github.com/ICMEC/ProjectVic/DataModels/1.2.xml#Media","value":[\n';

/**
 * What the native scanner reads at the start of `text`: [values by field name, line] per record, and how far it got.
 * A digest it decoded shows as `bytes:<hex>`; AlternativeHashes objects as `Alternatives` (JSON).
 */
function scan(text: string): { records: [Record<string, string>, number][]; end: number; lines: number } | undefined {
  useListAddon(true);
  const records: [Record<string, string>, number][] = [];
  const batch = mediaScanner((values, alternatives, line) => {
    const named: Record<string, string> = {};
    values.forEach((v, i) => {
      if (v !== undefined) named[SCANNED_FIELDS[i]!] = typeof v === 'string' ? v : `bytes:${v.toString('hex')}`;
    });
    if (alternatives) named.Alternatives = JSON.stringify(alternatives);
    records.push([named, line]);
  });
  const read = batch!(text, 0, 1);
  return read && { records, end: read.end, lines: read.lines };
}

/** Everything an import of `value` (the text inside the root array, or a whole document) gives: records, rejections, or the error. */
async function outcome(value: string, scanner: boolean, whole = false): Promise<unknown> {
  useListAddon(scanner);
  const file = put(tmp(), 'l.json', whole ? value : `${HEAD}${value}\n]}\n`);
  const records: unknown[] = [];
  const sink: RecordSink = {
    add: (r: ImportRecord) => records.push(JSON.parse(JSON.stringify(r))),
    reject: (line, reason) => records.push({ line, reason }),
    warn: () => {},
  };
  try {
    await parseVicsFile(file, sink);
    return records;
  } catch (err) {
    return { records, error: (err as Error).message.replace(file, 'FILE') };
  }
}

/** Asserts both paths agree on `value`, and returns the native path's outcome. */
async function same(value: string, whole = false): Promise<unknown> {
  const native = await outcome(value, true, whole);
  expect(native).toEqual(await outcome(value, false, whole));
  return native;
}

describe.skipIf(!built)('native VICS Media scanner', () => {
  it('is built here', () => {
    expect(listAddonStatus()).toMatch(/hashtriage_list\.node/);
  });

  it('reads a run of records with their values as JSON.parse gives them, and where each starts', () => {
    const text = `{"MediaID":7,"MD5":"${MD5}","Category":"2","VictimIdentified":true,"MediaSize":"12"},\n  {"SHA1":"${SHA1.toUpperCase()}","Comments":"caf\\u00e9 \\"x\\"","Series":null,"MediaFiles":[1,{"FileName":"a.jpg","FilePath":"C:\\\\x"},{"FileName":"b.jpg"}]}\n]`;
    const got = scan(text)!;
    expect(got.records).toEqual([
      [{ MediaID: '7', MD5: `bytes:${MD5}`, Category: '2', VictimIdentified: 'true', MediaSize: '12' }, 1],
      [{ SHA1: `bytes:${SHA1}`, Comments: 'café "x"', FileName: 'a.jpg' }, 2],
    ]);
    // Stops after the last record, before the closing bracket, having passed one line break.
    expect(text.slice(got.end)).toBe('\n]');
    expect(got.lines).toBe(1);
  });

  it('passes over unknown keys, nested values and escapes, and reads non-ASCII text as is', () => {
    const text = `{"odata.id":"Media(\\"${MD5}\\")","Exifs":[{"a":[1,2.5,-3,{"b":null}]},[],{}],"MD5":"${MD5}","Comments":"日本語 ✓","AlternativeHashes":[]}`;
    expect(scan(text)!.records).toEqual([[{ MD5: `bytes:${MD5}`, Comments: '日本語 ✓' }, 1]]);
  });

  it("hands over each AlternativeHashes object's HashName and HashValue, in order, passing over the rest", () => {
    const text = `{"MD5":"${MD5}","AlternativeHashes":[{"HashName":"PhotoDNA","HashValue":"QUJD","Other":[1]},7,{"HashName":"SHA-256","HashValue":null},{},"x",{"HashValue":"\\u0041"}]},{"AlternativeHashes":"no"},{"AlternativeHashes":[]}`;
    expect(scan(text)!.records.map(([v]) => v.Alternatives)).toEqual([
      JSON.stringify([{ HashName: 'PhotoDNA', HashValue: 'QUJD' }, { HashName: 'SHA-256' }, {}, { HashValue: 'A' }]),
      undefined,
      undefined,
    ]);
  });

  it('reads every ASCII character in a string as JSON.parse does, and decodes exactly the hex digits', () => {
    for (let code = 0; code < 128; code++) {
      const ch = String.fromCharCode(code);
      const text = `{"Comments":"a${ch}b"}`;
      let want: string | undefined;
      try {
        want = (JSON.parse(text) as { Comments: string }).Comments;
      } catch {
        want = undefined;
      }
      expect(scan(text)?.records[0]![0].Comments, `code ${code}`).toBe(want);
      if (code < 0x20 || ch === '"' || ch === '\\') continue;
      const md5 = ch.repeat(32);
      const hex = /[0-9a-f]/i.test(ch);
      expect(scan(`{"MD5":"${md5}"}`)!.records[0]![0].MD5, `code ${code}`).toBe(hex ? `bytes:${md5.toLowerCase()}` : md5);
    }
  });

  it('decodes only a digest that is exactly its length in hex digits, and hands any other as text', () => {
    const text = `{"MD5":" ${MD5}","SHA1":"${SHA1.slice(1)}g"},{"MD5":"${MD5}0","SHA1":"\\u0030${SHA1.slice(1)}"}`;
    expect(scan(text)!.records.map(([v]) => v)).toEqual([
      { MD5: ` ${MD5}`, SHA1: `${SHA1.slice(1)}g` },
      { MD5: `${MD5}0`, SHA1: `0${SHA1.slice(1)}` },
    ]);
  });

  it.each([
    ['a kept field named twice', `{"MD5":"${MD5}","MD5":"${MD5}"}`],
    ['another spelling of a kept name', `{"md5":"${MD5}"}`],
    ['another spelling of FileName', '{"MediaFiles":[{"filename":"a"}]}'],
    ['an escaped key', '{"M\\u00445":"x"}'],
    ['a non-ASCII key', '{"Médiá":1}'],
    ['another spelling of HashName', '{"AlternativeHashes":[{"hashName":"MD5","HashValue":"x"}]}'],
    ['an object as a HashValue', '{"AlternativeHashes":[{"HashName":"MD5","HashValue":{}}]}'],
    ['HashValue named twice', '{"AlternativeHashes":[{"HashValue":"a","HashValue":"b"}]}'],
    ['an object in a kept field', '{"Category":{"a":1}}'],
    ['a fraction in a kept field', '{"Category":1.5}'],
    ['minus zero in a kept field', '{"Category":-0}'],
    ['an exponent anywhere', '{"X":1e3}'],
    ['a 16-digit integer anywhere', '{"X":1234567890123456}'],
    ['a raw control character in a string', '{"Comments":"a\tb"}'],
    ['an invalid escape', '{"Comments":"a\\qb"}'],
    ['a leading zero', '{"MediaID":01}'],
    ['a trailing comma', '{"MediaID":1,}'],
    ['a missing colon', '{"MediaID" 1}'],
    ['a bad literal', '{"X":tru}'],
    ['a cut-off record', '{"MediaID":1'],
    ['nesting deeper than 128', `{"X":${'['.repeat(130)}${']'.repeat(130)}}`],
  ])('leaves to JavaScript: %s', (_why, text) => {
    expect(scan(text)).toBeUndefined();
  });

  it('reads a record larger than its first window, by asking again with more text', () => {
    const big = 'x'.repeat(300_000);
    const got = scan(`{"MD5":"${MD5}","Comments":"${big}"}`)!;
    expect(got.records[0]![0].Comments).toHaveLength(300_000);
  });
});

describe.skipIf(!built)('VICS import: native scanner and JSON.parse paths agree', () => {
  it('on records the scanner reads and records it leaves, mixed, with rejections on the right lines', async () => {
    const records = [
      `{"MediaID":1,"MD5":"${MD5}","SHA1":"${SHA1}","Category":3,"MediaSize":"100"}`,
      `{"MediaID":2,"md5":"${MD5}"}`,
      `{"MediaID":3,"MD5":"${MD5.slice(2)}"}`,
      `{"MediaID":4,"MD5":" ${MD5.toUpperCase()} ","VictimIdentified":"TRUE","RelativeFilePath":"Files\\\\a.txt"}`,
      `{"MediaID":5,"MD5":"${MD5}","MediaSize":"12x"}`,
      `{"MediaID":6,"SHA1":"${SHA1}","AlternativeHashes":[{"HashName":"SHA-256","HashValue":"${MD5}${MD5}"}]}`,
      `{"MediaID":7,"MD5":"${MD5}","MediaFiles":[{"FileName":" spaced.jpg "}],"RelativeFilePath":"r.jpg"}`,
      `{"MediaID":8,"SHA1":"${SHA1}","MediaFiles":[{"FilePath":"p"}],"RelativeFilePath":"r.jpg","VictimIdentified":false}`,
      `{"MediaID":9,"MD5":"${MD5}","Big":12345678901234567890}`,
      `{"MediaID":10,"MD5":"${MD5}","PhotoDNA":"${'A'.repeat(192)}"}`,
      `{"MediaID":11,"MD5":12}`,
      `{"MediaID":12,"MD5":"${MD5}","Category":true,"Series":"\\u2028s\\u2029"}`,
    ];
    const result = await same(records.join(',\n'));
    expect(result).toHaveLength(12);
    expect(result).toContainEqual({ line: 4, reason: 'wrong hash length for md5: 30 hex digits, expected 32' });
  });

  it('on every VICS and CAID fixture (real CAID exports, synthetic 1.3 and 2.0 hash sets and case exports), pretty-printed and with CRLF', async () => {
    const files = [
      ...readdirSync(FIXTURES).filter((f) => f.endsWith('.json')).map((f) => join(FIXTURES, f)),
      ...readdirSync(join(FIXTURES, 'synthetic')).filter((f) => f.endsWith('.json')).map((f) => join(FIXTURES, 'synthetic', f)),
    ];
    expect(files.length).toBeGreaterThanOrEqual(9);
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      for (const doc of [text, text.replace(/\r?\n/g, '\r\n')]) {
        const r = await same(doc, true);
        expect(Array.isArray(r) && r.length > 0, f).toBe(true);
      }
    }
  });

  it('on a case export (value[i].Media[j]), every record read by the scanner', async () => {
    const media = (i: number) => `{"MediaID":${i},"MD5":"${MD5.slice(0, 30)}${String(i).padStart(2, '0')}","Category":"${i % 3}"}`;
    const doc = `{"@odata.context":"http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/US/$metadata#Cases","value":[
      {"CaseID":"a","Media":[${[1, 2, 3].map(media).join(',\n')}]},
      {"CaseID":"b","Media":[${[4, 5].map(media).join(',')}],"Other":[1]}]}`;
    const r = (await same(doc, true)) as { mediaId: string }[];
    expect(r.map((x) => x.mediaId)).toEqual(['1', '2', '3', '4', '5']);
    expect(scan(`${[1, 2, 3].map(media).join(',\n')}]`)!.records).toHaveLength(3);
  });

  it('on a file of several read chunks (1 MiB each), records cut by every chunk boundary', async () => {
    // 20,000 records of about 150 characters: records straddle the boundaries, and an odd one every 997 takes the JavaScript path.
    const recs = Array.from({ length: 20_000 }, (_, i) =>
      i % 997 === 0
        ? `{"MediaID":${i},"md5":"${MD5}"}`
        : `{"MediaID":${i},"MD5":"${i.toString(16).padStart(32, '0')}","SHA1":"${SHA1}","Category":${i % 3},"MediaSize":"${i}","Comments":"record ${i}"}`,
    );
    const r = (await same(recs.join(',\n'))) as { mediaId: string }[];
    expect(r).toHaveLength(20_000);
    expect(r[12_345]).toMatchObject({ mediaId: '12345', comment: 'record 12345' });
  });

  it('on a file whose records all go to JavaScript (the scanner stands aside after failing), and the records after them', async () => {
    const left = Array.from({ length: 3000 }, (_, i) => `{"MediaID":${i},"md5":"${MD5}"}`);
    const read = Array.from({ length: 3000 }, (_, i) => `{"MediaID":${3000 + i},"MD5":"${MD5}"}`);
    const r = (await same([...left, ...read].join(',\n'))) as { mediaId: string }[];
    expect(r.map((x) => Number(x.mediaId))).toEqual(Array.from({ length: 6000 }, (_, i) => i));
  });

  it('on a strict import that stops at a bad record inside a run the scanner reads, with nothing left behind', async () => {
    const recs = Array.from({ length: 5000 }, (_, i) => `{"MediaID":${i},"MD5":"${i === 3210 ? 'zz' : i.toString(16).padStart(32, '0')}"}`);
    const messages: string[] = [];
    for (const native of [true, false]) {
      useListAddon(native);
      const d = tmp();
      const file = put(d, 'l.json', `${HEAD}${recs.join(',\n')}\n]}\n`);
      const err = (await imp([file], join(d, 'l.sqlite')).catch((e: Error) => e)) as Error & { code?: string };
      expect(err.code).toBe('LIST_MALFORMED');
      expect(readdirSync(d)).toEqual(['l.json']);
      messages.push(err.message.replace(file, 'FILE'));
    }
    expect(messages[0]).toBe(messages[1]);
    expect(messages[0]).toMatch(/line 3212: /);
  });

  it('on syntax errors, reporting the same line', async () => {
    const good = `{"MD5":"${MD5}"}`;
    for (const bad of [`${good},\n${good},\n{"MD5":"x",}`, `${good},\n{"MD5":"${MD5}"\n${good}`, `${good},\n${good}},\n${good}`]) {
      const r = (await same(bad)) as { error?: string };
      expect(r.error).toMatch(/line \d+/);
    }
  });

  it('on a thousand randomly damaged records', async () => {
    // Seeded, so a failure can be replayed.
    let seed = 12345;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const pieces = [
      `"MD5":"${MD5}"`,
      `"SHA1":"${SHA1}"`,
      '"Category":2',
      '"Category":"1"',
      '"MediaSize":"99"',
      '"MediaID":-4',
      '"VictimIdentified":"false"',
      '"Comments":"a\\"b\\\\c\\u00e9"',
      '"MediaFiles":[{"FileName":"f.jpg"}]',
      '"AlternativeHashes":[]',
      `"AlternativeHashes":[{"HashName":"SHA256","HashValue":"${MD5}${MD5}"},{"HashName":"photo_dna","HashValue":"${'A'.repeat(192)}"}]`,
      '"AlternativeHashes":[{"HashName":"ahash","HashValue":"00ff00ff00ff00ff"},{"HashName":"EDK","HashValue":"x"},null]',
      '"Other":{"x":[1,2,{"y":"z"}]}',
      '"Series":null',
    ];
    const junk = ['"', ',', '{', '}', '[', ']', ':', '\\', '1', 'e', '-', ' ', '\n', 'é', 'x', '0', '.'];
    const docs: string[] = [];
    let readNatively = 0;
    for (let d = 0; d < 50; d++) {
      const recs: string[] = [];
      for (let r = 0; r < 20; r++) {
        // Distinct members mostly (a repeated kept name is one of the cases left to JavaScript).
        const members = Array.from({ length: 1 + rand(5) }, () => pieces[rand(pieces.length)]!).filter((m, i, all) => rand(8) === 0 || all.indexOf(m) === i);
        let rec = `{${members.join(',')}}`;
        if (rand(3) === 0) {
          const at = rand(rec.length);
          const op = rand(3);
          rec = op === 0 ? rec.slice(0, at) + rec.slice(at + 1) : op === 1 ? rec.slice(0, at) + junk[rand(junk.length)]! + rec.slice(at) : rec.slice(0, at) + junk[rand(junk.length)]! + rec.slice(at + 1);
        }
        recs.push(rec);
        readNatively += scan(rec)?.records.length ?? 0;
      }
      docs.push(recs.join(',\n'));
    }
    for (const doc of docs) await same(doc);
    // The comparison means something only if the scanner read a good share of the records itself.
    expect(readNatively).toBeGreaterThan(300);
  });
});
