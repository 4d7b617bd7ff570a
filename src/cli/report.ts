/**
 * `hashtriage report <case-dir>`: the human summary of a finished scan, and
 * optionally the same case as a self-contained HTML page (`--html`) and as
 * CASE/UCO JSON-LD (`--export`).
 *
 * Nothing is written into the case dir's own outputs or into the evidence
 * tree: a report written into the evidence would alter the exhibit it
 * describes. Report files are written to a temporary name and renamed into
 * place, so an existing file at the destination (even a hard link or
 * symlink into somewhere else) is replaced, never written through.
 */
import { closeSync, fsyncSync, openSync, readFileSync, realpathSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { ExitCode, HashtriageError, invalidOption } from '../errors.js';
import {
  caseUcoJson,
  escapeForTerminal,
  formatBytes,
  formatDuration,
  readCase,
  renderHtml,
  type CaseReport,
  type CategoryCount,
  type GroupCount,
} from '../index.js';

/** Export formats `--format` accepts. */
export const EXPORT_FORMATS = ['case-uco'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Raw options of `hashtriage report`, as commander hands them over. */
export interface ReportOptions {
  /** Write the HTML page to this file. */
  html?: string;
  /** Write the exchange export to this file. */
  export?: string;
  /** Format of `export`; default `case-uco`. */
  format?: string;
  /** Ed25519 public key (PEM file): also check the audit log's signature. */
  pubKey?: string;
  /** Print the report model as one JSON document instead of the summary. */
  json?: boolean;
}

/** Case-dir files a report must never replace. */
const CASE_OUTPUTS = ['summary.json', 'matches.jsonl', 'matches.csv', 'audit.jsonl', 'case.sqlite', 'case.sqlite-wal', 'case.sqlite-shm'];

function isInside(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

function realOrResolved(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

/**
 * Where a report file may be written: its directory must exist, and the
 * file must be neither inside the evidence tree nor one of the case's outputs.
 *
 * @returns the destination with its directory's symlinks resolved.
 * @throws HashtriageError `REPORT_OUTPUT_REFUSED` for a destination in the evidence or over a case output;
 *   `REPORT_WRITE_FAILED` when its directory does not exist.
 */
export function checkOutputPath(path: string, option: string, evidenceRoot: string, caseDir: string): string {
  const wanted = resolve(path);
  let dir: string;
  try {
    dir = realpathSync(dirname(wanted));
  } catch (err) {
    throw new HashtriageError('REPORT_WRITE_FAILED', `Cannot write ${option} ${path}: its directory does not exist or cannot be reached`, { cause: err });
  }
  const target = join(dir, basename(wanted));
  // Both the lexical and the resolved evidence root: the evidence may be unmounted, or reached through a symlink.
  for (const root of new Set([resolve(evidenceRoot), realOrResolved(evidenceRoot)])) {
    if (isInside(root, target) || isInside(root, wanted)) {
      throw new HashtriageError('REPORT_OUTPUT_REFUSED', `Refusing to write ${option} ${path}: it is inside the evidence tree ${evidenceRoot}, which must not be altered`);
    }
  }
  const caseReal = realOrResolved(caseDir);
  if (CASE_OUTPUTS.some((f) => join(caseReal, f) === target)) {
    throw new HashtriageError('REPORT_OUTPUT_REFUSED', `Refusing to write ${option} ${path}: it would replace the scan's own ${basename(target)}`);
  }
  return target;
}

/**
 * Writes `text` to `target` through a temporary file in the same directory,
 * fsynced, then renamed over the destination.
 *
 * @throws HashtriageError `REPORT_WRITE_FAILED` on any I/O failure (the temporary file is removed).
 */
export function writeReportFile(target: string, text: string): void {
  const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx', 0o644);
    writeSync(fd, text);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, target);
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      // never created, or already renamed
    }
    const e = err as NodeJS.ErrnoException;
    throw new HashtriageError('REPORT_WRITE_FAILED', `Cannot write ${target}: ${e.code ?? ''} ${e.message}`.trim(), { cause: err });
  }
}

function pad(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => [...(r[i] ?? '')].length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c + ' '.repeat(widths[i]! - [...c].length))).join('  ').trimEnd());
}

function countText(c: GroupCount): string {
  return `${c.matches} ${c.matches === 1 ? 'match' : 'matches'} in ${c.files} ${c.files === 1 ? 'file' : 'files'}`;
}

function categoryText(c: CategoryCount): string {
  return c.category === null ? '(no category)' : escapeForTerminal(c.category);
}

/**
 * The summary `hashtriage report` prints. Every name and value from the
 * evidence or a list goes through `escapeForTerminal`.
 *
 * @param r - from `readCase`.
 */
export function reportSummaryText(r: CaseReport): string {
  const f = r.facts;
  const t = f.totals;
  const errors = Object.entries(t.errorsByCode)
    .map(([code, n]) => `${code} ${n}`)
    .join(', ');
  const lines = [
    `hashtriage report${f.caseId === null ? '' : ` — case ${escapeForTerminal(f.caseId)}`}`,
    ...pad([
      ['  case dir', escapeForTerminal(r.caseDir)],
      ['  case id', f.caseId === null ? '(none)' : escapeForTerminal(f.caseId)],
      ['  examiner', f.examiner === null ? '(none)' : escapeForTerminal(f.examiner)],
      ['  evidence', escapeForTerminal(f.evidenceRoot)],
      ['  list', escapeForTerminal(f.listPath)],
      ['  list sha256', escapeForTerminal(f.listSha256)],
      ['  started', escapeForTerminal(f.startedAt)],
      ['  finished', `${escapeForTerminal(f.finishedAt)} (${formatDuration(f.elapsedMs)})`],
      ['  status', `${escapeForTerminal(f.status)}${f.resumed ? ' (resumed)' : ''}`],
      ['  files', `${t.files} (${formatBytes(t.bytes)}), known-good ${t.knownGood}${t.emptyListed > 0 ? `, empty-listed ${t.emptyListed}` : ''}, skipped ${t.skipped}`],
      ['  matches', `${t.matches} in ${t.matchedFiles} files`],
      ['  errors', `${t.errors}${errors ? ` (${escapeForTerminal(errors)})` : ''}`],
      ['  audit log', `${r.audit.ok ? '' : 'VERIFICATION '}${escapeForTerminal(r.audit.text)}`],
    ]),
  ];
  if (r.matches.length > 0) {
    lines.push('', 'Matches by list source and category');
    const rows: string[][] = [];
    for (const s of r.bySource) {
      rows.push([`  ${escapeForTerminal(s.source)}`, s.role, countText(s)]);
      for (const c of s.categories) rows.push([`    ${categoryText(c)}`, '', countText(c)]);
    }
    lines.push(...pad(rows));
    lines.push('', 'Matches by category', ...pad(r.byCategory.map((c) => [`  ${categoryText(c)}`, countText(c)])));
    lines.push(
      '',
      'Matches by kind',
      ...pad(
        Object.entries(r.byMatchKind)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([k, n]) => [`  ${escapeForTerminal(k)}`, String(n)]),
      ),
    );
  } else {
    lines.push('', 'No match.');
  }
  if (r.problems.length > 0) lines.push('', 'Problems', ...r.problems.map((p) => `  ${escapeForTerminal(p)}`));
  return `${lines.join('\n')}\n`;
}

/**
 * Runs `hashtriage report`.
 *
 * @param caseDir - a case dir written by `hashtriage scan`.
 * @param options - see {@link ReportOptions}.
 * @param io - where to print the summary (stdout) and what was written (stderr).
 * @returns `ExitCode.OK`, or `ExitCode.VERIFY_FAILED` when the audit log fails verification or the
 *   case's outputs disagree with it (the summary and files are still written, stating it).
 * @throws HashtriageError `USAGE_INVALID_OPTION` for a bad `--format` or unreadable `--pub-key`;
 *   `REPORT_CASE_INVALID` when the case dir cannot be read; `REPORT_OUTPUT_REFUSED` for a
 *   destination inside the evidence tree or over a case output; `REPORT_WRITE_FAILED`;
 *   `AUDIT_KEY_INVALID` for a key that is not an Ed25519 public key.
 */
export async function runReport(
  caseDir: string,
  options: ReportOptions,
  io: { stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream },
): Promise<number> {
  const format = options.format ?? 'case-uco';
  if (!(EXPORT_FORMATS as readonly string[]).includes(format)) throw invalidOption('--format', EXPORT_FORMATS.join(' or '), format);
  if (options.format !== undefined && options.export === undefined) throw invalidOption('--export', 'a file name when --format is given', undefined);
  let publicKeyPem: string | undefined;
  if (options.pubKey !== undefined) {
    try {
      publicKeyPem = readFileSync(options.pubKey, 'utf8');
    } catch {
      throw invalidOption('--pub-key', 'a readable Ed25519 public key (PEM)', options.pubKey);
    }
  }
  const report = readCase(caseDir, publicKeyPem === undefined ? {} : { publicKeyPem });
  // Check every destination before writing any, so a refused one leaves nothing half done.
  const htmlTarget = options.html === undefined ? undefined : checkOutputPath(options.html, '--html', report.facts.evidenceRoot, caseDir);
  const exportTarget = options.export === undefined ? undefined : checkOutputPath(options.export, '--export', report.facts.evidenceRoot, caseDir);
  if (htmlTarget !== undefined && htmlTarget === exportTarget) throw invalidOption('--export', 'a file other than the --html one', options.export);

  io.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : reportSummaryText(report));
  if (htmlTarget !== undefined) {
    writeReportFile(htmlTarget, renderHtml(report));
    io.stderr.write(`HTML report written to ${escapeForTerminal(htmlTarget)}\n`);
  }
  if (exportTarget !== undefined) {
    writeReportFile(exportTarget, caseUcoJson(report));
    io.stderr.write(`CASE/UCO export written to ${escapeForTerminal(exportTarget)}\n`);
  }
  return report.audit.ok && report.problems.length === 0 ? ExitCode.OK : ExitCode.VERIFY_FAILED;
}
