import { App } from 'aws-cdk-lib';
import { LagpilotStack } from '../lib/lagpilot-stack.ts';

const app = new App();
new LagpilotStack(app, 'Lagpilot');
app.synth();
