import { describe, expect, it } from 'vitest';
import { compilePointer, getAt, JsonPointerError, setAt } from '../../worker/src/json-pointer.ts';
import { compileTransform } from '../../worker/src/transform.ts';

describe('JSON pointer', () => {
  it('compiles RFC 6901 pointers, escapes included', () => {
    expect(compilePointer('')).toEqual([]);
    expect(compilePointer('/a/b')).toEqual(['a', 'b']);
    expect(compilePointer('/a~1b/c~0d')).toEqual(['a/b', 'c~d']);
    expect(() => compilePointer('userId')).toThrow(JsonPointerError);
  });

  it('reads objects and arrays, undefined when missing', () => {
    const doc = { a: { b: [10, { c: 'x' }] }, n: null };
    expect(getAt(doc, compilePointer('/a/b/1/c'))).toBe('x');
    expect(getAt(doc, compilePointer('/a/b/0'))).toBe(10);
    expect(getAt(doc, compilePointer('/n'))).toBeNull();
    expect(getAt(doc, compilePointer('/a/b/01'))).toBeUndefined();
    expect(getAt(doc, compilePointer('/a/zz/y'))).toBeUndefined();
    expect(getAt(doc, compilePointer('/toString'))).toBeUndefined();
    expect(getAt('scalar', compilePointer('/a'))).toBeUndefined();
  });

  it('sets, creating intermediate objects', () => {
    expect(setAt({}, compilePointer('/a/b'), 1)).toEqual({ a: { b: 1 } });
    expect(setAt({ a: 5 }, compilePointer('/a/b'), 1)).toEqual({ a: { b: 1 } });
  });
});

describe('transform', () => {
  const input = () => ({ user: { id: 'u1', email: 'e@x' }, type: 'click', pad: 'xxx', amount: 3 });

  it('picks only the listed fields', () => {
    expect(compileTransform({ pick: ['/user/id', '/type', '/absent'] })(input())).toEqual({
      user: { id: 'u1' },
      type: 'click',
    });
  });

  it('drops fields', () => {
    expect(compileTransform({ drop: ['/pad', '/user/email', '/absent'] })(input())).toEqual({
      user: { id: 'u1' },
      type: 'click',
      amount: 3,
    });
  });

  it('renames, moving values across levels', () => {
    expect(
      compileTransform({ rename: { '/user/id': '/userId', '/absent': '/x' } })(input()),
    ).toEqual({
      user: { email: 'e@x' },
      userId: 'u1',
      type: 'click',
      pad: 'xxx',
      amount: 3,
    });
  });

  it('sets constants (fresh copies per record)', () => {
    const t = compileTransform({ set: { '/meta/source': 'mirror', '/meta/tags': ['a'] } });
    const a = t(input()) as { meta: { tags: string[] } };
    a.meta.tags.push('mutated');
    expect(t(input())).toMatchObject({ meta: { source: 'mirror', tags: ['a'] } });
  });

  it('applies pick → drop → rename → set in that order', () => {
    const t = compileTransform({
      pick: ['/user', '/type'],
      drop: ['/user/email'],
      rename: { '/user/id': '/id' },
      set: { '/v': 2 },
    });
    expect(t(input())).toEqual({ user: {}, type: 'click', id: 'u1', v: 2 });
  });
});
