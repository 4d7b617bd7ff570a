/**
 * import: list records per second, look-ups per second, bytes per entry.
 *
 * Generates, in one run, 1,000,000 records (100,000 with --quick) as an
 * md5sum file and as a Project VIC (VICS 1.2) JSON hash set with MD5, SHA-1,
 * category, size and media id, imports each with the real importer into a
 * fresh list, then:
 *   - records/s per input format (target >= 300,000/s), and, without a
 *     target, a VICS 1.3-shaped file (a quarter as many records carrying
 *     PhotoDNA and SHA-256 in AlternativeHashes, as real exports do) and the
 *     bench's VICS file read without the list addon (what an install that
 *     could not compile it gets);
 *   - exact look-ups/s on the md5sum list: half present, all present, none
 *     present (target >= 100,000/s each);
 *   - bytes on disk per entry holding MD5 and SHA-1 (a CSV of just those two
 *     columns; target <= 100), and for the VICS list with its metadata.
 */
import { closeSync, fsyncSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { importLists } from '../src/list/index.js';
import { listAddon, useListAddon } from '../src/list/list-addon.js';
import { openHashList } from '../src/list/reader.js';
import { atLeast, atMost, newResult, round, secondsSince, type Scenario } from './common.js';

/** Deterministic pseudo-random hex digests (xorshift32; speed matters, quality does not). */
function hexSource(seed: number): (bytes: number) => string {
  let a = seed >>> 0 || 1;
  return (bytes) => {
    let s = '';
    for (let i = 0; i < bytes; i += 4) {
      a ^= a << 13;
      a ^= a >>> 17;
      a ^= a << 5;
      s += (a >>> 0).toString(16).padStart(8, '0');
    }
    return s.slice(0, bytes * 2);
  };
}

/**
 * Writes `n` lines made by `line(i)`, in large blocks, and flushes them to
 * disk: otherwise the kernel writes the generated files back while the
 * imports are timed, on the same two cores.
 */
function writeLines(path: string, n: number, line: (i: number) => string, head = '', tail = ''): void {
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, head);
    let block: string[] = [];
    for (let i = 0; i < n; i++) {
      block.push(line(i));
      if (block.length === 10_000) {
        writeSync(fd, block.join(''));
        block = [];
      }
    }
    writeSync(fd, block.join(''));
    writeSync(fd, tail);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

async function timedImport(file: string, out: string): Promise<{ seconds: number; records: number }> {
  const t = performance.now();
  const report = await importLists([file], { out, format: 'auto', skipInvalid: false });
  return { seconds: secondsSince(t), records: report.records };
}

export const importScenario: Scenario = {
  name: 'import',
  summary: 'records/s importing md5sum and VICS lists, look-ups/s, bytes per MD5+SHA-1 entry',
  async run(o) {
    const n = o.quick ? 100_000 : 1_000_000;
    const r = newResult('import', `node dist/bench/run.js import${o.quick ? ' --quick' : ''}`);
    const dir = mkdtempSync(join(tmpdir(), 'hashtriage-bench-import-'));
    try {
      o.log(`import: generating ${n} records per format`);
      const md5s: string[] = [];
      const hex = hexSource(7);
      writeLines(join(dir, 'list.md5'), n, (i) => {
        const h = hex(16);
        if (i % 64 === 0) md5s.push(h);
        return `${h}  evidence/folder-${i % 1000}/file-${i}.jpg\n`;
      });
      const vhex = hexSource(11);
      writeLines(
        join(dir, 'list.json'),
        n,
        (i) => `${i === 0 ? '' : ',\n'}{"MediaID":${i},"MD5":"${vhex(16)}","SHA1":"${vhex(20)}","Category":${(i % 3) + 1},"MediaSize":"${10_000 + i}"}`,
        '{"odata.metadata":"http://github.com/ICMEC/ProjectVic/DataModels/1.2.xml#Media","value":[\n',
        '\n]}\n',
      );
      const chex = hexSource(13);
      writeLines(join(dir, 'list.csv'), n, () => `${chex(16)},${chex(20)}\n`, 'md5,sha1\n');
      const ahex = hexSource(17);
      const photoDna = 'A'.repeat(192);
      writeLines(
        join(dir, 'list13.json'),
        n / 4,
        (i) =>
          `${i === 0 ? '' : ',\n'}{"MediaID":${i},"MD5":"${ahex(16)}","SHA1":"${ahex(20)}","Category":${i % 3},"MediaSize":"${10_000 + i}",` +
          `"AlternativeHashes":[{"HashName":"PhotoDNA","HashValue":"${photoDna}"},{"HashName":"SHA256","HashValue":"${ahex(32)}"}]}`,
        '{"odata.metadata":"http://github.com/ICMEC/ProjectVic/DataModels/1.3.xml#Media","value":[\n',
        '\n]}\n',
      );

      r.figures.records = n;
      o.log('import: md5sum');
      const sum = await timedImport(join(dir, 'list.md5'), join(dir, 'md5.sqlite'));
      o.log('import: VICS');
      const vics = await timedImport(join(dir, 'list.json'), join(dir, 'vics.sqlite'));
      o.log('import: CSV md5,sha1');
      const csv = await timedImport(join(dir, 'list.csv'), join(dir, 'csv.sqlite'));
      o.log('import: VICS 1.3 with AlternativeHashes');
      const vics13 = await timedImport(join(dir, 'list13.json'), join(dir, 'vics13.sqlite'));
      let plain: { seconds: number; records: number } | undefined;
      if (listAddon()) {
        o.log('import: VICS without the list addon');
        useListAddon(false);
        try {
          plain = await timedImport(join(dir, 'list.json'), join(dir, 'vics-plain.sqlite'));
        } finally {
          useListAddon(true);
        }
      } else {
        r.notes.push('the list addon is not built: every import here ran the JavaScript paths');
      }
      for (const [name, x] of [['md5sum', sum], ['VICS', vics], ['CSV md5,sha1', csv]] as const) {
        r.figures[`${name} records/s`] = round(x.records / x.seconds, 0);
        if (x.records !== n) r.notes.push(`${name}: ${x.records} records imported of ${n}`);
      }
      r.figures['VICS 1.3 with AlternativeHashes (PhotoDNA, SHA-256) records/s'] = round(vics13.records / vics13.seconds, 0);
      if (vics13.records !== n / 4) r.notes.push(`VICS 1.3: ${vics13.records} records imported of ${n / 4}`);
      if (plain) r.figures['VICS records/s without the list addon'] = round(plain.records / plain.seconds, 0);
      r.ratios.push(atLeast('md5sum records/s / 300000', sum.records / sum.seconds / 300_000, 1));
      r.ratios.push(atLeast('VICS records/s / 300000', vics.records / vics.seconds / 300_000, 1));

      o.log('import: look-ups');
      const reader = openHashList(join(dir, 'md5.sqlite'));
      try {
        const absent = hexSource(99);
        const present = (i: number): Buffer => Buffer.from(md5s[i % md5s.length]!, 'hex');
        const missing = (): Buffer => Buffer.from(absent(16), 'hex');
        // The scan's usual case is a miss; a list-heavy case is all hits; the bench's mix is half and half.
        const mixes: [string, (i: number) => Buffer, number][] = [
          ['half present', (i) => (i % 2 === 0 ? present(i / 2) : missing()), 0.5],
          ['all present', present, 1],
          ['none present', missing, 0],
        ];
        for (const [label, make, share] of mixes) {
          const queries = Array.from({ length: 200_000 }, (_, i) => make(i));
          for (const q of queries.slice(0, 1000)) reader.lookupExact('md5', q);
          let found = 0;
          const t = performance.now();
          for (const q of queries) if (reader.lookupExact('md5', q).length > 0) found++;
          const s = secondsSince(t);
          r.figures[`look-ups/s (md5, ${label})`] = round(queries.length / s, 0);
          if (found !== queries.length * share) r.notes.push(`look-ups (${label}) found ${found} of ${queries.length * share} present digests`);
          r.ratios.push(atLeast(`look-ups/s (${label}) / 100000`, queries.length / s / 100_000, 1));
        }
      } finally {
        reader.close();
      }
      const bytesCsv = statSync(join(dir, 'csv.sqlite')).size / csv.records;
      r.figures['bytes per MD5+SHA-1 entry (CSV md5,sha1)'] = round(bytesCsv, 1);
      r.figures['bytes per entry (VICS: MD5, SHA-1, category, size, id)'] = round(statSync(join(dir, 'vics.sqlite')).size / vics.records, 1);
      r.figures['bytes per entry (md5sum: MD5, name)'] = round(statSync(join(dir, 'md5.sqlite')).size / sum.records, 1);
      r.ratios.push(atMost('bytes per MD5+SHA-1 entry / 100', bytesCsv / 100, 1));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    return r;
  },
};
