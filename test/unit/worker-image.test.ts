import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { RUNTIME_NODE_OPTIONS } from '../../worker/build.ts';

// The image's build stage installs worker/package.json + its lock, not the repository's: these
// keep the two from drifting, so the image bundles the versions the tests ran.
const json = (path: string) => JSON.parse(readFileSync(path, 'utf8'));
const root = json('package.json');
const worker = json('worker/package.json');
type Lock = { packages: Record<string, { version?: string }> };
const versions = (lock: Lock) =>
  new Set(
    Object.entries(lock.packages)
      .filter(([path]) => path !== '')
      .map(([path, { version }]) => `${path.replace(/^.*node_modules\//, '')}@${version}`),
  );

/** The packages worker/src imports itself (not through another package). */
async function importedPackages(): Promise<string[]> {
  const { metafile } = await build({
    entryPoints: ['worker/src/main.ts'],
    bundle: true,
    platform: 'node',
    format: 'esm',
    write: false,
    metafile: true,
    outfile: 'main.js',
    logLevel: 'silent',
  });
  const names = new Set<string>();
  for (const [file, input] of Object.entries(metafile.inputs)) {
    if (file.includes('node_modules/')) continue;
    for (const { path } of input.imports) {
      const name = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1];
      if (name) names.add(name);
    }
  }
  return [...names].sort();
}

describe('worker image', () => {
  it("pins each package worker/src imports at the repository's version", async () => {
    const imported = await importedPackages();
    expect(imported).toContain('kafkajs');
    for (const name of imported) {
      expect(worker.dependencies[name], `worker/package.json: ${name}`).toBe(
        root.dependencies[name] ?? 'a direct dependency in package.json',
      );
    }
    expect(worker.devDependencies.esbuild).toBe(root.devDependencies.esbuild);
  });

  it("locks every package at a version the repository's lock file holds", () => {
    const repository = versions(json('package-lock.json'));
    const missing = [...versions(json('worker/package-lock.json'))].filter(
      (v) => !repository.has(v),
    );
    // Fix: `npm install --prefix worker --package-lock-only` after changing worker/package.json.
    expect(missing).toEqual([]);
  });

  it('runs on the Node version the tests run on', () => {
    const bases = [...readFileSync('worker/Dockerfile', 'utf8').matchAll(/^FROM (\S+)/gm)].map(
      (m) => m[1],
    );
    expect(bases).toEqual([
      `node:${root.devDependencies.node}-slim`,
      `node:${root.devDependencies.node}-slim`,
    ]);
  });

  it('caps the whole heap, young generation included, where the worker stays under 256 MB RSS', () => {
    expect(readFileSync('worker/Dockerfile', 'utf8')).toContain(
      `ENV NODE_OPTIONS="${RUNTIME_NODE_OPTIONS}"`,
    );
    // Node 24 sizes the young generation four times as large as Node 20 did: with the old
    // generation capped alone the heap may grow to 384 MB.
    const limit = execFileSync(process.execPath, [
      ...RUNTIME_NODE_OPTIONS.split(' '),
      '-p',
      "require('node:v8').getHeapStatistics().heap_size_limit",
    ]);
    expect(Number(limit.toString()) / 2 ** 20).toBeLessThanOrEqual(144);
  });
});
