/**
 * The change to make: the recommended set as `LAGPILOT_*=value` lines (what `simulate --params`
 * and the Lambda's environment read) and as a diff of the `cdk.json` context keys (the camelCase
 * names the CDK app reads, `lagHigh` for LAGPILOT_LAG_HIGH).
 */
import { existsSync, readFileSync } from 'node:fs';
import { contextKeyOf } from '../kit/params/names.ts';
import { AUTOSCALER_PARAMETERS, type EnvName, RULE_PARAMETERS } from '../lambda/core/index.ts';

type Env = Readonly<Record<string, string>>;

/** The value parses to the parameter's default. */
function isDefault(name: string, value: string): boolean {
  const parse = (input: Record<string, string>) =>
    JSON.stringify(AUTOSCALER_PARAMETERS.parse([name as EnvName], input));
  try {
    return parse({ [name]: value }) === parse({});
  } catch {
    return false;
  }
}

/** The set's values, in the registry's order, as a params file. */
export function paramsFile(env: Env, header: readonly string[]): string {
  const names = AUTOSCALER_PARAMETERS.names.filter((n) => env[n] !== undefined);
  return [...header.map((h) => `# ${h}`), ...names.map((n) => `${n}=${env[n]}`), ''].join('\n');
}

/** The cdk.json context, or none when the file is absent or unreadable as JSON. */
export function readContext(path: string): Readonly<Record<string, unknown>> | undefined {
  if (!existsSync(path)) return undefined;
  try {
    const json = JSON.parse(readFileSync(path, 'utf8')) as { context?: Record<string, unknown> };
    return json.context ?? {};
  } catch {
    return undefined;
  }
}

/**
 * The scaling-rule context lines to change, as a unified-diff body: a key set to another value
 * is removed and added; a rule the set leaves at its default is removed where the context sets
 * it. Other keys (the Kafka connection, the CDK's own flags) are left alone.
 */
export function contextDiff(
  path: string,
  context: Readonly<Record<string, unknown>>,
  env: Env,
): string {
  const lines: string[] = [];
  for (const name of RULE_PARAMETERS) {
    const key = contextKeyOf(name);
    const now = context[key];
    // A value that is the default changes nothing where the context does not set the key.
    const next = env[name] !== undefined && !isDefault(name, env[name]) ? env[name] : undefined;
    if (next === undefined && now !== undefined && isDefault(name, String(now))) continue;
    if (next === undefined) {
      if (now !== undefined) lines.push(`-    "${key}": ${JSON.stringify(now)},`);
      continue;
    }
    if (now !== undefined && String(now) === next) continue;
    if (now !== undefined) lines.push(`-    "${key}": ${JSON.stringify(now)},`);
    lines.push(`+    "${key}": ${JSON.stringify(next)},`);
  }
  if (lines.length === 0) return `${path}: no change`;
  return [`--- ${path}`, `+++ ${path} (tuned)`, '@@ "context" @@', ...lines].join('\n');
}
