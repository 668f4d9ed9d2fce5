import { join } from 'node:path';
import { CACHE_DIR, cached, hasCommand, MissingToolError, progress, run } from './cache.ts';

/**
 * A virtualenv in the project cache with one pinned PyPI requirement, built once. Run its
 * tools as `<venv>/bin/python -m <module>`: the venv's scripts hard-code the folder they were
 * built in, which the cache renames.
 */
export async function ensureVenv(requirement: string, neededFor: string): Promise<string> {
  const python = process.env.PYTHON ?? 'python3';
  if (!(await hasCommand(python))) {
    throw new MissingToolError(
      `Python 3 is needed for ${neededFor}: install python3 with venv (e.g. \`apt-get install python3-venv\`).`,
    );
  }
  const dir = join(CACHE_DIR, requirement.replace(/\[[^\]]*\]/, '').replace('==', '-'));
  return cached(dir, async (tmp) => {
    progress(`installing ${requirement} into ${dir} (first run only)`);
    const venv = await run(python, ['-m', 'venv', tmp]);
    if (venv.code !== 0) throw new Error(`${python} -m venv failed: ${venv.stderr}`);
    const pip = await run(join(tmp, 'bin', 'pip'), ['install', '--quiet', requirement]);
    if (pip.code !== 0) throw new Error(`pip install ${requirement} failed: ${pip.stderr}`);
  });
}
