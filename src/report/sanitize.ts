/**
 * Escaping untrusted text (file names, list metadata) for a terminal.
 *
 * A file name is chosen by whoever filled the seized drive. Printed raw, a
 * newline forges a line of output, an escape sequence rewrites the screen and
 * a right-to-left override reverses what the examiner reads. Only terminal
 * output is escaped: JSON, CSV and the audit log keep the exact text.
 */

/**
 * C0/C1 controls, DEL, and the Unicode format characters that reorder or hide
 * text (bidi embeddings, overrides and isolates; zero-width marks; line and
 * paragraph separators; BOM).
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]/gu;

/**
 * Returns `text` with every unsafe character written as a visible escape:
 * `\n`, `\t`, `\r`, `\e` for the common ones, `\u{XXXX}` otherwise, and a
 * backslash doubled so that the escaping stays unambiguous.
 *
 * @example
 * escapeForTerminal('a\nb\u202Ec') // 'a\\nb\\u{202e}c'
 */
export function escapeForTerminal(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(UNSAFE, (ch) => {
    switch (ch) {
      case '\n':
        return '\\n';
      case '\t':
        return '\\t';
      case '\r':
        return '\\r';
      case '\u001b':
        return '\\e';
      default:
        return `\\u{${ch.codePointAt(0)!.toString(16).padStart(4, '0')}}`;
    }
  });
}
