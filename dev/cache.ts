import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project's git-ignored cache of downloaded tools (Kafka jars, Maven, the moto venv). */
export const CACHE_DIR = resolve(
  process.env.LAGPILOT_CACHE_DIR ?? join(dirname(fileURLToPath(import.meta.url)), '..', '.cache'),
);

/** Thrown when a local tool the project needs is missing; the message says what to install. */
export class MissingToolError extends Error {
  override name = 'MissingToolError';
}

/** A free TCP port on 127.0.0.1 (the OS picks it). */
export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => ok(port));
    });
  });
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion, streaming each stdout line to `onLine` when given. */
export function run(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; onLine?: (line: string) => void } = {},
): Promise<RunResult> {
  return new Promise((ok, fail) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env });
    let stdout = '';
    let stderr = '';
    let pending = '';
    child.stdout.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      stdout += text;
      if (!opts.onLine) return;
      pending += text;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) opts.onLine(line);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once('error', fail);
    child.once('close', (code) => ok({ code: code ?? 1, stdout, stderr }));
  });
}

/** True when `cmd` can be executed (it is on PATH or a path to an executable). */
export async function hasCommand(cmd: string, versionArgs = ['--version']): Promise<boolean> {
  try {
    const r = await run(cmd, versionArgs);
    return r.code === 0;
  } catch {
    return false;
  }
}

/**
 * Builds a cache entry once: `build(tmpDir)` fills a temporary folder that is renamed into
 * place only when it succeeded, so an interrupted download never looks complete.
 */
export async function cached(dir: string, build: (tmp: string) => Promise<void>): Promise<string> {
  const marker = join(dir, '.complete');
  if (existsSync(marker)) return dir;
  const tmp = `${dir}.partial-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  try {
    await build(tmp);
    await writeFile(join(tmp, '.complete'), new Date().toISOString());
    await rm(dir, { recursive: true, force: true });
    await mkdir(dirname(dir), { recursive: true });
    await rename(tmp, dir);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
  return dir;
}

/** Progress on stderr, so that it never mixes with a command's own output. */
export function progress(message: string): void {
  process.stderr.write(`[lagpilot] ${message}\n`);
}
