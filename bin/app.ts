import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { LagpilotStack } from '../lib/lagpilot-stack.ts';
import { readParameters } from './params.ts';

const app = new App();
let parameters: ReturnType<typeof readParameters>;
try {
  parameters = readParameters(app.node.getAllContext(), process.env);
} catch (error) {
  // A parameter typo is an operator's mistake, not a crash: print the fields, no stack trace.
  console.error((error as Error).message);
  process.exit(1);
}
new LagpilotStack(app, 'Lagpilot', { parameters });
// Every synth runs the AWS Solutions checks; an unacknowledged finding fails it.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
app.synth();
