/**
 * Bundles the worker into `<outDir>/main.js` (one ES module, no node_modules needed at run
 * time): `npx tsx worker/build.ts [outDir]` (default worker/dist). Used by the Dockerfile's build
 * stage and by the benchmark, so both run the same artifact.
 */
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

const HERE = dirname(fileURLToPath(import.meta.url));

/**
 * The node flags the container runs with (worker/Dockerfile sets the same NODE_OPTIONS): a
 * capped heap makes V8 collect sooner, holding the worker's RSS under 256 MB. The young
 * generation is capped too: Node 24 sizes it at up to 3 × 64 MB (Node 20: 3 × 16 MB), which let
 * the heap reach 384 MB and the worker's RSS 314–324 MB in pure mirroring. With an old space of
 * 192 MB the worker peaked at 259–273 MB, with 128 MB at up to 253 MB; 96 MB holds it at
 * 209–218 MB, no slower (docs/benchmarks.md). What a batch holds is bounded by the fetch size (fetch.max.bytes), not
 * by the record count, so records up to max_message_bytes fit the same heap
 * (test/integration/worker-large-records.test.ts).
 */
export const RUNTIME_NODE_OPTIONS = '--max-old-space-size=96 --max-semi-space-size=16';

/** @platformatic/kafka's compression helpers read `../dist/native.wasm` beside their module: point them beside the bundle. */
const wasmBesideBundle: Plugin = {
  name: 'wasm-beside-bundle',
  setup(b) {
    b.onLoad({ filter: /wasm-utils[\\/]dist[\\/]index\.js$/ }, async (args) => ({
      contents: (await readFile(args.path, 'utf8')).replace(
        "'../dist/native.wasm'",
        "'./native.wasm'",
      ),
      loader: 'js',
    }));
  },
};

export async function bundleWorker(outDir = join(HERE, 'dist')): Promise<string> {
  await mkdir(outDir, { recursive: true });
  const outfile = join(outDir, 'main.js');
  await build({
    entryPoints: [join(HERE, 'src', 'main.ts')],
    bundle: true,
    platform: 'node',
    target: 'node24',
    // ESM for the entry point's top-level await; bundled CommonJS dependencies get a `require`.
    format: 'esm',
    banner: {
      js: "import { createRequire as lagpilotCreateRequire } from 'node:module'; const require = lagpilotCreateRequire(import.meta.url);",
    },
    outfile,
    // In the image kit/ sits beside worker/, not under it: its imports (kafkajs) resolve here.
    nodePaths: [join(HERE, 'node_modules')],
    plugins: [wasmBesideBundle],
    logLevel: 'warning',
  });
  const require = createRequire(import.meta.url);
  const wasm = join(dirname(require.resolve('@platformatic/wasm-utils')), 'native.wasm');
  await copyFile(wasm, join(outDir, 'native.wasm'));
  await writeFile(join(outDir, 'package.json'), '{"type":"module"}\n');
  return outfile;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(await bundleWorker(process.argv[2]));
}
