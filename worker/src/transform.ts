import { compilePointer, deleteAt, getAt, setAt } from './json-pointer.ts';

/**
 * The transform step, applied in this order: `pick` (keep only these pointers), `drop` (remove
 * these), `rename` (move a value from one pointer to another), `set` (write constants).
 * All paths are JSON pointers.
 */
export interface TransformSpec {
  pick?: string[] | undefined;
  drop?: string[] | undefined;
  rename?: Record<string, string> | undefined;
  set?: Record<string, unknown> | undefined;
}

export type Transform = (doc: unknown) => unknown;

export function compileTransform(spec: TransformSpec): Transform {
  const pick = spec.pick?.map(compilePointer);
  const drop = (spec.drop ?? []).map(compilePointer);
  const rename = Object.entries(spec.rename ?? {}).map(
    ([from, to]) => [compilePointer(from), compilePointer(to)] as const,
  );
  const set = Object.entries(spec.set ?? {}).map(
    ([to, value]) => [compilePointer(to), value] as const,
  );
  return (input) => {
    let doc = input;
    if (pick) {
      let picked: unknown = {};
      for (const p of pick) {
        const v = getAt(doc, p);
        if (v !== undefined) picked = setAt(picked, p, v);
      }
      doc = picked;
    }
    for (const p of drop) deleteAt(doc, p);
    for (const [from, to] of rename) {
      const v = getAt(doc, from);
      if (v === undefined) continue;
      deleteAt(doc, from);
      doc = setAt(doc, to, v);
    }
    for (const [to, value] of set) doc = setAt(doc, to, structuredClone(value));
    return doc;
  };
}
