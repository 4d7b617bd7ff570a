/**
 * A streaming JSON reader that builds only the objects asked for.
 *
 * VICS hash sets run to many gigabytes, so the document is never held
 * whole: text is tokenised chunk by chunk, the grammar is checked with a
 * small state machine, and only objects at a chosen path (e.g. each element
 * of the root `value` array) are materialised and handed over one at a time.
 * Memory is bounded by the largest single record.
 *
 * A captured object is not tokenised here: its end is found by skipping
 * strings and counting brackets, and its text goes to the native `JSON.parse`,
 * several times faster than building it token by token in JavaScript. When
 * `JSON.parse` refuses the text, or a number in it is an integer beyond 2^53,
 * the object is read again token by token, which gives the exact error line
 * and keeps such integers as their digits.
 */
import { StringDecoder } from 'node:string_decoder';
import { createReadStream } from 'node:fs';

/** A JSON syntax problem, with the 1-based line where it was found. */
export class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
    this.name = 'JsonSyntaxError';
  }
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** One step of the path to a value: an object key or an array position. */
export type PathStep = string | number;

/**
 * Decides which objects to build: called when an object starts, with the path
 * of keys/indices from the root. Returning true builds the object and calls `onObject` when it ends.
 */
export type CaptureTest = (path: readonly PathStep[]) => boolean;

/**
 * Reads captured objects in bulk, where a faster reader than `JSON.parse`
 * exists for them (list/vics-scan.ts). Called at the opening brace of an
 * object that would be captured, with the buffered text and the line there;
 * it reads that object and any captured siblings that follow it, separated
 * by commas, and handles them itself (`onObject` is not called for them).
 * It returns how many it read, the index just past the last, and the line
 * breaks up to there; or undefined to leave the object to the usual path.
 * Only for capture tests that take every element of an array alike.
 */
export type CaptureBatch = (text: string, start: number, line: number) => { count: number; end: number; lines: number } | undefined;

interface Frame {
  kind: 'o' | 'a';
  /** Object: the key being read; array: the index of the next element. */
  key: PathStep;
  /** Set while this container is being built. */
  value?: { [k: string]: Json } | Json[];
}

const enum Expect {
  Value,
  ValueOrEnd,
  KeyOrEnd,
  Key,
  Colon,
  CommaOrEnd,
  Done,
}

/** Tokenises JSON text pushed in chunks and builds the captured objects. */
export class JsonObjectStream {
  private buf = '';
  private line = 1;
  private expect: Expect = Expect.Value;
  private readonly stack: Frame[] = [];
  /** Depth (stack length) at which the current capture started, or -1. */
  private captureDepth = -1;
  private captureLine = 0;

  constructor(
    private readonly capture: CaptureTest,
    private readonly onObject: (obj: { [k: string]: Json }, line: number) => void,
    private readonly batch?: CaptureBatch,
  ) {}

  /** Feeds the next piece of text. @throws JsonSyntaxError */
  push(text: string): void {
    this.buf = this.buf.length > 0 ? this.buf + text : text;
    const used = this.scan(false);
    this.buf = this.buf.slice(used);
  }

  /** Ends the input. @throws JsonSyntaxError when the document is incomplete (truncated) */
  end(): void {
    const used = this.scan(true);
    if (this.buf.slice(used).trim() !== '') throw new JsonSyntaxError('unexpected text after JSON document', this.line);
    if (this.expect !== Expect.Done) throw new JsonSyntaxError('truncated JSON: the document ends inside a value', this.line);
  }

  private path(): PathStep[] {
    return this.stack.map((f) => f.key);
  }

  private fail(msg: string): never {
    throw new JsonSyntaxError(msg, this.line);
  }

  /** Places a finished value in its parent (when building) and advances the grammar. */
  private value(v: Json): void {
    const top = this.stack[this.stack.length - 1];
    if (!top) {
      this.expect = Expect.Done;
      return;
    }
    if (top.value !== undefined) {
      if (top.kind === 'a') (top.value as Json[]).push(v);
      // Defined, not assigned: a "__proto__" key is data, as JSON.parse reads it, not the prototype.
      else if (top.key === '__proto__') Object.defineProperty(top.value, '__proto__', { value: v, enumerable: true, writable: true, configurable: true });
      else (top.value as { [k: string]: Json })[top.key as string] = v;
    }
    if (top.kind === 'a') top.key = (top.key as number) + 1;
    this.expect = Expect.CommaOrEnd;
  }

  /** True when an object starting now would be captured. */
  private capturesHere(): boolean {
    return this.stack[this.stack.length - 1]?.value === undefined && this.capture(this.path());
  }

  private open(kind: 'o' | 'a'): void {
    const parent = this.stack[this.stack.length - 1];
    let build = parent?.value !== undefined;
    if (!build && kind === 'o' && this.capture(this.path())) {
      build = true;
      this.captureDepth = this.stack.length;
      this.captureLine = this.line;
    }
    this.stack.push({ kind, key: kind === 'a' ? 0 : '', ...(build ? { value: kind === 'a' ? [] : {} } : {}) });
    this.expect = kind === 'a' ? Expect.ValueOrEnd : Expect.KeyOrEnd;
  }

  private close(kind: 'o' | 'a'): void {
    const top = this.stack.pop();
    if (!top || top.kind !== kind) this.fail(`unexpected ${kind === 'o' ? '}' : ']'}`);
    if (this.captureDepth === this.stack.length) {
      this.captureDepth = -1;
      this.onObject(top.value as { [k: string]: Json }, this.captureLine);
      // Captures only start under a parent that is not being built, so nothing keeps the object.
      this.value(null);
      return;
    }
    this.value((top.value ?? null) as Json);
  }

  /** Consumes as much of `buf` as forms whole tokens; returns how many characters were used. */
  private scan(final: boolean): number {
    const b = this.buf;
    const n = b.length;
    let i = 0;
    while (i < n) {
      const c = b.charCodeAt(i);
      if (c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a) {
        if (c === 0x0a) this.line++;
        i++;
        continue;
      }
      if (this.expect === Expect.Done) this.fail('unexpected text after JSON document');
      if (c === 0x22) {
        // String: find the closing quote that is not escaped.
        let j = b.indexOf('"', i + 1);
        for (;;) {
          if (j < 0) return final ? this.fail('truncated JSON: unterminated string') : i;
          let k = j - 1;
          while (b.charCodeAt(k) === 0x5c) k--;
          if ((j - 1 - k) % 2 === 0) break;
          j = b.indexOf('"', j + 1);
        }
        const raw = b.slice(i + 1, j);
        let s: string;
        if (raw.includes('\\')) {
          try {
            s = JSON.parse(b.slice(i, j + 1)) as string;
          } catch {
            this.fail('invalid escape in string');
          }
        } else {
          if (raw.includes('\n')) this.fail('raw line break inside a string');
          s = raw;
        }
        i = j + 1;
        if (this.expect === Expect.KeyOrEnd || this.expect === Expect.Key) {
          this.stack[this.stack.length - 1]!.key = s;
          this.expect = Expect.Colon;
        } else if (this.expect === Expect.Value || this.expect === Expect.ValueOrEnd) {
          this.value(s);
        } else this.fail('unexpected string');
        continue;
      }
      if (c === 0x7b && (this.expect === Expect.Value || this.expect === Expect.ValueOrEnd) && this.capturesHere()) {
        const read = this.batch?.(b, i, this.line);
        if (read) {
          // Each object read counts as one captured element, as if built and handed over here.
          for (let k = 0; k < read.count; k++) this.value(null);
          this.line += read.lines;
          i = read.end;
          continue;
        }
        const end = objectEnd(b, i);
        if (end < 0 && !final) return i;
        const obj = end < 0 ? undefined : parseWhole(b.slice(i, end));
        if (obj !== undefined) {
          const line = this.line;
          for (let k = b.indexOf('\n', i); k >= 0 && k < end; k = b.indexOf('\n', k + 1)) this.line++;
          this.onObject(obj, line);
          this.value(null);
          i = end;
          continue;
        }
        // Not valid JSON (or an unsafe integer): the token path below reads it and reports the exact problem.
      }
      switch (c) {
        case 0x7b: // {
        case 0x5b: // [
          if (this.expect !== Expect.Value && this.expect !== Expect.ValueOrEnd) this.fail(`unexpected ${b[i]}`);
          this.open(c === 0x7b ? 'o' : 'a');
          i++;
          continue;
        case 0x7d: // }
          if (this.expect !== Expect.KeyOrEnd && this.expect !== Expect.CommaOrEnd) this.fail('unexpected }');
          this.close('o');
          i++;
          continue;
        case 0x5d: // ]
          if (this.expect !== Expect.ValueOrEnd && this.expect !== Expect.CommaOrEnd) this.fail('unexpected ]');
          this.close('a');
          i++;
          continue;
        case 0x3a: // :
          if (this.expect !== Expect.Colon) this.fail('unexpected :');
          this.expect = Expect.Value;
          i++;
          continue;
        case 0x2c: // ,
          if (this.expect !== Expect.CommaOrEnd) this.fail('unexpected ,');
          this.expect = this.stack[this.stack.length - 1]!.kind === 'o' ? Expect.Key : Expect.Value;
          i++;
          continue;
      }
      // Number or literal: runs to the next delimiter.
      let j = i;
      while (j < n) {
        const d = b.charCodeAt(j);
        if (d === 0x2c || d === 0x7d || d === 0x5d || d === 0x20 || d === 0x0a || d === 0x0d || d === 0x09 || d === 0x3a) break;
        j++;
      }
      if (j === n && !final) return i;
      if (this.expect !== Expect.Value && this.expect !== Expect.ValueOrEnd) this.fail(`unexpected ${b.slice(i, Math.min(j, i + 20))}`);
      const tok = b.slice(i, j);
      if (tok === 'true') this.value(true);
      else if (tok === 'false') this.value(false);
      else if (tok === 'null') this.value(null);
      else if (/^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(tok)) {
        // Integers beyond 2^53 are kept as their digits so no precision is lost silently.
        const num = Number(tok);
        this.value(Number.isSafeInteger(num) || !/^-?\d+$/.test(tok) ? num : tok);
      } else this.fail(`invalid token ${JSON.stringify(tok.slice(0, 20))}`);
      i = j;
    }
    return i;
  }
}

/**
 * Index just past the object or array that opens at `start`, or -1 when the text
 * ends first. Only strings and bracket depth are followed; whether the text is
 * valid JSON is for the parser to say.
 */
function objectEnd(b: string, start: number): number {
  let depth = 0;
  for (let i = start; i < b.length; i++) {
    const c = b.charCodeAt(i);
    if (c === 0x22) {
      let q = b.indexOf('"', i + 1);
      for (;;) {
        if (q < 0) return -1;
        let k = q - 1;
        while (b.charCodeAt(k) === 0x5c) k--;
        if ((q - 1 - k) % 2 === 0) break;
        q = b.indexOf('"', q + 1);
      }
      i = q;
    } else if (c === 0x7b || c === 0x5b) depth++;
    else if ((c === 0x7d || c === 0x5d) && --depth === 0) return i + 1;
  }
  return -1;
}

/** True when `v` holds an integer that a float64 cannot represent exactly. */
function hasUnsafeInteger(v: Json): boolean {
  if (typeof v === 'number') return Number.isInteger(v) && !Number.isSafeInteger(v);
  if (v === null || typeof v !== 'object') return false;
  if (Array.isArray(v)) return v.some(hasUnsafeInteger);
  for (const k in v) if (hasUnsafeInteger(v[k]!)) return true;
  return false;
}

/** The object in `text`, or undefined when it is not valid JSON or needs the exact token path. */
function parseWhole(text: string): { [k: string]: Json } | undefined {
  let v: Json;
  try {
    v = JSON.parse(text) as Json;
  } catch {
    return undefined;
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v) || hasUnsafeInteger(v)) return undefined;
  return v;
}

/**
 * Streams a JSON file through a {@link JsonObjectStream}.
 * @param path the file (UTF-8, with or without BOM)
 * @param batch a bulk reader for captured objects, when there is one
 * @throws JsonSyntaxError, or the read error
 */
export async function streamJsonObjects(
  path: string,
  capture: CaptureTest,
  onObject: (obj: { [k: string]: Json }, line: number) => void,
  batch?: CaptureBatch,
): Promise<void> {
  const parser = new JsonObjectStream(capture, onObject, batch);
  const decoder = new StringDecoder('utf8');
  let first = true;
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let text = decoder.write(chunk);
      if (first) {
        first = false;
        if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      }
      parser.push(text);
    }
    parser.push(decoder.end());
    parser.end();
  } finally {
    stream.destroy();
  }
}

export type { Json };
