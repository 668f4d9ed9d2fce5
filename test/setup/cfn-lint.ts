import { ensureCfnLint } from '../../dev/cfn-lint.ts';

/** The cdk tier lints every synthesized template: install cfn-lint (once, cached) before it. */
export default async function setup() {
  await ensureCfnLint();
}
