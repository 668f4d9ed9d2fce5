import middy from '@middy/core';

/**
 * The autoscaler's entry point: one control step per scheduled invocation.
 * The control step itself (observe → decide → act → report) lands with the autoscaler.
 */
async function controlStep(): Promise<{ action: 'hold'; reasons: string[] }> {
  return { action: 'hold', reasons: ['control step not implemented yet'] };
}

export const handler = middy(controlStep);
