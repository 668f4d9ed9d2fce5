import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import cdkJson from '../../cdk.json' with { type: 'json' };
import { readParameters } from '../../lib/deploy-params.ts';

/**
 * An app with the project's `cdk.json` context (feature flags and example deployment values),
 * as `cdk synth` sees it, minus asset bundling (which these tests do not exercise).
 */
export function testApp(context: Record<string, unknown> = {}): App {
  return new App({
    context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [], ...context },
  });
}

/** The app's parameters from `cdk.json` plus `context`, with no environment variables. */
export function testParameters(app: App, env: Record<string, string> = {}) {
  return readParameters(app.node.getAllContext(), env);
}

export interface NagFinding {
  readonly rule: string;
  readonly path: string;
  readonly severity: string;
}

/** AWS Solutions findings in `scope` that no acknowledgement covers. */
export function nagFindings(scope: IConstruct): NagFinding[] {
  return flatten(new AwsSolutionsChecks().validateScope(scope).violations);
}

/** Every AWS Solutions finding in `scope`, acknowledged or not. */
export function rawNagFindings(scope: IConstruct): NagFinding[] {
  const pack = new AwsSolutionsChecks();
  // The pack consults acknowledgements through this (private) hook; bypass it.
  Object.assign(pack, { isAcknowledged: () => false });
  return flatten(pack.validateScope(scope).violations);
}

export interface Acknowledgement {
  readonly rule: string;
  readonly reason: string;
  readonly path: string;
}

/** Every acknowledgement recorded with `Validations.of(x).acknowledge` under `scope`. */
export function acknowledgements(scope: IConstruct): Acknowledgement[] {
  return scope.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) =>
        Object.entries(m.data as Record<string, string>).map(([rule, reason]) => ({
          rule: rule.replace(/^annotation::/i, ''),
          reason,
          path: c.node.path,
        })),
      ),
  );
}

function flatten(
  violations: ReadonlyArray<{
    ruleName: string;
    severity?: string;
    violatingResources: ReadonlyArray<{ constructPath?: string }>;
  }>,
): NagFinding[] {
  return violations.flatMap((v) =>
    v.violatingResources.map((r) => ({
      rule: v.ruleName,
      path: r.constructPath ?? '',
      severity: v.severity ?? 'error',
    })),
  );
}
