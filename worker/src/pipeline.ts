import { isUtf8 } from 'node:buffer';
import { compileFilter, type Predicate } from './filter.ts';
import { compilePointer, getAt, type JsonPointer } from './json-pointer.ts';
import { LosslessNumber, parseJson, stringifyJson } from './json-text.ts';
import type { Headers, InRecord } from './kafka-port.ts';
import { aloneBytes } from './record-size.ts';
import { compileTransform, type Transform, type TransformSpec } from './transform.ts';

/** Why a record could not be mirrored; written to the dead-letter headers (docs/worker.md lists them). */
export type RejectReason =
  | 'unreadable'
  | 'tombstone'
  | 'oversized'
  | 'invalid-utf8'
  | 'not-json'
  | 'too-deep'
  | 'missing-key'
  | 'unwritable-header'
  | 'unprocessable';

/** A record bound for one output topic, before partitioning. */
export interface Routed {
  topic: string;
  key: Buffer | null;
  value: Buffer;
  headers: Headers;
}

export type Outcome =
  | { kind: 'mirror'; out: Routed[] }
  | { kind: 'filtered' }
  | { kind: 'rejected'; reason: RejectReason; detail: string };

export interface PipelineSpec {
  output?: string | undefined;
  routes?: Array<{ output: string; when: string }> | undefined;
  filter?: string | undefined;
  transform?: TransformSpec | undefined;
  partition?: string | undefined;
  maxMessageBytes: number;
}

interface Route {
  output: string;
  when: Predicate;
}

/**
 * parse JSON → filter → transform → key → route, compiled once. With no filter, transform,
 * key pointer or routes the value is forwarded byte for byte without being parsed.
 */
export class Pipeline {
  readonly #filter: Predicate | undefined;
  readonly #transform: Transform | undefined;
  readonly #key: JsonPointer | undefined;
  readonly #routes: Route[];
  readonly #output: string | undefined;
  readonly #maxBytes: number;
  readonly #parses: boolean;

  constructor(spec: PipelineSpec) {
    this.#filter = spec.filter ? compileFilter(spec.filter) : undefined;
    this.#transform = spec.transform ? compileTransform(spec.transform) : undefined;
    this.#key = spec.partition !== undefined ? compilePointer(spec.partition) : undefined;
    this.#routes = (spec.routes ?? []).map((r) => ({
      output: r.output,
      when: compileFilter(r.when),
    }));
    this.#output = spec.output;
    this.#maxBytes = spec.maxMessageBytes;
    this.#parses = Boolean(this.#filter || this.#transform || this.#key || this.#routes.length);
  }

  /** The largest record batch (one record with its framing) it lets through. */
  get maxMessageBytes(): number {
    return this.#maxBytes;
  }

  /** Output topics this pipeline can write to. */
  get outputs(): string[] {
    return [
      ...new Set([...(this.#output ? [this.#output] : []), ...this.#routes.map((r) => r.output)]),
    ];
  }

  run(record: InRecord): Outcome {
    const { value } = record;
    if (record.unreadable !== undefined) return reject('unreadable', record.unreadable);
    if (value === null) return reject('tombstone', 'null value');
    if (value.length > this.#maxBytes) {
      return reject('oversized', `${value.length} bytes > max_message_bytes ${this.#maxBytes}`);
    }
    if (!this.#parses) return this.#routeTo([this.#output!], record.key, value, record.headers);
    if (!isUtf8(value)) {
      return reject('invalid-utf8', 'the value is not valid UTF-8, so it cannot be read as JSON');
    }
    try {
      return this.#runDocument(record, value);
    } catch (err) {
      // JSON.parse is iterative, but re-serialising (and reviving) recurse once per level.
      if (err instanceof RangeError && /call stack/.test(err.message)) {
        return reject('too-deep', `JSON nested too deeply to process: ${err.message}`);
      }
      throw err;
    }
  }

  #runDocument(record: InRecord, value: Buffer): Outcome {
    let doc: unknown;
    try {
      doc = parseJson(value.toString('utf8'));
    } catch (err) {
      if (err instanceof SyntaxError) return reject('not-json', err.message);
      throw err;
    }
    if (this.#filter && !this.#filter(doc)) return { kind: 'filtered' };
    if (this.#transform) doc = this.#transform(doc);

    let key = record.key;
    if (this.#key) {
      const k = getAt(doc, this.#key);
      const pointer = `/${this.#key.join('/')}`;
      if (k === undefined || k === null) {
        return reject('missing-key', `no value at key pointer "${pointer}"`);
      }
      if (typeof k === 'string' && !(k as WellFormed).isWellFormed()) {
        return reject('invalid-utf8', `the key at "${pointer}" holds a lone surrogate`);
      }
      key = Buffer.from(typeof k === 'string' ? k : keyText(k));
    }
    const topics = this.#routes.filter((r) => r.when(doc)).map((r) => r.output);
    if (topics.length === 0 && this.#output) topics.push(this.#output);
    if (topics.length === 0) return { kind: 'filtered' };
    const out = this.#transform ? Buffer.from(stringifyJson(doc)) : value;
    return this.#routeTo(topics, key, out, record.headers);
  }

  /** The size check is on what is produced: a transform or a key pointer can make a record grow. */
  #routeTo(topics: string[], key: Buffer | null, value: Buffer, headers: Headers): Outcome {
    const size = aloneBytes({ key, value, headers });
    if (size > this.#maxBytes) {
      return reject(
        'oversized',
        `output record is ${size} bytes in its batch (key, value, headers and framing) > max_message_bytes ${this.#maxBytes}`,
      );
    }
    return { kind: 'mirror', out: topics.map((topic) => ({ topic, key, value, headers })) };
  }
}

/** ES2024's String.prototype.isWellFormed (Node 20 has it; the ES2023 lib does not declare it). */
type WellFormed = string & { isWellFormed(): boolean };

const reject = (reason: RejectReason, detail: string): Outcome => ({
  kind: 'rejected',
  reason,
  detail,
});

/** A number keeps its text; a boolean, object or array becomes its JSON text. */
function keyText(k: unknown): string {
  return k instanceof LosslessNumber ? k.text : stringifyJson(k);
}
