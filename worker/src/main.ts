/**
 * The mirroring worker's entry point: `npx tsx worker/src/main.ts` locally, `node dist/main.js`
 * in the container. Exit codes: 0 clean stop, 1 runtime failure, 2 bad configuration.
 */
import { ConfigError, loadConfig } from './config.ts';
import { log } from './log.ts';
import { MirrorWorker } from './worker.ts';

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  log('ERROR', 'invalid configuration', { event: 'config_error', problems: err.problems });
  process.stderr.write(`${err.message}\n`);
  process.exit(2);
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
  log('ERROR', `worker failed to start: ${(err as Error).message}`, { event: 'start_failed' });
  await worker.stop('start failed');
  process.exit(1);
}
