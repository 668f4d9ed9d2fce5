/**
 * Durations as people write them in flags, environment variables and context: `500ms`, `90s`,
 * `5m`, `1.5h`. One parser and one formatter for the whole project.
 */

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;
const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Why a text is not a duration, in words that say how to write one. */
export function durationProblem(text: string): string | undefined {
  const trimmed = text.trim();
  if (trimmed.startsWith('-')) return `"${text}" is negative: a duration must be 0 or more`;
  if (!DURATION.test(trimmed)) {
    return `"${text}" is not a duration with a known unit: write a number followed by ms, s, m or h (e.g. 5m)`;
  }
  return undefined;
}

/** `"90s"` → 90000; `undefined` for anything that is not a duration (see durationProblem). */
export function parseDuration(text: string): number | undefined {
  const m = DURATION.exec(text.trim());
  return m ? Number(m[1]) * UNIT_MS[m[2]!]! : undefined;
}

const DECIMAL = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

/** The unit a duration reads best in: whole hours as h, then min, s, ms. */
export function unitOf(ms: number): { readonly size: number; readonly name: string } {
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) return { size: 3_600_000, name: 'h' };
  if (ms >= 60_000) return { size: 60_000, name: 'min' };
  if (ms >= 1_000) return { size: 1_000, name: 's' };
  return { size: 1, name: 'ms' };
}

/** 300000 → "5 min", 90000 → "1.5 min", 2000 → "2 s". */
export function formatDuration(ms: number): string {
  const { size, name } = unitOf(ms);
  return `${DECIMAL.format(ms / size)} ${name}`;
}

/** 300000 → "5m", 90000 → "90s", 500 → "500ms": the shortest text parseDuration reads back. */
export function durationText(ms: number): string {
  for (const [unit, size] of [
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
