/**
 * EnCase 3–6 binary hash sets (`.hash`): a 0x480-byte header (magic, count,
 * UTF-16LE set name at 0x408 and category at 0x458) then 18-byte entries, a
 * raw MD5 and two zero bytes each. The file carries no per-hash names.
 */
import { open } from 'node:fs/promises';
import { HashtriageError } from '../errors.js';
import type { Role } from '../types.js';
import type { RecordSink } from './record.js';

/** EnCase 3–6 `.hash` signature: "HASH\r\n\xff\0". */
export const ENCASE_MAGIC = Buffer.from([0x48, 0x41, 0x53, 0x48, 0x0d, 0x0a, 0xff, 0x00]);

const HEADER = 0x480;
const ENTRY = 18;

function utf16z(b: Buffer): string {
  const s = b.toString('utf16le');
  const z = s.indexOf('\0');
  return (z < 0 ? s : s.slice(0, z)).trim();
}

/** What the EnCase header says. */
export interface EncaseHeader {
  hashSet: string;
  category: string;
  count: number;
  /** `known` when the category text says so (EnCase's "Known" vs "Notable"). */
  role?: Role;
}

/**
 * Parses an EnCase `.hash` file into the sink.
 * @throws HashtriageError `LIST_MALFORMED` when the header is wrong or the file is shorter than its count says
 */
export async function parseEncaseFile(path: string, sink: RecordSink): Promise<EncaseHeader> {
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(HEADER);
    const { bytesRead } = await fh.read(head, 0, HEADER, 0);
    if (bytesRead < HEADER || !head.subarray(0, 8).equals(ENCASE_MAGIC))
      throw new HashtriageError('LIST_MALFORMED', `${path}: not an EnCase hash set (header of ${bytesRead} bytes)`);
    const count = head.readUInt32LE(0x10);
    const hdr: EncaseHeader = {
      hashSet: utf16z(head.subarray(0x408, 0x458)),
      category: utf16z(head.subarray(0x458, 0x480)),
      count,
    };
    if (/^known\b/i.test(hdr.category)) hdr.role = 'known';
    else if (/^notable\b/i.test(hdr.category)) hdr.role = 'notable';
    const { size } = await fh.stat();
    if (size < HEADER + count * ENTRY)
      throw new HashtriageError(
        'LIST_MALFORMED',
        `${path}: record ${Math.floor((size - HEADER) / ENTRY) + 1}: truncated (header says ${count} hashes, file holds ${Math.floor((size - HEADER) / ENTRY)})`,
      );
    const per = 1 << 16;
    const buf = Buffer.alloc(per * ENTRY);
    for (let i = 0; i < count; i += per) {
      const n = Math.min(per, count - i);
      await fh.read(buf, 0, n * ENTRY, HEADER + i * ENTRY);
      for (let j = 0; j < n; j++) {
        const at = j * ENTRY;
        sink.add({ digests: { md5: Buffer.from(buf.subarray(at, at + 16)) } });
      }
    }
    return hdr;
  } finally {
    await fh.close();
  }
}
