import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CORE = join(ROOT, 'lambda/core');
const KIT = join(ROOT, 'kit');

/** Module specifiers of static imports, re-exports, dynamic imports and requires. */
const SPECIFIERS = [
  /\b(?:import|export)\s[^'"]*?\bfrom\s*['"]([^'"]+)['"]/g,
  /\bimport\s*['"]([^'"]+)['"]/g,
  /\b(?:import|require)\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
];
/** Ways to read the clock or schedule on it. */
const CLOCK = [
  /\bDate\.now\b/,
  /\bnew\s+Date\s*\(/,
  /\bperformance\.now\b/,
  /\bsetTimeout\b/,
  /\bsetInterval\b/,
];

/** Comments may name what the code must not do. */
const withoutComments = (source: string): string =>
  source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');

const within = (dir: string, path: string): boolean => {
  const rel = relative(dir, path);
  return rel !== '' && !rel.startsWith('..');
};

/**
 * What makes a core file impure: an import of anything but another core file, `kit/` or zod
 * (an SDK, a Kafka client, node's I/O modules), or a read of the clock.
 */
function boundaryProblems(file: string, source: string): string[] {
  const code = withoutComments(source);
  const problems: string[] = [];
  for (const pattern of SPECIFIERS) {
    for (const [, spec] of code.matchAll(pattern)) {
      if (spec === undefined) continue;
      const allowed = spec.startsWith('.')
        ? [CORE, KIT].some((dir) => within(dir, resolve(dirname(file), spec)))
        : spec === 'zod' || spec.startsWith('zod/');
      if (!allowed) problems.push(`imports ${spec}`);
    }
  }
  for (const pattern of CLOCK) {
    if (pattern.test(code)) problems.push(`reads the clock (${pattern.source})`);
  }
  return problems;
}

const coreFiles = readdirSync(CORE)
  .filter((f) => f.endsWith('.ts'))
  .map((f) => join(CORE, f));

describe("the autoscaler's core", () => {
  it('is found', () => {
    expect(coreFiles.map((f) => relative(CORE, f))).toContain('decide.ts');
  });

  it.each(coreFiles.map((f) => [relative(ROOT, f), f]))(
    '%s imports only core files, kit/ and zod, and reads no clock',
    (_, file) => {
      expect(boundaryProblems(file, readFileSync(file, 'utf8'))).toEqual([]);
    },
  );

  it('the check catches an SDK, a client, I/O, a package outside the core, and the clock', () => {
    const file = join(CORE, 'synthetic.ts');
    const source = [
      "import { ECSClient } from '@aws-sdk/client-ecs';",
      "import type { Admin } from 'kafkajs';",
      "import { readFileSync } from 'node:fs';",
      "export { KafkaLagSource } from '../adapters/lag-source.ts';",
      "const middy = await import('@middy/core');",
      "import { z } from 'zod';",
      "import { decide } from './decide.ts';",
      "import { LagpilotError } from '../../kit/errors.ts';",
      '// Date.now() in a comment is no read of the clock.',
      'const at = Date.now();',
      'const then = new Date(0);',
      'setTimeout(() => {}, performance.now());',
    ].join('\n');
    expect(boundaryProblems(file, source)).toEqual([
      'imports @aws-sdk/client-ecs',
      'imports kafkajs',
      'imports node:fs',
      'imports ../adapters/lag-source.ts',
      'imports @middy/core',
      'reads the clock (\\bDate\\.now\\b)',
      'reads the clock (\\bnew\\s+Date\\s*\\()',
      'reads the clock (\\bperformance\\.now\\b)',
      'reads the clock (\\bsetTimeout\\b)',
    ]);
  });
});
