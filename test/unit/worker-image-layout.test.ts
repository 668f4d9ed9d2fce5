import { cp, mkdir, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// The image's build stage lays the sources out as worker/Dockerfile does: /app/worker (its own
// node_modules) and /app/kit beside it, with no node_modules above them. kit/kafkajs.ts must
// resolve kafkajs from there, and the bundle must patch the same request queue kafkajs uses.
describe('worker bundle in the image layout', () => {
  let app: string | undefined;
  afterAll(() => (app ? rm(app, { recursive: true, force: true }) : undefined));

  it('bundles kit/ imports from worker/node_modules, with one kafkajs request queue, patched', async () => {
    app = await mkdtemp(join(tmpdir(), 'lagpilot-image-'));
    const worker = join(app, 'worker');
    await mkdir(worker);
    await cp('kit', join(app, 'kit'), { recursive: true });
    await cp('worker/src', join(worker, 'src'), { recursive: true });
    for (const file of ['build.ts', 'package.json', 'package-lock.json']) {
      await cp(join('worker', file), join(worker, file));
    }
    await symlink(join(process.cwd(), 'node_modules'), join(worker, 'node_modules'));
    const { bundleWorker } = (await import(pathToFileURL(join(worker, 'build.ts')).href)) as {
      bundleWorker(outDir: string): Promise<string>;
    };
    const bundle = await readFile(await bundleWorker(join(worker, 'dist')), 'utf8');
    expect(bundle.match(/CHECK_PENDING_REQUESTS_INTERVAL = 10/g)).toHaveLength(1);
    expect(bundle).toContain('prototype.scheduleCheckPendingRequests = function');
  }, 60_000);
});
