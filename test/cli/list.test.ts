import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, runCli } from './helpers.js';

const work = mkdtempSync(join(tmpdir(), 'ht-listcli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('hashtriage list (end to end)', () => {
  const list = join(work, 'l.sqlite');
  const md5 = '5d41402abc4b2a76b9719d911017c592'; // md5("hello")

  it('imports, describes and looks up', async () => {
    writeFileSync(join(work, 'a.md5'), `${md5}  hello.txt\n`);
    const imp = await runCli(['list', 'import', join(work, 'a.md5'), '--out', list, '--name', 'test source']);
    expect(imp.code, imp.stderr).toBe(0);
    expect(JSON.parse(imp.stdout).sources[0]).toMatchObject({ name: 'test source', records: 1, status: 'imported' });
    const info = await runCli(['list', 'info', list, '--json']);
    expect(JSON.parse(info.stdout).entries).toBe(1);
    const look = await runCli(['list', 'lookup', list, md5.toUpperCase(), '0'.repeat(32)]);
    const [hit, miss] = look.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(hit).toMatchObject({ hash: md5.toUpperCase(), found: true });
    expect(hit.entries[0]).toMatchObject({ source: 'test source', name: 'hello.txt' });
    expect(miss.found).toBe(false);
  });

  it('fails on a malformed line, names it, and leaves no list behind', async () => {
    writeFileSync(join(work, 'bad.md5'), `${md5}  ok.txt\nnot-a-hash  bad.txt\n`);
    const out = join(work, 'never.sqlite');
    const r = await runCli(['list', 'import', join(work, 'bad.md5'), '--out', out]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/bad\.md5.*line 2/);
    expect(existsSync(out)).toBe(false);
  });

  it('stops cleanly on SIGINT: exit 130, the reason on stderr, no list and nothing beside it', async () => {
    const dir = join(work, 'interrupted');
    mkdirSync(dir);
    // Big enough to be still reading when the signal comes (about two seconds here).
    const lines: string[] = [];
    for (let i = 0; i < 1_000_000; i++) lines.push(`${i.toString(16).padStart(32, '0')}  f${i}\n`);
    writeFileSync(join(dir, 'big.md5'), lines.join(''));
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [BIN, 'list', 'import', join(dir, 'big.md5'), '--out', join(dir, 'new.sqlite')], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let err = '';
      child.stderr.on('data', (c: Buffer) => (err += c.toString()));
      // The temporary list appears once the import has started, signal handler in place.
      const poll = setInterval(() => {
        if (readdirSync(dir).some((f) => f.endsWith('.tmp'))) {
          clearInterval(poll);
          child.kill('SIGINT');
        }
      }, 5);
      child.on('close', (c) => {
        clearInterval(poll);
        resolve({ code: c, stderr: err });
      });
    });
    expect(code, stderr).toBe(130);
    expect(stderr).toContain('SIGINT: stopping the import; the list is left as it was');
    expect(stderr).toContain('[LIST_IMPORT_INTERRUPTED]');
    expect(readdirSync(dir)).toEqual(['big.md5']);
  }, 60_000);

  it('rejects an unknown --format as a usage error', async () => {
    const r = await runCli(['list', 'import', join(work, 'a.md5'), '--out', join(work, 'x.sqlite'), '--format', 'word']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('for --format');
  });
});
