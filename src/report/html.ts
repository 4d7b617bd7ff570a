/**
 * The report as one self-contained HTML page: `hashtriage report --html`.
 *
 * One file an examiner can attach to a case, open offline, print, or hand to
 * a prosecutor: inline CSS, no script, no image, no font, no link to anything
 * outside the page. A Content-Security-Policy that forbids every load and
 * every script backs that up, so that even a value that escaped escaping
 * could not run or fetch anything.
 *
 * Every value that came from the evidence (paths) or from a hash list
 * (source names, categories, series, names, comments) is untrusted: it is
 * HTML-escaped, and control and bidi characters are shown as visible
 * escapes, because a right-to-left override in a file name would otherwise
 * make the examiner read a different name than the one on disk.
 */
import type { ListEntry, MatchRecord } from '../types.js';
import type { CaseReport, CategoryCount, GroupCount, SourceProvenance } from './case-report.js';
import { formatBytes, formatDuration } from './format.js';

/** Same class as sanitize.ts: C0/C1 controls, DEL, bidi embeddings/overrides/isolates, zero-width marks, separators, BOM. */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]/gu;

const HTML_SPECIAL: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Escapes untrusted text for HTML element content and quoted attribute
 * values, and makes control and bidi characters visible as `\u{XXXX}`.
 *
 * @example escapeHtml('<b>\u202e') // '&lt;b&gt;<span class="ctl">\\u{202e}</span>'
 */
export function escapeHtml(text: string): string {
  return text
    .replace(/[&<>"']/g, (ch) => HTML_SPECIAL[ch]!)
    .replace(UNSAFE, (ch) => `<span class="ctl" title="control or formatting character">\\u{${ch.codePointAt(0)!.toString(16).padStart(4, '0')}}</span>`);
}

/** What {@link renderHtml} can be told. */
export interface HtmlOptions {
  /** When the page is generated (default now); fixed in tests for a reproducible page. */
  generatedAt?: Date;
}

const CSS = `
:root{--fg:#1b1f24;--muted:#5b6470;--line:#d5dae0;--head:#f3f5f7;--ok:#1a7f37;--okbg:#e6f4ea;--bad:#b42318;--badbg:#fdecea;--warnbg:#fff6e0}
*{box-sizing:border-box}
body{margin:0 auto;max-width:1200px;padding:24px;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;padding-bottom:4px;border-bottom:2px solid var(--line)}h3{font-size:14px;margin:16px 0 6px}
.sub{color:var(--muted);margin:0 0 16px}
.banner{padding:10px 14px;border-radius:6px;border:1px solid;margin:12px 0;font-weight:600}
.banner.ok{color:var(--ok);background:var(--okbg);border-color:var(--ok)}
.banner.bad{color:var(--bad);background:var(--badbg);border-color:var(--bad)}
.banner span{font-weight:400;color:var(--fg)}
.warn{background:var(--warnbg);border:1px solid #e0b34c;border-radius:6px;padding:8px 14px;margin:12px 0}
.warn ul{margin:4px 0;padding-left:20px}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:3px 16px;margin:0}
dl.facts dt{color:var(--muted)}dl.facts dd{margin:0}
table{border-collapse:collapse;width:100%;margin:6px 0 12px}
th,td{border:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
th{background:var(--head);font-weight:600}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
tr.sub td:first-child{padding-left:24px;color:var(--muted)}
code,.hash{font:12px/1.35 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;word-break:break-all}
.path{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px;word-break:break-all}
.ctl{color:var(--bad);background:var(--badbg);border-radius:2px;font-family:ui-monospace,monospace}
.muted{color:var(--muted)}
.entry+.entry{margin-top:6px;padding-top:6px;border-top:1px dashed var(--line)}
.flag{color:var(--bad);font-weight:600}
footer{margin-top:32px;color:var(--muted);font-size:12px;border-top:1px solid var(--line);padding-top:8px}
@media print{body{max-width:none;padding:0;font-size:11px}h2{break-after:avoid}tr{break-inside:avoid}.banner,.warn{border-width:2px}}
`;

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function counts(c: GroupCount): string {
  return `<td class="n">${c.matches}</td><td class="n">${c.files}</td>`;
}

function categoryCell(c: CategoryCount): string {
  return c.category === null ? '<span class="muted">(no category)</span>' : escapeHtml(c.category);
}

function dl(rows: [string, string][]): string {
  return `<dl class="facts">${rows.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join('')}</dl>`;
}

function auditBanner(r: CaseReport): string {
  const cls = r.audit.ok ? 'ok' : 'bad';
  const title = r.audit.ok ? 'Audit log verified' : 'AUDIT LOG VERIFICATION FAILED';
  return `<div class="banner ${cls}" id="audit-verification">${title}: <span>${escapeHtml(r.audit.text)}</span></div>`;
}

function problemsBox(r: CaseReport): string {
  if (r.problems.length === 0) return '';
  return `<div class="warn" id="problems"><strong>Inconsistencies found in the case dir</strong><ul>${r.problems.map((p) => `<li>${escapeHtml(p)}</li>`).join('')}</ul></div>`;
}

function scanFacts(r: CaseReport): string {
  const f = r.facts;
  const t = f.totals;
  const errors = Object.entries(t.errorsByCode)
    .map(([code, n]) => `${escapeHtml(code)} ${n}`)
    .join(', ');
  const rows: [string, string][] = [
    ['Case', f.caseId === null ? '<span class="muted">(none given)</span>' : escapeHtml(f.caseId)],
    ['Examiner', f.examiner === null ? '<span class="muted">(none given)</span>' : escapeHtml(f.examiner)],
    ['Evidence root', `<span class="path">${escapeHtml(f.evidenceRoot)}</span>`],
    ['Status', `${escapeHtml(f.status)}${f.resumed ? ' (resumed)' : ''}`],
    ['Started', escapeHtml(f.startedAt)],
    ['Finished', `${escapeHtml(f.finishedAt)} (${formatDuration(f.elapsedMs)})`],
    ['Tool', `${escapeHtml(f.toolName)} ${escapeHtml(f.toolVersion)}`],
  ];
  if (r.start.host !== undefined) rows.push(['Host / user', `${escapeHtml(r.start.host)} / ${escapeHtml(r.start.user ?? '?')}`]);
  if (r.start.commandLine) rows.push(['Command line', `<code>${escapeHtml(r.start.commandLine.join(' '))}</code>`]);
  const algorithms = [...(r.start.cryptoAlgorithms ?? []), ...(r.start.perceptualAlgorithms ?? [])];
  if (algorithms.length > 0) rows.push(['Algorithms', escapeHtml(algorithms.join(', '))]);
  if (r.start.thresholds && (r.start.perceptualAlgorithms ?? []).length > 0) {
    const shown = (r.start.perceptualAlgorithms ?? []).map((a) => `${a} ≤ ${r.start.thresholds![a] ?? '?'}`);
    rows.push(['Perceptual thresholds', escapeHtml(shown.join(', '))]);
  }
  rows.push(
    ['Files hashed', `${t.files} (${formatBytes(t.bytes)})`],
    ['Matches', `${t.matches} in ${plural(t.matchedFiles, 'file')}`],
    ['Known-good', `${t.knownGood} (counted, not reported)`],
    ...(t.emptyListed > 0 ? [['Empty files listed', `${t.emptyListed} zero-byte files whose digest is on the list (counted, not reported)`] as [string, string]] : []),
    ['Skipped', `${t.skipped} (symlinks and special files: recorded, never opened)`],
    ['Files with errors', `${t.errors}${errors ? ` (${errors})` : ''}`],
    ['Audit chain head', `<code>${escapeHtml(f.auditChainHead ?? '(none)')}</code>`],
  );
  if (r.audit.sha256) rows.push(['audit.jsonl SHA-256', `<code>${r.audit.sha256}</code>`]);
  return `<h2 id="scan">Scan</h2>${dl(rows)}`;
}

function provenance(r: CaseReport): string {
  const cell = (v: string | number | undefined) => (v === undefined ? '<span class="muted">?</span>' : escapeHtml(String(v)));
  const rows = r.sources
    .map(
      (s: SourceProvenance) =>
        `<tr><td>${escapeHtml(s.name)}</td><td>${cell(s.role)}</td><td>${cell(s.format)}</td><td class="path">${cell(s.fileName)}</td><td class="n">${cell(s.records)}</td><td>${cell(s.importedAt)}</td><td class="hash">${cell(s.sha256)}</td></tr>`,
    )
    .join('');
  return `<h2 id="list">Hash list provenance</h2>${dl([
    ['List database', `<span class="path">${escapeHtml(r.facts.listPath)}</span>`],
    ['List SHA-256', `<code>${escapeHtml(r.facts.listSha256)}</code>`],
  ])}<table id="sources"><thead><tr><th>Source</th><th>Role</th><th>Format</th><th>File imported</th><th class="n">Records</th><th>Imported at</th><th>Source file SHA-256</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function countTables(r: CaseReport): string {
  const head = (first: string) => `<thead><tr><th>${first}</th><th class="n">Matches</th><th class="n">Files</th></tr></thead>`;
  const bySource = r.bySource
    .map(
      (s) =>
        `<tr><td><strong>${escapeHtml(s.source)}</strong> <span class="muted">(${escapeHtml(s.role)})</span></td>${counts(s)}</tr>${s.categories
          .map((c) => `<tr class="sub"><td>${categoryCell(c)}</td>${counts(c)}</tr>`)
          .join('')}`,
    )
    .join('');
  const byCategory = r.byCategory.map((c) => `<tr><td>${categoryCell(c)}</td>${counts(c)}</tr>`).join('');
  const byKind = Object.entries(r.byMatchKind)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, n]) => `<tr><td>${escapeHtml(k)}</td><td class="n">${n}</td></tr>`)
    .join('');
  if (r.matches.length === 0) return '<h2 id="counts">Counts</h2><p>No match.</p>';
  return `<h2 id="counts">Counts</h2>
<p>${plural(r.matches.length, 'match', 'matches')} in ${plural(r.matchedFiles, 'file')}. A match citing entries of several sources or categories counts once in each.</p>
<h3>By list source and category</h3><table id="by-source">${head('Source / category')}<tbody>${bySource}</tbody></table>
<h3>By category</h3><table id="by-category">${head('Category')}<tbody>${byCategory}</tbody></table>
<h3>By match kind</h3><table id="by-kind"><thead><tr><th>Kind / algorithm</th><th class="n">Matches</th></tr></thead><tbody>${byKind}</tbody></table>`;
}

function entryBlock(e: ListEntry): string {
  const parts: string[] = [`<strong>${escapeHtml(e.source)}</strong> <span class="muted">(${escapeHtml(e.role)})</span>`];
  const field = (label: string, v: string | number | boolean | undefined) => {
    if (v !== undefined && v !== '') parts.push(`${label}: ${escapeHtml(String(v))}`);
  };
  field('category', e.category === undefined ? undefined : e.categoryRegion ? `${e.category} (${e.categoryRegion})` : e.category);
  field('series', e.series);
  field('name', e.name);
  field('media id', e.mediaId);
  field('victim identified', e.victimIdentified === undefined ? undefined : e.victimIdentified ? 'yes' : 'no');
  field('listed size', e.size);
  field('comment', e.comment);
  return `<div class="entry">${parts.join('<br>')}</div>`;
}

function matchRow(m: MatchRecord, index: number, inAuditLog: boolean): string {
  const hashes = Object.entries(m.hashes)
    .map(([alg, hex]) => `${escapeHtml(alg)}: ${escapeHtml(String(hex))}`)
    .join('<br>');
  const raw = m.pathBytes === undefined ? '' : `<br><span class="muted">name is not UTF-8; raw bytes (base64): <code>${escapeHtml(m.pathBytes)}</code></span>`;
  const audit = inAuditLog ? 'yes' : '<span class="flag">NO</span>';
  return `<tr><td class="n">${index + 1}</td><td class="path">${escapeHtml(m.path)}${raw}</td><td class="n">${m.size}</td><td>${escapeHtml(m.match.kind)}<br>${escapeHtml(m.match.algorithm)}<br>distance ${m.match.distance}${m.match.reducedDecode ? '<br>reduced decode' : ''}</td><td class="hash">${hashes}</td><td>${m.entries.map(entryBlock).join('')}</td><td>${audit}</td></tr>`;
}

function matchTable(r: CaseReport): string {
  if (r.matches.length === 0) return '';
  return `<h2 id="matches">Matches</h2>
<p class="muted">Paths are relative to the evidence root. Sizes in bytes. "In audit log": an identical match record is in the hash-chained audit log.</p>
<table id="match-table"><thead><tr><th class="n">#</th><th>Path</th><th class="n">Size</th><th>Match</th><th>Hashes</th><th>List entries</th><th>In audit log</th></tr></thead><tbody>${r.matches
    .map((m, i) => matchRow(m.record, i, m.inAuditLog))
    .join('')}</tbody></table>`;
}

/**
 * Renders the whole report as one HTML document.
 *
 * @param report - from `readCase`.
 * @param options - see {@link HtmlOptions}.
 * @returns the page, UTF-8 text; it loads nothing and runs nothing.
 */
export function renderHtml(report: CaseReport, options: HtmlOptions = {}): string {
  const generatedAt = (options.generatedAt ?? new Date()).toISOString();
  const title = `hashtriage report${report.facts.caseId === null ? '' : ` — case ${report.facts.caseId}`}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="${escapeHtml(`${report.facts.toolName} ${report.facts.toolVersion}`)}">
<title>${escapeHtml(title)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>${escapeHtml(title)}</h1>
<p class="sub">Hash-list matches only: no file content, no image, no thumbnail. Generated ${generatedAt}.</p>
</header>
${auditBanner(report)}
${problemsBox(report)}
${scanFacts(report)}
${provenance(report)}
${countTables(report)}
${matchTable(report)}
<footer>Generated by ${escapeHtml(report.facts.toolName)} ${escapeHtml(report.facts.toolVersion)} from the case dir's summary.json, matches.jsonl and audit.jsonl. The audit log's verification is stated at the top of this page; it covers the audit log, and each match row says whether the same match is in it.</footer>
</body>
</html>
`;
}
