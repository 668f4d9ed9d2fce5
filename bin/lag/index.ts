/** `lagpilot lag`: what the autoscaler sees for a group, whatever its type. */

export { LAG_USAGE } from './args.ts';
export { type LagIo, lagCommand } from './command.ts';
