import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readParameters } from '../lib/deploy-params.ts';
import { LagpilotStack } from '../lib/lagpilot-stack.ts';

const app = new App();
try {
  const parameters = readParameters(app.node.getAllContext(), process.env);
  new LagpilotStack(app, 'Lagpilot', { parameters });
} catch (error) {
  // A parameter mistake is an operator's, not a crash: print what to fix, no stack trace.
  console.error((error as Error).message);
  process.exit(1);
}
// Every synth runs the AWS Solutions checks; an unacknowledged finding fails it.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
app.synth();
