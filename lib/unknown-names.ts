import type { ConfigIssue } from '../kit/params/config-error.ts';
import { contextKeyOf, ENV_PREFIX, envNameOf } from '../kit/params/names.ts';

/** A context key that names a parameter (CDK's own keys have `:` or `@`, or are kebab-case). */
const PARAMETER_LIKE_KEY = /^[a-z][a-zA-Z0-9]*$/;

/** Misspelt names would be silently ignored: report each, with the closest known name. */
export function unknownNames(
  context: Readonly<Record<string, unknown>>,
  env: Readonly<Record<string, string | undefined>>,
  known: readonly string[],
): ConfigIssue[] {
  const unknownKeys = Object.keys(context).filter(
    (key) => PARAMETER_LIKE_KEY.test(key) && !known.includes(key),
  );
  const unknownVars = Object.keys(env).filter(
    (name) => name.startsWith(ENV_PREFIX) && !known.includes(contextKeyOf(name)),
  );
  return [
    ...unknownKeys.map((key) => ({
      field: key,
      label: `${key} (context)`,
      message: `unknown parameter${suggest(key, known)}`,
    })),
    ...unknownVars.map((name) => ({
      field: name,
      label: `${name} (environment)`,
      message: `unknown parameter${suggest(contextKeyOf(name), known, envNameOf)}`,
    })),
  ];
}

function suggest(name: string, known: readonly string[], show = (k: string) => k): string {
  const closest = known
    .map((k) => ({ k, d: distance(name.toLowerCase(), k.toLowerCase()) }))
    .sort((a, b) => a.d - b.d)[0];
  return closest && closest.d <= 3 ? `; did you mean ${show(closest.k)}?` : '';
}

/** Levenshtein distance. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length]!;
}
