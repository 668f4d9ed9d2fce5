/**
 * `--params file`: the Lambda's own environment parameters, one `LAGPILOT_NAME=value` per line
 * (`#` comments, blank lines, an `export ` prefix and surrounding quotes allowed — a .env file
 * works), parsed with the autoscaler's own parseScalingRules, so what was simulated is what
 * deploys. Unknown names are an error that names them.
 */
import { readFileSync } from 'node:fs';
import { LagpilotError } from '../kit/errors.ts';
import { type ConfigIssue, issueText } from '../kit/params/config-error.ts';
import { AUTOSCALER_PARAMETERS } from '../lambda/core/index.ts';

/** A params file that cannot be read or holds a bad line or value: the user must fix it. */
export class ParamsError extends LagpilotError {
  constructor(message: string) {
    super('config', message);
  }
}

const LINE = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/;

/** The line each parameter was read from, so a bad value can be traced to it. */
export type ParamLines = Record<string, number>;

export function parseParamsText(
  text: string,
  source: string,
  lines: ParamLines = {},
): Record<string, string> {
  const env: Record<string, string> = {};
  const unknown: string[] = [];
  const rows = text.split(/\r?\n/);
  for (let i = 0; i < rows.length; i++) {
    const raw = rows[i]!.trim();
    if (raw === '' || raw.startsWith('#')) continue;
    const m = LINE.exec(raw);
    if (!m) {
      throw new ParamsError(
        `${source} line ${i + 1}: expected LAGPILOT_NAME=value, found "${raw}"`,
      );
    }
    const name = m[1]!;
    const value = m[2]!.trim().replace(/^(["'])(.*)\1$/, '$2');
    if (!AUTOSCALER_PARAMETERS.has(name)) unknown.push(`${name} (line ${i + 1})`);
    env[name] = value;
    lines[name] = i + 1;
  }
  if (unknown.length > 0) {
    throw new ParamsError(
      `${source}: unknown parameter${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; known: ${AUTOSCALER_PARAMETERS.names.join(', ')}`,
    );
  }
  return env;
}

export function readParamsFile(path: string, lines: ParamLines = {}): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ParamsError(`cannot read --params file ${path}: ${(error as Error).message}`);
  }
  return parseParamsText(text, path, lines);
}

/**
 * The autoscaler's configuration problems, each traced to where its value came from: the
 * params file and line, or the command-line flag that set it.
 */
export function locateProblems(
  issues: readonly ConfigIssue[],
  path: string | undefined,
  lines: ParamLines,
  flags: Record<string, string>,
): string {
  return issues
    .map((issue) => {
      const problem = issueText(issue);
      // A problem may involve two parameters (one bound below another): the one that was set.
      for (const name of [issue.field, ...(issue.related ?? [])]) {
        if (flags[name]) return `${flags[name]}: ${problem}`;
        if (path && lines[name]) return `${path} line ${lines[name]}: ${problem}`;
      }
      return problem;
    })
    .join('\n');
}
