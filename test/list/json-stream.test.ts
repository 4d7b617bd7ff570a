import { describe, it, expect } from 'vitest';
import { JsonObjectStream, JsonSyntaxError } from '../../src/list/json-stream.js';

function run(text: string, chunk: number): unknown[] {
  const got: unknown[] = [];
  const p = new JsonObjectStream((path) => path.length === 2 && path[0] === 'value', (o) => got.push(o));
  for (let i = 0; i < text.length; i += chunk) p.push(text.slice(i, i + chunk));
  p.end();
  return got;
}

describe('JsonObjectStream', () => {
  const doc = { ctx: 'x', value: [{ a: 'q"uo\\te\u00e9', n: -1.5e3, big: 12345678901234567890, t: true, z: null, arr: [1, { b: 2 }] }, { c: [] }], tail: {} };
  const text = JSON.stringify(doc, null, 1).replace('12345678901234567000', '12345678901234567890');

  it('builds the same objects whatever the chunk size, keeping big integers as digits', () => {
    const whole = run(text, text.length);
    expect(whole).toEqual([{ ...doc.value[0], big: '12345678901234567890' }, doc.value[1]]);
    for (const size of [1, 2, 3, 7, 64]) expect(run(text, size)).toEqual(whole);
  });

  it('reports truncation and syntax errors with a line number', () => {
    expect(() => run(text.slice(0, text.length - 5), 10)).toThrow(JsonSyntaxError);
    expect(() => run('{"value": [1,, 2]}', 4)).toThrow(/unexpected ,/);
    try {
      run('{\n"value":\n[tru]}', 3);
    } catch (e) {
      expect((e as JsonSyntaxError).line).toBe(3);
    }
    expect.assertions(3);
  });
});
