/**
 * `lagpilot lag`: reads the group twice through the lag source the Lambda connects
 * (connectLagSource: same client, auth and requests) and prints what the autoscaler sees.
 * A wrong broker, group, topic or credentials is the lag source's own error, with the fix
 * named as this command's option.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { UsageError } from '../../kit/cli.ts';
import { LagpilotError, messageOf } from '../../kit/errors.ts';
import { sleep } from '../../kit/process.ts';
import { connectLagSource } from '../../lambda/adapters/index.ts';
import { asOptions, LAG_USAGE, parseLagArgs } from './args.ts';
import { formatView } from './format.ts';
import { viewOf } from './view.ts';

export interface LagIo {
  out: (text: string) => void;
  env: Readonly<Record<string, string | undefined>>;
  now: () => number;
}

const PROCESS_IO: LagIo = {
  out: (text) => process.stdout.write(text),
  env: process.env,
  now: Date.now,
};

export async function lagCommand(argv: readonly string[], io: LagIo = PROCESS_IO): Promise<number> {
  if (argv.includes('--help')) {
    io.out(LAG_USAGE);
    return 0;
  }
  let options: ReturnType<typeof parseLagArgs>;
  try {
    options = parseLagArgs(argv, io.env);
  } catch (error) {
    if (error instanceof UsageError) throw new UsageError(`${error.message}\n\n${LAG_USAGE}`);
    throw error;
  }
  const region = io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION;
  const source = await connectLagSource(options.kafka, {
    secrets: () => new SecretsManagerClient(region ? { region } : {}),
    region,
    clientId: 'lagpilot-lag',
  }).catch(rethrowAsOptions);
  try {
    const read = async () => ({ at: io.now(), snapshot: await source.observe() });
    const first = await read();
    await sleep(options.sampleMs);
    const last = await read();
    const view = viewOf(options.kafka.groupId, options.rules, first, last);
    io.out(options.json ? `${JSON.stringify(view, null, 2)}\n` : formatView(view));
    return 0;
  } catch (error) {
    return rethrowAsOptions(error);
  } finally {
    await source.close().catch(() => {});
  }
}

/** The lag source's errors name LAGPILOT_* variables: here each is named as its option too. */
function rethrowAsOptions(error: unknown): never {
  if (error instanceof LagpilotError) {
    throw new LagpilotError(error.kind, asOptions(error.message), { cause: error });
  }
  throw new Error(asOptions(messageOf(error)), { cause: error });
}
