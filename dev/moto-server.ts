import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { pollUntil, stopChild } from '../kit/process.ts';
import { freePort } from './cache.ts';
import { ensureVenv } from './python-venv.ts';

const MOTO_VERSION = '5.2.5';

export interface Moto {
  /** The endpoint to give the AWS SDK (`AWS_ENDPOINT_URL`). */
  readonly endpoint: string;
  /** Wipes every emulated resource (moto's reset API), for test isolation. */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

/** A virtualenv in the project cache with `moto[server]` pinned, built once. */
export function ensureMoto(): Promise<string> {
  return ensureVenv(
    `moto[server]==${MOTO_VERSION}`,
    'the AWS emulator (moto) of the integration tests',
  );
}

function waitForHttp(url: string, child: ChildProcess, timeoutMs: number): Promise<true> {
  return pollUntil(
    async () => {
      if (child.exitCode !== null)
        throw new Error(`moto_server exited with code ${child.exitCode}`);
      const res = await fetch(`${url}/moto-api/`).catch(() => undefined); // not up yet
      return res && res.status < 500 ? true : undefined;
    },
    { timeoutMs, what: `moto_server on ${url}` },
  );
}

/** Starts moto's server mode on 127.0.0.1 on a free port. */
export async function startMoto(): Promise<Moto> {
  const venv = await ensureMoto();
  // `python -m` rather than the venv's scripts: those hard-code the folder they were built in.
  const port = await freePort();
  const child = spawn(
    join(venv, 'bin', 'python'),
    ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)],
    {
      stdio: 'ignore',
    },
  );
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const endpoint = `http://127.0.0.1:${port}`;
  const stop = async () => {
    process.removeListener('exit', killOnExit);
    await stopChild(child, 15_000);
  };
  try {
    await waitForHttp(endpoint, child, 30_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    endpoint,
    reset: async () => {
      await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
    },
    stop,
  };
}
