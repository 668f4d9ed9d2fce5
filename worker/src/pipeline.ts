import { compileFilter, type Predicate } from './filter.ts';
import { compilePointer, getAt, type JsonPointer } from './json-pointer.ts';
import type { Headers, InRecord } from './kafka-port.ts';
import { compileTransform, type Transform, type TransformSpec } from './transform.ts';

/** Why a record could not be mirrored; written to the dead-letter headers. */
export type RejectReason = 'not-json' | 'missing-key' | 'oversized' | 'tombstone';

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

  /** Output topics this pipeline can write to. */
  get outputs(): string[] {
    return [
      ...new Set([...(this.#output ? [this.#output] : []), ...this.#routes.map((r) => r.output)]),
    ];
  }

  run(record: InRecord): Outcome {
    const { value } = record;
    if (value === null) return { kind: 'rejected', reason: 'tombstone', detail: 'null value' };
    if (value.length > this.#maxBytes) {
      return {
        kind: 'rejected',
        reason: 'oversized',
        detail: `${value.length} bytes > max_message_bytes ${this.#maxBytes}`,
      };
    }
    if (!this.#parses) return this.#routeTo([this.#output!], record.key, value, record.headers);

    let doc: unknown;
    try {
      doc = JSON.parse(value.toString('utf8'));
    } catch (err) {
      return { kind: 'rejected', reason: 'not-json', detail: (err as Error).message };
    }
    if (this.#filter && !this.#filter(doc)) return { kind: 'filtered' };
    if (this.#transform) doc = this.#transform(doc);

    let key = record.key;
    if (this.#key) {
      const k = getAt(doc, this.#key);
      if (k === undefined || k === null) {
        return {
          kind: 'rejected',
          reason: 'missing-key',
          detail: `no value at key pointer "/${this.#key.join('/')}"`,
        };
      }
      key = Buffer.from(typeof k === 'string' ? k : JSON.stringify(k));
    }
    const topics = this.#routes.filter((r) => r.when(doc)).map((r) => r.output);
    if (topics.length === 0 && this.#output) topics.push(this.#output);
    if (topics.length === 0) return { kind: 'filtered' };
    const out = this.#transform ? Buffer.from(JSON.stringify(doc)) : value;
    return this.#routeTo(topics, key, out, record.headers);
  }

  #routeTo(topics: string[], key: Buffer | null, value: Buffer, headers: Headers): Outcome {
    return { kind: 'mirror', out: topics.map((topic) => ({ topic, key, value, headers })) };
  }
}
