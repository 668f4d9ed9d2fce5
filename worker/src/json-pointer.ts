import { LosslessNumber } from './json-text.ts';

/** A compiled RFC 6901 JSON pointer: `/user/id` → ['user', 'id']. Compiled once, read per message. */
export type JsonPointer = readonly string[];

export class JsonPointerError extends Error {
  override name = 'JsonPointerError';
}

export function compilePointer(text: string): JsonPointer {
  if (text === '') return [];
  if (!text.startsWith('/')) {
    throw new JsonPointerError(`JSON pointer "${text}" must start with "/" (e.g. "/userId")`);
  }
  return text
    .slice(1)
    .split('/')
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function child(node: unknown, segment: string): unknown {
  if (Array.isArray(node))
    return /^(0|[1-9]\d*)$/.test(segment) ? node[Number(segment)] : undefined;
  if (node !== null && typeof node === 'object' && Object.hasOwn(node, segment)) {
    return (node as Record<string, unknown>)[segment];
  }
  return undefined;
}

/** The value at the pointer, or undefined when any step is missing. */
export function getAt(doc: unknown, pointer: JsonPointer): unknown {
  let node = doc;
  for (const segment of pointer) {
    node = child(node, segment);
    if (node === undefined) return undefined;
  }
  return node;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof LosslessNumber);
}

/** Sets the value at the pointer, creating intermediate objects; returns the (possibly new) root. */
export function setAt(doc: unknown, pointer: JsonPointer, value: unknown): unknown {
  if (pointer.length === 0) return value;
  const root = isObject(doc) ? doc : {};
  let node: Record<string, unknown> = root;
  for (const segment of pointer.slice(0, -1)) {
    const next = node[segment];
    if (!isObject(next)) node[segment] = {};
    node = node[segment] as Record<string, unknown>;
  }
  node[pointer[pointer.length - 1]!] = value;
  return root;
}

/** Removes the value at the pointer (object members only); a missing path is a no-op. */
export function deleteAt(doc: unknown, pointer: JsonPointer): void {
  if (pointer.length === 0) return;
  const parent = getAt(doc, pointer.slice(0, -1));
  if (isObject(parent)) delete parent[pointer[pointer.length - 1]!];
}
