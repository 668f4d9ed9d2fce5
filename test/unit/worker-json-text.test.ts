import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LosslessNumber, parseJson, stringifyJson } from '../../worker/src/json-text.ts';

describe('lossless JSON', () => {
  it('writes back every number exactly as it was written', () => {
    const text =
      '{"id":12345678901234567890,"neg":-98765432109876543210,"big":1e400,"exp":1E5,"dec":1.50,"zero":-0,"small":5e-324,"plain":42,"f":0.1,"arr":[1.0,2,3e2]}';
    expect(stringifyJson(parseJson(text))).toBe(text);
  });

  it('keeps numbers inside strings as text, escapes and all', () => {
    const text = String.raw`{"s":"12345678901234567890","q":"a\"1.50\\","t":"2026-01-05T10:03:07.120Z","n":1.50}`;
    const doc = parseJson(text) as Record<string, unknown>;
    expect(doc.s).toBe('12345678901234567890');
    expect(doc.q).toBe('a"1.50\\');
    expect(doc.t).toBe('2026-01-05T10:03:07.120Z');
    expect(doc.n).toBeInstanceOf(LosslessNumber);
    expect(stringifyJson(doc)).toBe(text);
  });

  it('parses numbers that round-trip as plain numbers', () => {
    expect(parseJson('{"a":1,"b":-2.5,"c":1760000000000}')).toEqual({
      a: 1,
      b: -2.5,
      c: 1760000000000,
    });
  });

  it('a kept number compares by value', () => {
    const n = (parseJson('[12345678901234567890]') as LosslessNumber[])[0]!;
    expect(n.text).toBe('12345678901234567890');
    expect(n.value).toBe(Number('12345678901234567890'));
  });

  it('rejects what JSON.parse rejects', () => {
    expect(() => parseJson('{"a":1.2.3}')).toThrow(SyntaxError);
    expect(() => parseJson('[01]')).toThrow(SyntaxError);
  });

  it('round-trips any JSON text produced from any value, in its compact form', () => {
    fc.assert(
      fc.property(fc.json(), (text) => {
        expect(stringifyJson(parseJson(text))).toBe(JSON.stringify(JSON.parse(text)));
      }),
    );
  });
});
