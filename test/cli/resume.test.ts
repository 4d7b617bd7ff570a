/**
 * Interrupt a scan (SIGKILL, SIGINT), resume it, and check that the result
 * equals an uninterrupted run's: no file skipped, no match reported twice,
 * and one audit chain across the runs.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runCli } from './helpers.js';

const work = mkdtempSync(join(tmpdir(), 'ht-resume-'));
const evidence = join(work, 'evidence');
const list = join(work, 'list.sqlite');
const FILES = 2000;

beforeAll(async () => {
  // Many small files, with matching content spread through the walk order.
  const lines: string[] = [];
  for (let i = 0; i < FILES; i++) {
    const dir = join(evidence, `d${String(i % 40).padStart(2, '0')}`);
    mkdirSync(dir, { recursive: true });
    const content = i % 500 === 7 ? `notable ${i % 1000}\n` : `ordinary file ${i}\n`;
    writeFileSync(join(dir, `f${String(i).padStart(5, '0')}.txt`), content);
    if (i % 500 === 7) lines.push(`${createHash('md5').update(content).digest('hex')}  n${i}`);
  }
  writeFileSync(join(work, 'list.md5'), `${[...new Set(lines)].join('\n')}\n`);
  const r = await runCli(['list', 'import', join(work, 'list.md5'), '--out', list]);
  expect(r.code, r.stderr).toBe(0);
}, 120_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Starts a scan and sends `signal` once the first match has been written. */
function interruptedScan(out: string, signal: NodeJS.Signals): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'scan', evidence, '--list', list, '--out', out, '--threads', '1', '--quiet'], { stdio: 'ignore' });
    const matches = join(out, 'matches.jsonl');
    const poll = setInterval(() => {
      if (existsSync(matches) && readFileSync(matches, 'utf8').length > 0) {
        clearInterval(poll);
        child.kill(signal);
      }
    }, 5);
    child.on('exit', (code, sig) => {
      clearInterval(poll);
      resolve(sig === 'SIGKILL' ? null : code);
    });
  });
}

function sortedMatches(caseDir: string): string[] {
  return readFileSync(join(caseDir, 'matches.jsonl'), 'utf8').trim().split('\n').sort();
}

function auditMatchPaths(caseDir: string): string[] {
  return readFileSync(join(caseDir, 'audit.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { type: string; data: { path?: string } })
    .filter((r) => r.type === 'match')
    .map((r) => r.data.path!)
    .sort();
}

describe('resume', () => {
  let reference: string[];

  beforeAll(async () => {
    const r = await runCli(['scan', evidence, '--list', list, '--out', join(work, 'reference'), '--threads', '1']);
    expect(r.code, r.stderr).toBe(1);
    reference = sortedMatches(join(work, 'reference'));
    expect(reference).toHaveLength(4);
  }, 120_000);

  for (const signal of ['SIGKILL', 'SIGINT', 'SIGTERM'] as const) {
    it(`after ${signal}, --resume finishes with exactly the uninterrupted run's matches`, async () => {
      const out = join(work, `case-${signal}`);
      const code = await interruptedScan(out, signal);
      if (signal === 'SIGKILL') expect(code).toBeNull();
      else expect(code).toBe(130);
      const partial = sortedMatches(out);
      expect(partial.length).toBeGreaterThan(0);
      expect(partial.length).toBeLessThan(reference.length);
      if (signal !== 'SIGKILL') {
        const v = await runCli(['audit', 'verify', '--json', join(out, 'audit.jsonl')]);
        expect(JSON.parse(v.stdout)).toMatchObject({ sealed: true, status: 'interrupted' });
      }

      const resumed = await runCli(['scan', evidence, '--list', list, '--out', out, '--threads', '2', '--resume']);
      expect(resumed.code, resumed.stderr).toBe(1);
      expect(resumed.stdout).toContain('(resumed)');
      expect(sortedMatches(out)).toEqual(reference);
      // Each match audited exactly once across both runs.
      expect(auditMatchPaths(out)).toEqual(auditMatchPaths(join(work, 'reference')));
      const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
      expect(summary.totals.files).toBe(FILES);
      const v = await runCli(['audit', 'verify', '--json', join(out, 'audit.jsonl')]);
      expect(v.code).toBe(0);
      expect(JSON.parse(v.stdout)).toMatchObject({ ok: true, sealed: true, status: 'completed' });
      expect(JSON.parse(v.stdout).resumes).toBeGreaterThanOrEqual(1);
    }, 120_000);
  }

  it('--resume with no prior state starts a new scan', async () => {
    const r = await runCli(['scan', evidence, '--list', list, '--out', join(work, 'fresh'), '--resume', '--quiet']);
    expect(r.code).toBe(1);
    expect(sortedMatches(join(work, 'fresh'))).toEqual(reference);
  }, 120_000);
});
