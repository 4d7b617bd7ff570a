import { describe, it, expect } from 'vitest';
import { JsonObjectStream, JsonSyntaxError } from '../../src/list/json-stream.js';

type Got = { obj: Record<string, unknown>; line: number };

function run(text: string, chunk: number): Got[] {
  const got: Got[] = [];
  const p = new JsonObjectStream(
    (path) => path.length === 2 && path[0] === 'value',
    (obj, line) => got.push({ obj, line }),
  );
  for (let i = 0; i < text.length; i += chunk) p.push(text.slice(i, i + chunk));
  p.end();
  return got;
}

function errorOf(text: string, chunk: number): { message: string; line: number } {
  try {
    run(text, chunk);
  } catch (e) {
    if (e instanceof JsonSyntaxError) return { message: e.message, line: e.line };
    throw e;
  }
  throw new Error('no error');
}

const CHUNKS = [1, 3, 17, 100, 1 << 20];

describe('JsonObjectStream captured records', () => {
  it('builds flat and nested records, with braces and escapes inside strings, on the right lines', () => {
    const text = [
      '{"ctx":"x","value":[',
      '{"MD5":"ab","n":1,"f":-2.5e-3,"t":true,"z":null},',
      '{"name":"a}b{c]","q":"say \\"hi\\" \\\\","nested":{"k":[1,{"m":"}"}]}},',
      '{',
      '"multi": "line",',
      '"x": [ ]',
      '},{}',
      ']}',
    ].join('\n');
    const want = [
      { obj: { MD5: 'ab', n: 1, f: -2.5e-3, t: true, z: null }, line: 2 },
      { obj: { name: 'a}b{c]', q: 'say "hi" \\', nested: { k: [1, { m: '}' }] } }, line: 3 },
      { obj: { multi: 'line', x: [] }, line: 4 },
      { obj: {}, line: 7 },
    ];
    for (const c of CHUNKS) expect(run(text, c)).toEqual(want);
  });

  it('keeps integers beyond 2^53 as digits in flat records, and safe ones as numbers', () => {
    const text = '{"value":[{"a":9007199254740993,"b":-12345678901234567890,"c":9007199254740991,"d":1e300}]}';
    for (const c of CHUNKS) {
      expect(run(text, c)).toEqual([{ obj: { a: '9007199254740993', b: '-12345678901234567890', c: 9007199254740991, d: 1e300 }, line: 1 }]);
    }
  });

  it('reads a __proto__ key as data, an own key, never as the object\'s prototype (both read paths)', () => {
    // The second text has a raw tab, which JSON.parse refuses, so it goes the token-by-token way.
    for (const text of ['{"value":[{"__proto__":{"inherited":1},"own":2}]}', '{"value":[{"\\u005f_proto__":{"inherited":1},"own":"\t"}]}']) {
      for (const c of CHUNKS) {
        const [{ obj }] = run(text, c) as [Got];
        expect(Object.hasOwn(obj, '__proto__')).toBe(true);
        expect(Object.getPrototypeOf(obj)).toBe(Object.prototype);
        expect(obj['inherited']).toBeUndefined();
        expect(Object.keys(obj)).toEqual(['__proto__', 'own']);
      }
    }
  });

  it('accepts what it accepted before even where JSON.parse would not (a raw tab in a string)', () => {
    for (const c of CHUNKS) expect(run('{"value":[{"a":"x\ty"}]}', c)).toEqual([{ obj: { a: 'x\ty' }, line: 1 }]);
  });

  it('reports errors inside a record with the same message and line', () => {
    const cases: [string, string, number][] = [
      ['{"value":[\n{"a":1,}\n]}', 'unexpected }', 2],
      ['{"value":[\n{"a":1\n"b":2}]}', 'unexpected string', 3],
      ['{"value":[\n{"a":"x\ny"}]}', 'raw line break inside a string', 2],
      ['{"value":[\n{"a":tru}]}', 'invalid token "tru"', 2],
      ['{"value":[\n{"a":[1}]}', 'unexpected }', 2],
      ['{"value":[\n{"a":"\\x"}]}', 'invalid escape in string', 2],
      ['{"value":[\n{"a":1,\n"b":', 'truncated JSON: the document ends inside a value', 3],
      ['{"value":[\n{"a":"unterminated', 'truncated JSON: unterminated string', 2],
    ];
    for (const [text, message, line] of cases) for (const c of CHUNKS) expect(errorOf(text, c)).toEqual({ message, line });
  });

  it('builds a record larger than the whole-record limit as it streams', () => {
    const long = 'x'.repeat(200_000);
    const text = `{"value":[{"a":"${long}","b":[1,2]},{"c":3}]}`;
    for (const c of [4096, 1 << 16, 1 << 20]) expect(run(text, c)).toEqual([{ obj: { a: long, b: [1, 2] }, line: 1 }, { obj: { c: 3 }, line: 1 }]);
  });
});
