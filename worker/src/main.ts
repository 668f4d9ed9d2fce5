/**
 * The mirroring worker's entry point: `npx tsx worker/src/main.ts` locally, `node dist/main.js`
 * in the container. Exit codes (by the error's kind, kit/errors.ts): 0 clean stop, 1 runtime
 * failure, 2 bad configuration — the settings file, MIRROR_* or KAFKA_* variables.
 */
import { exitCodeOf, messageOf } from '../../kit/errors.ts';
import { ConfigError } from '../../kit/params/config-error.ts';
import { loadConfig } from './config.ts';
import { log } from './log.ts';
import { MirrorWorker } from './worker.ts';

/** Logs why the worker could not run: every bad setting when it was the configuration. */
function report(err: unknown, event: string): void {
  if (err instanceof ConfigError) {
    log('ERROR', 'invalid configuration', { event: 'config_error', problems: err.problems });
    process.stderr.write(`${err.message}\n`);
  } else {
    log('ERROR', `worker failed to start: ${messageOf(err)}`, { event });
  }
}

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (err) {
  report(err, 'config_error');
  process.exit(exitCodeOf(err));
}

const worker = new MirrorWorker(config);
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    void worker.stop(`received ${signal}`).then((clean) => process.exit(clean ? 0 : 1));
  });
}
try {
  await worker.start();
} catch (err) {
  report(err, 'start_failed');
  await worker.stop('start failed');
  process.exit(exitCodeOf(err));
}
