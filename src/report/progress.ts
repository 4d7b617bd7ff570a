/**
 * The progress line on stderr, redrawn in place.
 *
 * Shown only when stderr is a terminal and `--quiet` is off: a redirected
 * log must not fill with carriage returns. Redraws at most a few times a
 * second, whatever the file rate.
 */
import { formatBytes, formatDuration } from './format.js';

export interface ProgressCounts {
  files: number;
  bytes: number;
  matches: number;
  errors: number;
  /** Totals from the counting pass, once it has finished. */
  totalFiles?: number;
  totalBytes?: number;
}

const REDRAW_MS = 200;

export class Progress {
  readonly #stream: NodeJS.WriteStream;
  readonly #enabled: boolean;
  readonly #started = Date.now();
  #last = 0;
  #drawn = false;

  constructor(stream: NodeJS.WriteStream, enabled: boolean) {
    this.#stream = stream;
    this.#enabled = enabled && stream.isTTY === true;
  }

  /** Whether anything will be drawn (stderr is a terminal and progress is wanted). */
  get enabled(): boolean {
    return this.#enabled;
  }

  /** Redraws if enough time has passed since the last redraw. */
  update(c: ProgressCounts): void {
    if (!this.#enabled) return;
    const now = Date.now();
    if (now - this.#last < REDRAW_MS) return;
    this.#last = now;
    this.#stream.write(`\r\x1b[K${progressLine(c, now - this.#started)}`);
    this.#drawn = true;
  }

  /** Clears the line so the summary starts on a clean line. */
  done(): void {
    if (this.#drawn) this.#stream.write('\r\x1b[K');
  }
}

/** The text of one progress line (exported for tests). */
export function progressLine(c: ProgressCounts, elapsedMs: number): string {
  const secs = Math.max(elapsedMs / 1000, 0.001);
  const rate = c.bytes / secs;
  let line = `${c.files}${c.totalFiles !== undefined ? `/${c.totalFiles}` : ''} files, ${formatBytes(c.bytes)}`;
  line += ` (${formatBytes(rate)}/s, ${(c.files / secs).toFixed(0)} files/s), ${c.matches} matches, ${c.errors} errors`;
  if (c.totalBytes !== undefined && rate > 0) {
    const remaining = Math.max(c.totalBytes - c.bytes, 0) / rate;
    line += `, ETA ${formatDuration(remaining * 1000)}`;
  }
  return line;
}
