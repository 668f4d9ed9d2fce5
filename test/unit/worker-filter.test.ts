import { describe, expect, it } from 'vitest';
import { compileFilter, FilterSyntaxError } from '../../worker/src/filter.ts';

const doc = {
  type: 'click',
  amount: 12,
  vip: false,
  country: 'FR',
  user: { id: 'u1', tags: ['a', 'b'] },
  note: null,
};

describe('filter language', () => {
  it.each([
    ['/type == "click"', true],
    ['/type != "click"', false],
    ['/amount > 10', true],
    ['/amount >= 12', true],
    ['/amount < 12', false],
    ['/amount <= 12.0', true],
    ['/type == "click" && /amount > 10', true],
    ['/type == "view" || /amount > 10', true],
    ['/type == "view" || /amount > 100', false],
    ['!(/country == "XX")', true],
    ['!/vip == false', false],
    ['/vip == false', true],
    ['/note == null', true],
    ['/user/id == "u1"', true],
    ['/user/tags/1 == "b"', true],
    ['/user/id exists', true],
    ['/missing exists', false],
    ['!/missing exists', true],
    ['/missing == null', false],
    ['/missing != "x"', true],
    ['/country > "E"', true],
    ['/amount > "10"', false],
    ['(/type == "view" || /country == "FR") && (/amount > 5 && !(/vip == true))', true],
    ['/type == "click" || /amount > 10 && /vip == true', true],
    ['/amount == -3e1 || /amount == 12', true],
  ])('%s → %s', (expr, expected) => {
    expect(compileFilter(expr)(doc)).toBe(expected);
  });

  it('binds && tighter than ||', () => {
    // true || (false && false) = true; read left to right, (true || false) && false would be false.
    expect(compileFilter('/type == "click" || /amount > 100 && /vip == true')(doc)).toBe(true);
  });

  it('handles escaped JSON pointer segments and string escapes', () => {
    expect(compileFilter('/a~1b == "x\\"y"')({ 'a/b': 'x"y' })).toBe(true);
    expect(compileFilter('/m~0n exists')({ 'm~n': 1 })).toBe(true);
  });

  it.each([
    ['/type ==', 'expected a string, number, true, false or null', 9],
    ['/type = "x"', "unexpected character '='", 7],
    ['/type == "x" &&', 'expected a JSON pointer', 16],
    ['(/a == 1', "expected ')'", 9],
    ['/a == 1)', "unexpected ')'", 8],
    ['type == "x"', 'expected a JSON pointer', 1],
    ['/a 1', 'expected an operator', 4],
    ['/a == 1 /b == 2', "unexpected '/b'", 9],
    ['/a == "unterminated', "unexpected character '\"'", 7],
  ])('rejects %j naming the position', (expr, message, position) => {
    let error: unknown;
    try {
      compileFilter(expr);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FilterSyntaxError);
    expect((error as FilterSyntaxError).message).toContain(message);
    expect((error as FilterSyntaxError).position).toBe(position);
    expect((error as FilterSyntaxError).message).toContain(`at position ${position}`);
  });

  it('never evaluates code', () => {
    expect(() => compileFilter('process.exit(1)')).toThrow(FilterSyntaxError);
  });
});
