import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { LagpilotStack } from '../../lib/lagpilot-stack.ts';

describe('LagpilotStack (offline synth, defaults)', () => {
  const app = new App();
  const template = Template.fromStack(new LagpilotStack(app, 'Test'));

  it('runs the worker image on Fargate', () => {
    template.resourceCountIs('AWS::ECS::Service', 1);
    template.hasResourceProperties('AWS::ECS::Service', { LaunchType: 'FARGATE' });
  });

  it('bundles the autoscaler as an ARM64 Node.js function', () => {
    const fns = template.findResources('AWS::Lambda::Function', {
      Properties: { Architectures: ['arm64'] },
    });
    const runtimes = Object.values(fns).map(
      (f) => (f as { Properties: { Runtime: string } }).Properties.Runtime,
    );
    expect(runtimes.some((r) => /^nodejs\d+\.x$/.test(r))).toBe(true);
  });
});
