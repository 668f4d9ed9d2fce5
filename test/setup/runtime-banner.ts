import { readFileSync } from 'node:fs';

/**
 * Names the Node.js that runs the tests, and refuses any other than the one package.json pins
 * (devDependency `node`, installed by `npm ci`): what we test must be what the Lambda and the
 * worker image run.
 */
export default function runtimeBanner() {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    devDependencies: Record<string, string>;
  };
  const pinned = `v${pkg.devDependencies.node}`;
  process.stderr.write(`[lagpilot] tests on Node ${process.version} (${process.execPath})\n`);
  if (process.version !== pinned) {
    throw new Error(
      `tests run on Node ${process.version} but package.json pins ${pinned}: run \`npm ci\`, then start tests through npm (\`npm test\`, \`npx vitest\`), which put node_modules/.bin/node first in PATH`,
    );
  }
}
