/**
 * Streams a text file line by line with flat memory.
 *
 * Works on bytes so a line is decoded on its own: UTF-8 when the line is
 * valid UTF-8, Latin-1 otherwise (NSRL file names keep the vendor's
 * encoding, and a wrong guess must not corrupt the neighbouring lines).
 */
import { createReadStream } from 'node:fs';
import { isUtf8 } from 'node:buffer';

const CHUNK = 1 << 20;

/**
 * Calls `onLine` for every line (without its `\n` or `\r\n`; a UTF-8 BOM at the start is dropped).
 * @param path file to read
 * @param onLine receives the text and its 1-based number; may throw to stop
 * @throws whatever `onLine` throws, or the read error
 */
export async function forEachLine(path: string, onLine: (line: string, lineNo: number) => void): Promise<void> {
  let carry: Buffer | null = null;
  let lineNo = 0;
  let first = true;
  const emit = (buf: Buffer, start: number, end: number): void => {
    if (first) {
      first = false;
      if (end - start >= 3 && buf[start] === 0xef && buf[start + 1] === 0xbb && buf[start + 2] === 0xbf) start += 3;
    }
    if (end > start && buf[end - 1] === 0x0d) end--;
    const slice = buf.subarray(start, end);
    lineNo++;
    onLine(isUtf8(slice) ? slice.toString('utf8') : slice.toString('latin1'), lineNo);
  };
  /**
   * Emits every line of `text` (whole lines, already decoded, no final newline).
   * Same results as {@link emit} on the bytes: valid UTF-8 split at `\n` bytes
   * gives valid UTF-8 pieces, and the BOM bytes decode to U+FEFF.
   */
  const emitText = (text: string): void => {
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      let end = nl < 0 ? text.length : nl;
      let from = start;
      if (first) {
        first = false;
        if (text.charCodeAt(from) === 0xfeff) from++;
      }
      if (end > from && text.charCodeAt(end - 1) === 0x0d) end--;
      lineNo++;
      onLine(text.slice(from, end), lineNo);
      if (nl < 0) return;
      start = nl + 1;
    }
  };
  const stream = createReadStream(path, { highWaterMark: CHUNK });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let buf: Buffer = carry ? Buffer.concat([carry, chunk]) : chunk;
      carry = null;
      let start = 0;
      // Decoding and checking a whole block of lines at once costs far less than doing it line by line;
      // a block with any invalid UTF-8 goes line by line so only the bad lines fall back to Latin-1.
      const last = buf.lastIndexOf(0x0a);
      if (last >= 0 && isUtf8(buf.subarray(0, last))) {
        emitText(buf.toString('utf8', 0, last));
        start = last + 1;
      }
      for (;;) {
        const nl = buf.indexOf(0x0a, start);
        if (nl < 0) break;
        emit(buf, start, nl);
        start = nl + 1;
      }
      if (start < buf.length) carry = Buffer.from(buf.subarray(start));
    }
    if (carry && carry.length > 0) emit(carry, 0, carry.length);
  } finally {
    stream.destroy();
  }
}

/**
 * Reads at most `bytes` from the start of a file, for format detection.
 * @throws the open/read error
 */
export async function readHead(path: string, bytes = 64 * 1024): Promise<Buffer> {
  const { open } = await import('node:fs/promises');
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await fh.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}
