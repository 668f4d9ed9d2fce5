/**
 * `lagpilot tune`: the environment parameters from the service's own history — searched on the
 * older two thirds, checked on the newest third, recommended only when they hold.
 */

export { TUNE_USAGE } from './args.ts';
export { readCloudWatchHistory } from './cloudwatch.ts';
export { loadHistory, type TuneIo, tuneCommand } from './command.ts';
export { splitHistory, TUNE_SHARE } from './history.ts';
export { type TuneResult, tune } from './search.ts';
