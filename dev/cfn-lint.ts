import { join } from 'node:path';
import { run } from './cache.ts';
import { ensureVenv } from './python-venv.ts';

const CFN_LINT_VERSION = '1.58.0';

/** cfn-lint, pinned, in a cached virtualenv; the path of its Python. */
export async function ensureCfnLint(): Promise<string> {
  const venv = await ensureVenv(
    `cfn-lint==${CFN_LINT_VERSION}`,
    'the CloudFormation linter of the CDK tests (cfn-lint)',
  );
  return join(venv, 'bin', 'python');
}

/** One cfn-lint finding (its JSON output, trimmed to what a test reports). */
export interface CfnLintFinding {
  readonly level: 'Error' | 'Warning' | 'Informational';
  readonly rule: string;
  readonly message: string;
  readonly file: string;
  readonly path: readonly (string | number)[];
}

/** Lints every template in one cfn-lint run (its start-up dominates); every finding. */
export async function cfnLint(templates: readonly string[]): Promise<CfnLintFinding[]> {
  const python = await ensureCfnLint();
  // Its console script's entry point: the package has no `__main__`.
  const result = await run(python, [
    '-c',
    'import sys; from cfnlint.runner import main; sys.exit(main())',
    '--format',
    'json',
    '--',
    ...templates,
  ]);
  // Exit codes are a bit mask of the levels found; anything else (e.g. 1) is a crash.
  if (result.code === 1 || (result.code !== 0 && !result.stdout.trim().startsWith('['))) {
    throw new Error(`cfn-lint failed (exit ${result.code}): ${result.stderr || result.stdout}`);
  }
  const raw = JSON.parse(result.stdout || '[]') as Array<{
    Level: CfnLintFinding['level'];
    Rule: { Id: string };
    Message: string;
    Filename: string;
    Location: { Path?: (string | number)[] };
  }>;
  return raw.map((f) => ({
    level: f.Level,
    rule: f.Rule.Id,
    message: f.Message,
    file: f.Filename,
    path: f.Location.Path ?? [],
  }));
}
