import { Duration } from 'aws-cdk-lib';
import type { z } from 'zod';
import { DEPLOY_PARAMETERS, STACK_WIRED } from '../bin/params.ts';
import { PARAMETERS } from '../lambda/config.ts';
import {
  contextKeyOf,
  type EnvName,
  envNameOf,
  isDurationParameter,
  toEnvValue,
} from '../lib/parameters.ts';

/**
 * The README's parameter table, generated from the two schemas (the autoscaler's and the
 * deployment's), so it cannot drift from what the code accepts.
 */

export const START_MARKER = '<!-- params:start -->';
export const END_MARKER = '<!-- params:end -->';

interface Row {
  readonly key: string;
  readonly env: string;
  readonly fallback: string;
  readonly doc: string;
}

/** The default as an operator writes it (`5m`, not 300000), or what happens without one. */
function describeDefault(schema: z.ZodType, duration: boolean): string {
  const parsed = schema.safeParse(undefined);
  if (!parsed.success) return 'required';
  const value = parsed.data;
  if (value === undefined) return '—';
  return `\`${duration ? toEnvValue(Duration.millis(value as number)) : toEnvValue(value)}\``;
}

function rows(): Row[] {
  const autoscaler = (Object.keys(PARAMETERS) as EnvName[]).map((name) =>
    STACK_WIRED.includes(name)
      ? { key: '', env: name, fallback: 'set by the stack', doc: PARAMETERS[name].doc }
      : {
          key: contextKeyOf(name),
          env: name,
          fallback: describeDefault(PARAMETERS[name].schema, isDurationParameter(name)),
          doc: PARAMETERS[name].doc,
        },
  );
  const deploy = Object.entries(DEPLOY_PARAMETERS).map(([key, p]) => ({
    key,
    env: envNameOf(key),
    fallback: describeDefault(p.schema, false),
    doc: `${p.doc} *(deployment)*`,
  }));
  return [...autoscaler, ...deploy];
}

const cell = (text: string) => text.replaceAll('|', '\\|');

/** The Markdown table, one row per parameter. */
export function renderParameterTable(): string {
  const lines = [
    '| Name (context key) | Environment variable | Default | Meaning |',
    '| --- | --- | --- | --- |',
    ...rows().map(
      (r) => `| ${r.key ? `\`${r.key}\`` : '—'} | \`${r.env}\` | ${r.fallback} | ${cell(r.doc)} |`,
    ),
  ];
  return lines.join('\n');
}

/** `readme` with the text between the markers replaced by the current table. */
export function withParameterTable(readme: string): string {
  const start = readme.indexOf(START_MARKER);
  const end = readme.indexOf(END_MARKER);
  if (start < 0 || end < start) {
    throw new Error(`README.md lacks the ${START_MARKER} … ${END_MARKER} markers`);
  }
  return `${readme.slice(0, start + START_MARKER.length)}\n${renderParameterTable()}\n${readme.slice(end)}`;
}
