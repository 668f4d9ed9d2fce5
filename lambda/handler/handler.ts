/**
 * The autoscaler Lambda's entry point: a control step every LAGPILOT_STEP_INTERVAL (one per
 * scheduled invocation by default).
 * The configuration is parsed once, at init: an invalid set fails the init with one
 * ConfigError listing every bad field, before any invocation runs.
 */

import { parseConfig } from '../core/index.ts';
import { createHandler } from './app.ts';

export const handler = await createHandler(parseConfig(process.env));
