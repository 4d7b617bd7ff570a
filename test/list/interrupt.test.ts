import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Interruption } from '../../src/list/index.js';
import { FIXTURES, HELLO, imp, put, tmp } from './helpers.js';

/** An md5sum list of `n` distinct lines. */
function md5Lines(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += `${i.toString(16).padStart(32, '0')}  file-${i}\n`;
  return s;
}

/** An interruption that records when the import enters and leaves its synchronous steps. */
function recording(): Interruption & { controller: AbortController; calls: boolean[] } {
  const controller = new AbortController();
  const calls: boolean[] = [];
  return { controller, calls, signal: controller.signal, synchronous: (active) => calls.push(active) };
}

describe('an interrupted import', () => {
  it('stops while a streamed list is read, leaves no new list and nothing beside it', async () => {
    const d = tmp();
    const f = put(d, 'big.md5', md5Lines(200_000));
    const stop = recording();
    await expect(
      imp([f], join(d, 'new.sqlite'), { interruption: stop, onProgress: (n) => n >= 65536 && stop.controller.abort() }),
    ).rejects.toMatchObject({ code: 'LIST_IMPORT_INTERRUPTED', exitCode: 130 });
    expect(readdirSync(d)).toEqual(['big.md5']);
    // Stopped while reading: the synchronous end-of-file step never started.
    expect(stop.calls).toEqual([]);
  });

  it('leaves an existing list byte for byte as it was', async () => {
    const d = tmp();
    const out = join(d, 'l.sqlite');
    await imp([put(d, 'a.txt', `${HELLO.md5}  x\n`)], out);
    const before = readFileSync(out);
    const stop = recording();
    const f = put(d, 'big.md5', md5Lines(200_000));
    await expect(imp([f], out, { interruption: stop, onProgress: (n) => n >= 65536 && stop.controller.abort() })).rejects.toMatchObject({
      code: 'LIST_IMPORT_INTERRUPTED',
    });
    expect(readFileSync(out).equals(before)).toBe(true);
    expect(readdirSync(d).sort()).toEqual(['a.txt', 'big.md5', 'l.sqlite']);
  });

  it('seen only after a synchronous step, still commits nothing', async () => {
    const d = tmp();
    const stop = recording();
    // Fired while the list's digests are sorted and written (where no signal handler could run).
    const sync = stop.synchronous;
    stop.synchronous = (active) => {
      sync(active);
      if (active) stop.controller.abort();
    };
    await expect(imp([put(d, 'small.md5', md5Lines(10))], join(d, 'new.sqlite'), { interruption: stop })).rejects.toMatchObject({
      code: 'LIST_IMPORT_INTERRUPTED',
    });
    expect(readdirSync(d)).toEqual(['small.md5']);
  });

  it('tells the caller around each synchronous step: the SQLite reader and each file\'s end', async () => {
    const d = tmp();
    const stop = recording();
    const r = await imp([put(d, 'a.md5', md5Lines(3)), join(FIXTURES, 'synthetic', 'synthetic_nsrl_rdsv3_minimal.db')], join(d, 'l.sqlite'), {
      interruption: stop,
    });
    expect(r.sources.map((s) => s.status)).toEqual(['imported', 'imported']);
    // md5sum: its end; RDSv3: the read, then its end. Every step is closed again.
    expect(stop.calls).toEqual([true, false, true, false, true, false]);
  });
});
