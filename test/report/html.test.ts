import { describe, it, expect, afterAll } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCase } from '../../src/report/case-report.js';
import { escapeHtml, renderHtml } from '../../src/report/html.js';
import { HOSTILE_ENTRY_NAME, HOSTILE_NAME, MATCHES, makeCase, SOURCES, type FixtureCase } from './case-fixture.js';

const cases: FixtureCase[] = [];
afterAll(() => cases.forEach((c) => c.cleanup()));
function page(alter?: (caseDir: string) => void): string {
  const c = makeCase();
  cases.push(c);
  alter?.(c.caseDir);
  return renderHtml(readCase(c.caseDir), { generatedAt: new Date('2025-03-01T00:00:00.000Z') });
}

/** The text of the rows of the table with this id, tags removed, entities left as they are. */
function tableRows(html: string, id: string): string[] {
  const table = html.match(new RegExp(`<table id="${id}">([\\s\\S]*?)</table>`))?.[1] ?? '';
  return [...table.matchAll(/<tr[^>]*>([\s\S]*?)<\/tr>/g)].map((m) => m[1]!.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim());
}

describe('escapeHtml', () => {
  it('escapes the five HTML specials', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });

  it('shows controls and bidi overrides as visible escapes', () => {
    const out = escapeHtml('a\nb\u202ec\u0000');
    expect(out).not.toMatch(/[\n\u202e\u0000]/);
    expect(out).toContain('\\u{000a}');
    expect(out).toContain('\\u{202e}');
    expect(out).toContain('\\u{0000}');
  });
});

describe('renderHtml', () => {
  const html = page();

  it('shows a hostile file name and list entry name as text, never as markup', () => {
    expect(html).not.toContain(HOSTILE_NAME);
    expect(html).not.toContain(HOSTILE_ENTRY_NAME);
    expect(html).toContain('b/&lt;script&gt;alert(1)&lt;/script&gt;.jpg');
    expect(html).toContain('&lt;img src=x onerror=alert(2)&gt;');
    // The only elements are the page's own: no script, image, link, frame, object or form anywhere.
    expect(html).not.toMatch(/<\s*(script|img|link|iframe|object|embed|form|svg|base)\b/i);
  });

  it('loads nothing: no src, href or url(), and a CSP forbidding every load and script', () => {
    // Attributes of the page's own tags; escaped text such as "&lt;img src=x" is not a tag.
    const tags = [...html.matchAll(/<[a-z][^>]*>/gi)].map((m) => m[0]);
    expect(tags.length).toBeGreaterThan(100);
    expect(tags.filter((t) => /\s(src|href|srcset|action|on\w+)\s*=/i.test(t))).toEqual([]);
    expect(html).not.toMatch(/url\(|@import/i);
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'`);
    expect(html).toMatch(/^<!DOCTYPE html>\n<html lang="en">/);
    expect(html.trimEnd()).toMatch(/<\/html>$/);
  });

  it('makes a right-to-left override in a file name visible', () => {
    expect(html).not.toContain('\u202e');
    expect(html).toContain('c/evil<span class="ctl" title="control or formatting character">\\u{202e}</span>gpj.exe');
  });

  it('states the verification result of an intact audit log', () => {
    expect(html).toMatch(/<div class="banner ok" id="audit-verification">Audit log verified: <span>OK: 8 records, sealed \(completed\), head [0-9a-f]{64}, unsigned<\/span><\/div>/);
    expect(html).not.toContain('id="problems"');
  });

  it('states FAILED, in the banner, when the audit log was altered', () => {
    const bad = page((dir) => {
      const path = join(dir, 'audit.jsonl');
      writeFileSync(path, readFileSync(path, 'utf8').replace('"size":2000', '"size":2001'));
    });
    expect(bad).toContain('<div class="banner bad" id="audit-verification">AUDIT LOG VERIFICATION FAILED: <span>FAILED at line 4 (record 4): hash mismatch');
    expect(bad).not.toContain('Audit log verified');
  });

  it('lists the problems when matches.jsonl disagrees with the audit log, and flags the row', () => {
    const bad = page((dir) => {
      const path = join(dir, 'matches.jsonl');
      writeFileSync(path, readFileSync(path, 'utf8').replace('"size":3000', '"size":3999'));
    });
    expect(bad).toContain('<li>1 match(es) in matches.jsonl have no identical match record in the audit log</li>');
    const rows = tableRows(bad, 'match-table');
    expect(rows[4]).toMatch(/^4 c\/evil.*3999 .* NO$/);
    expect(rows[1]).toMatch(/ yes$/);
  });

  it('shows the case facts and the provenance of every list source', () => {
    expect(html).toContain('<title>hashtriage report — case CASE-7</title>');
    expect(html).toContain('<dt>Examiner</dt><dd>J. Doe</dd>');
    expect(html).toContain('<dt>Files with errors</dt><dd>1 (IMAGE_DECODE_FAILED 1)</dd>');
    expect(html).toContain(`<dt>List SHA-256</dt><dd><code>${'d'.repeat(64)}</code></dd>`);
    expect(tableRows(html, 'sources').slice(1)).toEqual(SOURCES.map((s) => `${s.name} ${s.role} ${s.format} ${s.fileName} ${s.records} ${s.importedAt} ${s.sha256}`));
  });

  it('shows the counts by source and category, and by category', () => {
    expect(tableRows(html, 'by-source')).toEqual([
      'Source / category Matches Files',
      'VICS export (notable) 4 3',
      '1 2 1',
      '2 2 2',
      'CAID (notable) 2 2',
      '1 1 1',
      '(no category) 1 1',
    ]);
    expect(tableRows(html, 'by-category')).toEqual(['Category Matches Files', '1 2 1', '2 2 2', '(no category) 1 1']);
  });

  it('has one row per match with path, size, match, hashes and entries', () => {
    const rows = tableRows(html, 'match-table');
    expect(rows).toHaveLength(MATCHES.length + 1);
    expect(rows[1]).toBe(
      `1 a/one.jpg 1000 exact sha256 distance 0 md5: ${MATCHES[0]!.hashes.md5} sha256: ${MATCHES[0]!.hashes.sha256} pdq: ${MATCHES[0]!.hashes.pdq} VICS export (notable) category: 1 series: S1 media id: M-1 CAID (notable) category: 1 yes`,
    );
    expect(rows[2]).toMatch(/^2 a\/one\.jpg 1000 perceptual pdq distance 12 /);
    expect(rows[5]).toContain(`d/\\xff.jpg name is not UTF-8; raw bytes (base64): ${MATCHES[4]!.pathBytes}`);
  });

  it('carries no file content: nothing base64 but the raw name bytes', () => {
    const base64Runs = [...html.matchAll(/[A-Za-z0-9+/]{40,}={0,2}/g)].map((m) => m[0]);
    // Long runs are hex digests only.
    expect(base64Runs.every((r) => /^[0-9a-f]+$/.test(r))).toBe(true);
  });
});
