import { describe, it, expect } from 'vitest';
import { openHashList, lookup } from '../../src/list/index.js';
import { HELLO, WORLD, imp, put, tmp } from './helpers.js';

describe('sum files', () => {
  it('imports md5sum text and binary mode lines, escaped names and bare hashes', async () => {
    const d = tmp();
    const f = put(
      d,
      'list.md5',
      `${HELLO.md5}  hello.txt\n${WORLD.md5} *world.bin\n\\d41d8cd98f00b204e9800998ecf8427e  back\\\\slash\\nname\n8035D3C4292A62C9F2F8BA899ABCF473\n`,
    );
    const r = await imp([f], `${d}/l.sqlite`);
    expect(r.sources[0]).toMatchObject({ format: 'md5sum', records: 4, rejected: 0, role: 'notable' });
    const res = lookup(`${d}/l.sqlite`, [HELLO.md5, WORLD.md5.toUpperCase(), 'd41d8cd98f00b204e9800998ecf8427e', '8035d3c4292a62c9f2f8ba899abcf473']);
    expect(res.map((x) => x.entries[0]?.name)).toEqual(['hello.txt', 'world.bin', 'back\\slash\nname', undefined]);
  });

  it('infers each line\'s algorithm from its length', async () => {
    const d = tmp();
    const f = put(d, 'mixed.txt', `${HELLO.md5}  a\n${HELLO.sha1}  a\n${HELLO.sha256}  a\n${'ab'.repeat(64)}  a\n`);
    const r = await imp([f], `${d}/l.sqlite`);
    expect(r.sources[0]!.format).toBe('sum');
    const h = openHashList(`${d}/l.sqlite`);
    expect([...h.algorithms].sort()).toEqual(['md5', 'sha1', 'sha256', 'sha512']);
    expect(h.lookupExact('sha512', Buffer.from('ab'.repeat(64), 'hex'))).toHaveLength(1);
    h.close();
  });

  it('reads 64 hex digits as BLAKE3 with --format b3sum or a "# b3sum" first line, SHA-256 otherwise', async () => {
    const d = tmp();
    const forced = await imp([put(d, 'a.txt', `${HELLO.sha256}  x\n`)], `${d}/a.sqlite`, { format: 'b3sum' });
    expect(forced.sources[0]!.format).toBe('b3sum');
    const header = await imp([put(d, 'b.txt', `# b3sum 1.5\n${WORLD.sha256}  y\n`)], `${d}/b.sqlite`);
    expect(header.sources[0]!.format).toBe('b3sum');
    const plain = await imp([put(d, 'c.txt', `${HELLO.sha256}  z\n`)], `${d}/c.sqlite`);
    expect(plain.sources[0]!.format).toBe('sha256sum');
    const a = openHashList(`${d}/a.sqlite`);
    expect([...a.algorithms]).toEqual(['blake3']);
    expect(a.lookupExact('blake3', Buffer.from(HELLO.sha256, 'hex'))[0]!.name).toBe('x');
    expect(a.lookupExact('sha256', Buffer.from(HELLO.sha256, 'hex'))).toEqual([]);
    a.close();
  });

  it('imports BSD tag lines including BLAKE3', async () => {
    const d = tmp();
    const f = put(d, 'tags.txt', `MD5 (a b.txt) = ${HELLO.md5}\nSHA256 (c) = ${WORLD.sha256}\nBLAKE3 (d) = ${HELLO.sha256}\n`);
    await imp([f], `${d}/l.sqlite`);
    const h = openHashList(`${d}/l.sqlite`);
    expect(h.lookupExact('md5', Buffer.from(HELLO.md5, 'hex'))[0]!.name).toBe('a b.txt');
    expect(h.lookupExact('blake3', Buffer.from(HELLO.sha256, 'hex'))[0]!.name).toBe('d');
    expect(h.lookupExact('sha256', Buffer.from(WORLD.sha256, 'hex'))[0]!.name).toBe('c');
    h.close();
  });

  it('reads md5deep -z size lines', async () => {
    const d = tmp();
    const f = put(d, 'z.txt', `      6  ${HELLO.md5}  /x/hello.txt\n`);
    await imp([f], `${d}/l.sqlite`);
    expect(lookup(`${d}/l.sqlite`, [HELLO.md5])[0]!.entries[0]).toMatchObject({ size: 6, name: '/x/hello.txt' });
  });

  it('rejects a wrong length and non-hex characters, naming the line', async () => {
    const d = tmp();
    const short = put(d, 's.txt', `${HELLO.md5}  ok\nabc123  bad\n`);
    await expect(imp([short], `${d}/s.sqlite`)).rejects.toMatchObject({ code: 'LIST_MALFORMED', message: expect.stringMatching(/s\.txt: line 2: wrong hash length/) });
    const nonhex = put(d, 'n.txt', `${HELLO.md5}  ok\n${'g'.repeat(32)}  bad\n`);
    await expect(imp([nonhex], `${d}/n.sqlite`)).rejects.toMatchObject({ code: 'LIST_MALFORMED', message: expect.stringMatching(/line 2: non-hex/) });
    const forced = put(d, 'f.txt', `${HELLO.sha1}  sha1 line\n`);
    await expect(imp([forced], `${d}/f.sqlite`, { format: 'md5sum' })).rejects.toMatchObject({ code: 'LIST_MALFORMED' });
  });
});
