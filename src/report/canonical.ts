/**
 * Canonical JSON: one byte sequence for one JSON value, so that a hash over
 * it means the same thing to every implementation.
 *
 * The output is the JSON Canonicalization Scheme of RFC 8785 (JCS) for the
 * values hashtriage writes, which lets a third party verify the audit log
 * with any JCS library instead of this code. In short:
 *
 * - no whitespace anywhere;
 * - object members sorted by key, comparing keys as sequences of UTF-16
 *   code units (JavaScript's default string order, which is what JCS uses;
 *   it differs from code-point order only above U+FFFF);
 * - strings: `"` and `\` escaped with a backslash; U+0008, U+0009, U+000A,
 *   U+000C, U+000D written `\b \t \n \f \r`; every other code point below
 *   U+0020 written `\u00hh` with lowercase hex; everything else, including
 *   non-ASCII, written literally as UTF-8;
 * - numbers: the ECMAScript `Number.prototype.toString` form (integers as
 *   plain decimal without exponent below 1e21, `-0` written `0`);
 * - `true`, `false`, `null` as themselves.
 *
 * Values JSON cannot carry faithfully are refused rather than quietly
 * changed, because a log that silently rewrote what it was given would not
 * be evidence of what happened: NaN and ±Infinity, bigint, functions,
 * symbols, `undefined` inside arrays, strings holding a lone surrogate,
 * cycles, and objects other than plain objects and arrays (Date, Buffer,
 * Map...: the caller must say how it wants them written). One leniency: an
 * object member whose value is `undefined` is left out, as JSON.stringify
 * does, so optional TypeScript fields can be passed as they are.
 */
import { HashtriageError } from '../errors.js';

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Serialises a JSON value canonically (RFC 8785 JCS; see the module comment).
 *
 * @param value - plain objects, arrays, strings, finite numbers, booleans and null.
 * @returns the canonical text; encode it as UTF-8 to hash it.
 * @throws HashtriageError `INTERNAL` when the value holds something canonical
 *   JSON cannot represent; the message names where (`$.data.path`).
 * @example canonicalJson({ b: [1, 'x'], a: null }) // '{"a":null,"b":[1,"x"]}'
 */
export function canonicalJson(value: unknown): string {
  try {
    return write(value, new Set<object>());
  } catch (err) {
    if (err instanceof Refusal) {
      throw new HashtriageError('INTERNAL', `canonicalJson: cannot serialise ${err.what} at $${err.where.reverse().join('')}`);
    }
    throw err;
  }
}

/**
 * Thrown inside the recursion; each level adds its path segment on the way
 * out, so the path is only built when something is refused (building it for
 * every member roughly doubled the cost of serialisation).
 */
class Refusal {
  readonly where: string[] = [];
  constructor(readonly what: string) {}
}

/** Adds a path segment to a refusal passing through, then lets it continue. */
function addSegment(err: unknown, segment: string): unknown {
  if (err instanceof Refusal) err.where.push(segment);
  return err;
}

// Any surrogate at all: the cheap test that lets the exact lone-surrogate test run only when needed.
const SURROGATE = /[\ud800-\udfff]/;

function writeString(s: string): string {
  if (SURROGATE.test(s) && LONE_SURROGATE.test(s)) throw new Refusal('a string holding a lone surrogate');
  // For well-formed strings JSON.stringify's escaping is exactly the JCS rule set.
  return JSON.stringify(s);
}

function write(value: unknown, open: Set<object>): string {
  switch (typeof value) {
    case 'string':
      return writeString(value);
    case 'number':
      if (!Number.isFinite(value)) throw new Refusal(String(value));
      // Number-to-string is ECMAScript's, the form JCS prescribes; it also turns -0 into 0.
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      break;
    default:
      throw new Refusal(`a value of type ${typeof value}`);
  }
  if (value === null) return 'null';
  if (open.has(value)) throw new Refusal('a cycle');
  open.add(value);
  let out: string;
  if (Array.isArray(value)) {
    out = '[';
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (i > 0) out += ',';
      try {
        if (item === undefined) throw new Refusal('undefined');
        out += write(item, open);
      } catch (err) {
        throw addSegment(err, `[${i}]`);
      }
    }
    out += ']';
  } else {
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      const name = (value as { constructor?: { name?: string } }).constructor?.name ?? 'object';
      throw new Refusal(`an instance of ${name}`);
    }
    const record = value as Record<string, unknown>;
    // Default sort compares UTF-16 code units: the JCS order.
    const keys = Object.keys(record).sort();
    out = '{';
    let first = true;
    for (const key of keys) {
      const member = record[key];
      if (member === undefined) continue;
      if (!first) out += ',';
      first = false;
      try {
        out += writeString(key) + ':' + write(member, open);
      } catch (err) {
        throw addSegment(err, `.${key}`);
      }
    }
    out += '}';
  }
  open.delete(value);
  return out;
}
