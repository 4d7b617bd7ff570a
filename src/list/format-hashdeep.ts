/**
 * hashdeep files (`%%%% HASHDEEP-1.0`): line 2 names the columns, the first is
 * `size` and the last `filename`; commas after the last hash belong to the name.
 */
import { HashtriageError } from '../errors.js';
import type { CryptoAlgorithm } from '../types.js';
import { decodeDigest, isProblem } from './hex.js';
import { forEachLine } from './lines.js';
import type { ImportRecord, RecordSink } from './record.js';

/** hashdeep column names → our algorithms; `tiger` and `whirlpool` are read past. */
const COLUMN: Readonly<Record<string, CryptoAlgorithm | null>> = {
  md5: 'md5',
  sha1: 'sha1',
  'sha-1': 'sha1',
  sha256: 'sha256',
  'sha-256': 'sha256',
  tiger: null,
  whirlpool: null,
};

/**
 * Parses a hashdeep file into the sink.
 * @throws HashtriageError `LIST_MALFORMED` when the two header lines are missing or wrong
 */
export async function parseHashdeepFile(path: string, sink: RecordSink): Promise<void> {
  let columns: (CryptoAlgorithm | null)[] | null = null;
  await forEachLine(path, (line, lineNo) => {
    if (lineNo === 1) {
      if (!/^%%%% HASHDEEP-1\.0\s*$/i.test(line))
        throw new HashtriageError('LIST_MALFORMED', `${path}: line 1: expected "%%%% HASHDEEP-1.0"`);
      return;
    }
    if (lineNo === 2) {
      const m = /^%%%% (.*)$/.exec(line);
      const names = m ? m[1]!.trim().toLowerCase().split(',') : [];
      if (names[0] !== 'size' || names[names.length - 1] !== 'filename' || names.length < 3)
        throw new HashtriageError('LIST_MALFORMED', `${path}: line 2: expected "%%%% size,<hashes>,filename"`);
      const mid = names.slice(1, -1);
      const unknown = mid.find((n) => !(n in COLUMN));
      if (unknown) throw new HashtriageError('LIST_MALFORMED', `${path}: line 2: unknown hashdeep column ${JSON.stringify(unknown)}`);
      columns = mid.map((n) => COLUMN[n]!);
      return;
    }
    if (line.startsWith('#') || line.trim() === '' || !columns) return;
    const parts: string[] = [];
    let at = 0;
    for (let i = 0; i <= columns.length; i++) {
      const c = line.indexOf(',', at);
      if (c < 0) return sink.reject(lineNo, `expected ${columns.length + 2} comma-separated fields`);
      parts.push(line.slice(at, c));
      at = c + 1;
    }
    const name = line.slice(at);
    if (!/^\d+$/.test(parts[0]!)) return sink.reject(lineNo, `size is not a whole number: ${JSON.stringify(parts[0])}`);
    const rec: ImportRecord = { digests: {}, size: Number(parts[0]) };
    if (name !== '') rec.name = name;
    for (let i = 0; i < columns.length; i++) {
      const a = columns[i];
      if (!a) continue;
      const d = decodeDigest(parts[i + 1]!, a);
      if (isProblem(d)) return sink.reject(lineNo, d.reason);
      rec.digests[a] = d;
    }
    if (Object.keys(rec.digests).length === 0) return sink.reject(lineNo, 'no md5/sha1/sha256 column');
    sink.add(rec);
  });
  if (!columns) throw new HashtriageError('LIST_MALFORMED', `${path}: hashdeep header is incomplete`);
}
