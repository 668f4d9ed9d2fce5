import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { LagAutoscaler } from '../../lib/lag-autoscaler.ts';

/** The one test that bundles for real: the function's code is what Lambda will load. */
describe('LagAutoscaler bundle', () => {
  it('is an ES module exporting `handler` that loads on Node without the repository', async () => {
    const outdir = mkdtempSync(join(tmpdir(), 'lagpilot-bundle-'));
    const app = new App({ outdir });
    const stack = new Stack(app, 'Bundle');
    new LagAutoscaler(stack, 'Autoscaler', {
      clusterName: 'prod',
      serviceName: 'orders-mirror',
      kafka: { brokers: ['b:9092'] },
      groupId: 'g',
      topics: ['orders'],
    });
    app.synth();

    const [fn] = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function'));
    const hash = String(fn?.Properties.Code.S3Key).replace(/\.zip$/, '');
    const bundle = join(outdir, `asset.${hash}`, 'index.mjs');
    expect(existsSync(bundle)).toBe(true);
    expect(existsSync(`${bundle}.map`)).toBe(true);

    // Loading runs the module's cold-start code; give it the environment Lambda would.
    const variables = fn?.Properties.Environment.Variables as Record<string, unknown>;
    const saved = { ...process.env };
    for (const [name, value] of Object.entries(variables)) {
      process.env[name] = typeof value === 'string' ? value : 'resolved-at-deploy';
    }
    try {
      const loaded = (await import(pathToFileURL(bundle).href)) as { handler?: unknown };
      expect(typeof loaded.handler).toBe('function');
    } finally {
      process.env = saved;
    }
  });
});
