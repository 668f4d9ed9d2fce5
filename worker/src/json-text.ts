import { randomUUID } from 'node:crypto';

/**
 * JSON that keeps every number's text. `JSON.parse` turns 12345678901234567890 into
 * 12345678901234567000, `1e400` into Infinity (written back as null), `1.50` into 1.5; a mirror
 * must write back what it read. A number whose text `Number` cannot give back is parsed as a
 * LosslessNumber, which the filter compares by value and `stringifyJson` writes as its text.
 * Documents whose numbers all round-trip (the common case) cost one scan more than `JSON.parse`.
 */
export class LosslessNumber {
  readonly #text: string;
  constructor(text: string) {
    this.#text = text;
  }
  get text(): string {
    return this.#text;
  }
  /** The nearest double (for comparisons). */
  get value(): number {
    return Number(this.#text);
  }
  toJSON(): string {
    marked = true;
    return `${MARK}${this.#text}${MARK}`;
  }
}

/** Set by toJSON, so that stringifyJson rewrites only the texts that hold a LosslessNumber. */
let marked = false;

/** Brackets a number's text inside the string JSON.stringify writes for it; unique per process. */
const MARK = `\u0000${randomUUID()}\u0000`;
const ESCAPED_MARK = JSON.stringify(MARK).slice(1, -1);
const MARK_SOURCE = ESCAPED_MARK.replace(/[\\^$.*+?()[\]{}|-]/g, '\\$&');
const MARKED = new RegExp(`"${MARK_SOURCE}([-+.0-9eE]+)${MARK_SOURCE}"`, 'g');

const isDigit = (c: number) => c >= 48 && c <= 57;
/** Characters of a number token: digits . e E + - */
const inNumber = (c: number) =>
  isDigit(c) || c === 46 || c === 101 || c === 69 || c === 43 || c === 45;

/** [start, end) of every number outside strings whose text `String(Number(text))` changes. */
function inexactNumbers(text: string): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      // Skip the string: its closing quote is the next one not escaped by an odd run of backslashes.
      let q = i;
      for (;;) {
        q = text.indexOf('"', q + 1);
        if (q < 0) return spans;
        let slashes = 0;
        while (text.charCodeAt(q - 1 - slashes) === 92) slashes++;
        if (slashes % 2 === 0) break;
      }
      i = q + 1;
    } else if (c === 45 || isDigit(c)) {
      // An integer of at most 15 digits (other than -0) is exact: only other tokens are checked.
      let j = i + 1;
      let plain = true;
      for (let d = text.charCodeAt(j); j < text.length && inNumber(d); d = text.charCodeAt(++j)) {
        if (!isDigit(d)) plain = false;
      }
      const digits = c === 45 ? j - i - 1 : j - i;
      if (!plain || digits > 15 || (c === 45 && text.charCodeAt(i + 1) === 48 && j === i + 2)) {
        const token = text.slice(i, j);
        if (String(Number(token)) !== token) spans.push([i, j]);
      }
      i = j;
    } else i++;
  }
  return spans;
}

/** Parses JSON text (throws SyntaxError as JSON.parse does), keeping inexact numbers' text. */
export function parseJson(text: string): unknown {
  const doc: unknown = JSON.parse(text);
  const spans = inexactNumbers(text);
  if (spans.length === 0) return doc;
  // The text is valid JSON (parsed above): each inexact number becomes a marked string, revived.
  let marked = '';
  let at = 0;
  for (const [start, end] of spans) {
    marked += `${text.slice(at, start)}"${ESCAPED_MARK}${text.slice(start, end)}"`;
    at = end;
  }
  marked += text.slice(at);
  return JSON.parse(marked, (_k, v: unknown) =>
    typeof v === 'string' && v.startsWith(MARK) ? new LosslessNumber(v.slice(MARK.length)) : v,
  );
}

/** JSON text of a document from parseJson, every LosslessNumber written as its original text. */
export function stringifyJson(doc: unknown): string {
  marked = false;
  const text = JSON.stringify(doc);
  return marked ? text.replace(MARKED, '$1') : text;
}
