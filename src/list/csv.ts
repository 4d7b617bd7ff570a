/**
 * Splits one delimited line (RFC 4180 quoting: `"a, b"`, `""` for a quote).
 */

/**
 * Splits a line into fields.
 * @param line one line, without its line end
 * @param delimiter `,`, `;` or a tab
 * @returns the fields, or null when a quote is left open (a field spanning lines is not supported)
 */
export function splitDelimited(line: string, delimiter: string): string[] | null {
  if (!line.includes('"')) return line.split(delimiter);
  const out: string[] = [];
  let i = 0;
  const n = line.length;
  for (;;) {
    if (line[i] === '"') {
      let val = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) return null;
        val += line.slice(i, q);
        if (line[q + 1] === '"') {
          val += '"';
          i = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      // Anything between the closing quote and the delimiter is kept, as lenient readers do.
      const d = line.indexOf(delimiter, i);
      val += d < 0 ? line.slice(i) : line.slice(i, d);
      out.push(val);
      if (d < 0) return out;
      i = d + 1;
    } else {
      const d = line.indexOf(delimiter, i);
      if (d < 0) {
        out.push(line.slice(i));
        return out;
      }
      out.push(line.slice(i, d));
      i = d + 1;
    }
    if (i > n) return out;
  }
}
