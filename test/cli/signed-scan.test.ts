/** `scan --sign-key` then `audit verify --pub-key`, through the real CLI. */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

const keys = (name: string) => fileURLToPath(new URL(`../fixtures/audit/${name}`, import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'ht-signed-'));
const caseDir = join(work, 'case');
afterAll(() => rmSync(work, { recursive: true, force: true }));

beforeAll(async () => {
  mkdirSync(join(work, 'evidence'));
  writeFileSync(join(work, 'evidence', 'a.txt'), 'hello');
  writeFileSync(join(work, 'list.md5'), '5d41402abc4b2a76b9719d911017c592  a.txt\n');
  expect((await runCli(['list', 'import', join(work, 'list.md5'), '--out', join(work, 'l.sqlite')])).code).toBe(0);
  const r = await runCli(['scan', join(work, 'evidence'), '--list', join(work, 'l.sqlite'), '--out', caseDir, '--sign-key', keys('test-ed25519-private.pem')]);
  expect(r.code, r.stderr).toBe(1);
}, 60_000);

describe('signed audit log', () => {
  it('verifies with the matching public key', async () => {
    const v = await runCli(['audit', 'verify', '--json', '--pub-key', keys('test-ed25519-public.pem'), join(caseDir, 'audit.jsonl')]);
    expect(v.code).toBe(0);
    expect(JSON.parse(v.stdout)).toMatchObject({ ok: true, signature: 'valid' });
  });

  it('fails with another key, and names the problem', async () => {
    const v = await runCli(['audit', 'verify', '--pub-key', keys('other-ed25519-public.pem'), join(caseDir, 'audit.jsonl')]);
    expect(v.code).toBe(4);
    expect(v.stdout).toMatch(/FAILED/);
  });

  it('fails when a record was altered, naming the first bad line', async () => {
    const log = join(caseDir, 'audit.jsonl');
    const lines = readFileSync(log, 'utf8').split('\n');
    lines[1] = lines[1].replace('"a.txt"', '"b.txt"');
    writeFileSync(log, lines.join('\n'));
    const v = await runCli(['audit', 'verify', '--json', log]);
    expect(v.code).toBe(4);
    expect(JSON.parse(v.stdout).firstBad.line).toBe(2);
  });

  it('refuses an unusable signing key before scanning anything', async () => {
    writeFileSync(join(work, 'bad.pem'), 'not a key');
    const r = await runCli(['scan', join(work, 'evidence'), '--list', join(work, 'l.sqlite'), '--out', join(work, 'case2'), '--sign-key', join(work, 'bad.pem')]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('AUDIT_KEY_INVALID');
    expect(existsSync(join(work, 'case2'))).toBe(false);
  });
});
