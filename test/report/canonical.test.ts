import { describe, it, expect } from 'vitest';
import { canonicalJson } from '../../src/report/canonical.js';
import { HashtriageError } from '../../src/errors.js';

function refusal(value: unknown): HashtriageError {
  try {
    canonicalJson(value);
  } catch (err) {
    return err as HashtriageError;
  }
  throw new Error('canonicalJson accepted the value');
}

describe('canonicalJson', () => {
  it('writes literals and nested containers without whitespace', () => {
    expect(canonicalJson({ z: [true, false, null], a: { y: 1, b: 'x' }, m: [] })).toBe(
      '{"a":{"b":"x","y":1},"m":[],"z":[true,false,null]}',
    );
    expect(canonicalJson([])).toBe('[]');
    expect(canonicalJson({})).toBe('{}');
    expect(canonicalJson('top')).toBe('"top"');
  });

  it('sorts keys by UTF-16 code units (RFC 8785 section 3.2.3 example)', () => {
    const input = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    };
    expect(canonicalJson(input)).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis",' +
        '"\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
  });

  it('formats numbers the ECMAScript way (RFC 8785 appendix B values)', () => {
    const cases: Array<[number, string]> = [
      [0, '0'],
      [-0, '0'],
      [1, '1'],
      [-1, '-1'],
      [1e21, '1e+21'],
      [1e20, '100000000000000000000'],
      [333333333.3333332, '333333333.3333332'],
      [0.000001, '0.000001'],
      [1e-7, '1e-7'],
      [9007199254740991, '9007199254740991'],
      [5e-324, '5e-324'],
      [1.7976931348623157e308, '1.7976931348623157e+308'],
      [295147905179352830000, '295147905179352830000'],
    ];
    for (const [n, text] of cases) expect(canonicalJson(n)).toBe(text);
  });

  it('escapes strings with the JCS rule set and keeps other characters literal', () => {
    expect(canonicalJson('"\\\b\f\n\r\t')).toBe('"\\"\\\\\\b\\f\\n\\r\\t"');
    expect(canonicalJson('\u0000\u0001\u001f')).toBe('"\\u0000\\u0001\\u001f"');
    // DEL, line/paragraph separators, non-ASCII and astral characters are not escaped.
    expect(canonicalJson('\u007f\u2028\u2029é€😀/')).toBe('"\u007f\u2028\u2029é€😀/"');
  });

  it('leaves out object members whose value is undefined', () => {
    expect(canonicalJson({ a: undefined, b: 2 })).toBe('{"b":2}');
  });

  it('round-trips through JSON.parse to the same text', () => {
    const value = { path: 'dir/ファイル\u0007.jpg', size: 12345, nested: [{ k: -0.5 }, 'x'] };
    const text = canonicalJson(value);
    expect(canonicalJson(JSON.parse(text))).toBe(text);
  });

  it('accepts objects without a prototype', () => {
    const o = Object.create(null) as Record<string, unknown>;
    o.b = 1;
    o.a = 2;
    expect(canonicalJson(o)).toBe('{"a":2,"b":1}');
  });

  it('refuses values JSON cannot carry faithfully, naming where', () => {
    expect(refusal({ a: { b: NaN } }).message).toBe('canonicalJson: cannot serialise NaN at $.a.b');
    expect(refusal([Infinity]).message).toBe('canonicalJson: cannot serialise Infinity at $[0]');
    expect(refusal({ n: 1n }).message).toBe('canonicalJson: cannot serialise a value of type bigint at $.n');
    expect(refusal({ f: () => 1 }).message).toBe('canonicalJson: cannot serialise a value of type function at $.f');
    expect(refusal({ s: Symbol('x') }).message).toBe('canonicalJson: cannot serialise a value of type symbol at $.s');
    expect(refusal([1, undefined]).message).toBe('canonicalJson: cannot serialise undefined at $[1]');
    expect(refusal(undefined).message).toBe('canonicalJson: cannot serialise a value of type undefined at $');
    expect(refusal({ d: new Date(0) }).message).toBe('canonicalJson: cannot serialise an instance of Date at $.d');
    expect(refusal({ b: Buffer.from('x') }).message).toBe('canonicalJson: cannot serialise an instance of Buffer at $.b');
    expect(refusal({ m: new Map() }).message).toBe('canonicalJson: cannot serialise an instance of Map at $.m');
    expect(refusal({ s: 'a\ud800b' }).message).toBe('canonicalJson: cannot serialise a string holding a lone surrogate at $.s');
    expect(refusal({ ['\udc00']: 1 }).message).toBe('canonicalJson: cannot serialise a string holding a lone surrogate at $.\udc00');
  });

  it('refuses cycles but accepts the same object twice side by side', () => {
    const shared = { x: 1 };
    expect(canonicalJson({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}');
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    const err = refusal(loop);
    expect(err).toBeInstanceOf(HashtriageError);
    expect(err.code).toBe('INTERNAL');
    expect(err.message).toBe('canonicalJson: cannot serialise a cycle at $.self');
  });
});
