import { compilePointer, getAt, type JsonPointer } from './json-pointer.ts';
import { LosslessNumber } from './json-text.ts';

/**
 * The filter language: a predicate over the message's JSON document, compiled once at start.
 *
 *   expr       := or
 *   or         := and ( "||" and )*
 *   and        := unary ( "&&" unary )*
 *   unary      := "!" unary | "(" expr ")" | comparison
 *   comparison := pointer "exists" | pointer op literal
 *   op         := "==" | "!=" | "<" | "<=" | ">" | ">="
 *   literal    := JSON string | number | true | false | null
 *
 * e.g. `/type == "click" && (/amount > 10 || /vip exists) && !(/country == "XX")`.
 * A missing field equals nothing (`==` false, `!=` true); `<`…`>=` hold only between two
 * numbers or two strings.
 */
export type Predicate = (doc: unknown) => boolean;
type Literal = string | number | boolean | null;
type Op = '==' | '!=' | '<' | '<=' | '>' | '>=';

export class FilterSyntaxError extends Error {
  override name = 'FilterSyntaxError';
  constructor(
    readonly detail: string,
    /** 1-based character position in the expression. */
    readonly position: number,
  ) {
    super(`${detail} at position ${position}`);
  }
}

interface Token {
  kind: 'pointer' | 'op' | 'literal' | 'word' | 'punct' | 'end';
  text: string;
  value?: Literal;
  pos: number;
}

const OPS = ['==', '!=', '<=', '>=', '&&', '||', '<', '>', '!', '(', ')'];
const NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/;
const STRING = /^"(?:[^"\\]|\\.)*"/;
const POINTER = /^\/(?:[^\s=!<>()&|"]|~[01])*/;
const WORD = /^[A-Za-z_]+/;

const LITERAL_WORDS: Record<string, Literal> = { true: true, false: false, null: null };

/** The token at the start of `rest` (at 1-based position `pos`), or undefined if none matches. */
function scan(rest: string, pos: number): Token | undefined {
  const op = OPS.find((o) => rest.startsWith(o));
  if (op) return { kind: ['(', ')', '!', '&&', '||'].includes(op) ? 'punct' : 'op', text: op, pos };
  const str = STRING.exec(rest)?.[0];
  if (str) return { kind: 'literal', text: str, value: JSON.parse(str) as string, pos };
  const num = NUMBER.exec(rest)?.[0];
  if (num) return { kind: 'literal', text: num, value: Number(num), pos };
  const ptr = POINTER.exec(rest)?.[0];
  if (ptr) return { kind: 'pointer', text: ptr, pos };
  const word = WORD.exec(rest)?.[0];
  if (!word) return undefined;
  return word in LITERAL_WORDS
    ? { kind: 'literal', text: word, value: LITERAL_WORDS[word]!, pos }
    : { kind: 'word', text: word, pos };
}

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const rest = src.slice(i);
    const space = /^\s+/.exec(rest)?.[0];
    if (space) {
      i += space.length;
      continue;
    }
    const token = scan(rest, i + 1);
    if (!token) throw new FilterSyntaxError(`unexpected character '${rest[0]}'`, i + 1);
    tokens.push(token);
    i += token.text.length;
  }
  tokens.push({ kind: 'end', text: 'end of expression', pos: src.length + 1 });
  return tokens;
}

function compare(op: Op, found: unknown, expected: Literal): boolean {
  // A number kept as its text compares as the nearest double, as literals do.
  const actual = found instanceof LosslessNumber ? found.value : found;
  if (op === '==') return actual === expected;
  if (op === '!=') return actual !== expected;
  const comparable =
    (typeof actual === 'number' && typeof expected === 'number') ||
    (typeof actual === 'string' && typeof expected === 'string');
  if (!comparable) return false;
  const [a, b] = [actual as number | string, expected as number | string];
  if (op === '<') return a < b;
  if (op === '<=') return a <= b;
  if (op === '>') return a > b;
  return a >= b;
}

class Parser {
  #i = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): Predicate {
    const expr = this.or();
    const t = this.peek();
    if (t.kind !== 'end') throw new FilterSyntaxError(`unexpected '${t.text}'`, t.pos);
    return expr;
  }

  private peek(): Token {
    return this.tokens[this.#i]!;
  }

  private next(): Token {
    return this.tokens[this.#i++]!;
  }

  private or(): Predicate {
    return this.chain('||', () => this.and());
  }

  private and(): Predicate {
    return this.chain('&&', () => this.unary());
  }

  /** operand ( op operand )*: `||` holds if some part holds, `&&` if every part does. */
  private chain(op: '||' | '&&', operand: () => Predicate): Predicate {
    const parts = [operand()];
    while (this.peek().text === op) {
      this.next();
      parts.push(operand());
    }
    if (parts.length === 1) return parts[0]!;
    return op === '||' ? (doc) => parts.some((p) => p(doc)) : (doc) => parts.every((p) => p(doc));
  }

  private unary(): Predicate {
    const t = this.next();
    if (t.kind === 'punct' && t.text === '!') {
      const inner = this.unary();
      return (doc) => !inner(doc);
    }
    if (t.kind === 'punct' && t.text === '(') {
      const inner = this.or();
      const close = this.next();
      if (close.text !== ')')
        throw new FilterSyntaxError(`expected ')' but found '${close.text}'`, close.pos);
      return inner;
    }
    if (t.kind === 'pointer') return this.comparison(compilePointer(t.text));
    throw new FilterSyntaxError(
      `expected a JSON pointer (e.g. /type), '!' or '(' but found '${t.text}'`,
      t.pos,
    );
  }

  private comparison(pointer: JsonPointer): Predicate {
    const t = this.next();
    if (t.kind === 'word' && t.text === 'exists') return (doc) => getAt(doc, pointer) !== undefined;
    if (t.kind !== 'op') {
      throw new FilterSyntaxError(
        `expected an operator (==, !=, <, <=, >, >=, exists) but found '${t.text}'`,
        t.pos,
      );
    }
    const lit = this.next();
    if (lit.kind !== 'literal') {
      throw new FilterSyntaxError(
        `expected a string, number, true, false or null after '${t.text}' but found '${lit.text}'`,
        lit.pos,
      );
    }
    const op = t.text as Op;
    const expected = lit.value as Literal;
    return (doc) => compare(op, getAt(doc, pointer), expected);
  }
}

/** Compiles a filter expression; throws FilterSyntaxError naming the position of the problem. */
export function compileFilter(source: string): Predicate {
  return new Parser(tokenize(source)).parse();
}
