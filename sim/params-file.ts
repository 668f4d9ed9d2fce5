/**
 * `--params file`: the Lambda's own environment parameters, one `LAGPILOT_NAME=value` per line
 * (`#` comments, blank lines, an `export ` prefix and surrounding quotes allowed — a .env file
 * works), parsed with the autoscaler's own parseScalingRules, so what was simulated is what
 * deploys. Unknown names are an error that names them.
 */
import { readFileSync } from 'node:fs';
import { PARAMETERS } from '../lambda/config.ts';

export class ParamsError extends Error {
  override name = 'ParamsError';
}

const LINE = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/;

export function parseParamsText(text: string, source: string): Record<string, string> {
  const env: Record<string, string> = {};
  const unknown: string[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    if (raw === '' || raw.startsWith('#')) continue;
    const m = LINE.exec(raw);
    if (!m) {
      throw new ParamsError(
        `${source} line ${i + 1}: expected LAGPILOT_NAME=value, found "${raw}"`,
      );
    }
    const name = m[1]!;
    const value = m[2]!.trim().replace(/^(["'])(.*)\1$/, '$2');
    if (!(name in PARAMETERS)) unknown.push(`${name} (line ${i + 1})`);
    env[name] = value;
  }
  if (unknown.length > 0) {
    throw new ParamsError(
      `${source}: unknown parameter${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; known: ${Object.keys(PARAMETERS).join(', ')}`,
    );
  }
  return env;
}

export function readParamsFile(path: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ParamsError(`cannot read --params file ${path}: ${(error as Error).message}`);
  }
  return parseParamsText(text, path);
}
