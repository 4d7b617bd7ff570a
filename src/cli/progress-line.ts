/**
 * A one-line counter on stderr for the CLI's longer commands (bench, list
 * import), redrawn in place: drawn only when stderr is a terminal, so a
 * redirected log never fills with carriage returns. (A scan has its own,
 * richer line: report/progress.ts.)
 */

export interface ProgressLine {
  /** Shows `label done[/total]`, at most ten times a second (always when done reaches total). */
  update(label: string, done: number, total?: number): void;
  /** Clears the line, so what follows starts on a clean one. */
  done(): void;
}

export function progressLine(stderr: { write(s: string): unknown; isTTY?: boolean }): ProgressLine {
  const enabled = stderr.isTTY === true;
  let last = 0;
  let drawn = false;
  return {
    update(label, done, total) {
      if (!enabled) return;
      const now = Date.now();
      if ((total === undefined || done < total) && now - last < 100) return;
      last = now;
      drawn = true;
      stderr.write(`\r\x1b[K${label} ${done}${total === undefined ? '' : `/${total}`}`);
    },
    done() {
      if (drawn) stderr.write('\r\x1b[K');
      drawn = false;
    },
  };
}
