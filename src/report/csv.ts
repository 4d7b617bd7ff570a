/**
 * CSV that a spreadsheet opens safely (RFC 4180 quoting).
 *
 * A field that starts with `=`, `+`, `-` or `@` (or a tab or carriage return)
 * is a formula to Excel and LibreOffice: a file named `=HYPERLINK(...)` would
 * run when the examiner opens the report. Such a field gets a leading
 * apostrophe, which spreadsheets show as text and hide; the JSON Lines output
 * keeps the exact value for tools.
 */

const FORMULA_START = /^[=+\-@\t\r]/;

/** One field, neutralised and quoted when needed. */
export function csvField(value: string | number | boolean | undefined | null): string {
  if (value === undefined || value === null) return '';
  let s = String(value);
  if (typeof value === 'string' && FORMULA_START.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One CSV record terminated by CRLF, as RFC 4180 asks. */
export function csvRow(fields: readonly (string | number | boolean | undefined | null)[]): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}
