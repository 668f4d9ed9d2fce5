import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The size limits that keep the code walkable: no source file over 400 lines, no function over
 * 80 lines (a CDK construct's constructor, which declares resources in order, excepted).
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SOURCE_DIRS = [
  'bench',
  'bin',
  'dev',
  'lambda',
  'lib',
  'kit',
  'local',
  'sim',
  'tune',
  'worker/src',
];
const MAX_FILE_LINES = 400;
const MAX_FUNCTION_LINES = 80;

interface Oversize {
  readonly where: string;
  readonly lines: number;
}

/** Functions over the limit in one source text; constructors pass when `allowConstructors`. */
function longFunctions(name: string, text: string, allowConstructors: boolean): Oversize[] {
  const source = ts.createSourceFile(name, text, ts.ScriptTarget.Latest, true);
  const found: Oversize[] = [];
  const lineOf = (pos: number) => source.getLineAndCharacterOfPosition(pos).line;
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const lines = lineOf(node.getEnd()) - lineOf(node.getStart()) + 1;
      const exempt = allowConstructors && ts.isConstructorDeclaration(node);
      if (lines > MAX_FUNCTION_LINES && !exempt) {
        found.push({ where: `${name}:${lineOf(node.getStart()) + 1}`, lines });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function sourceFiles(): string[] {
  return SOURCE_DIRS.flatMap((dir) =>
    readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts') && !file.includes('node_modules'))
      .map((file) => join(dir, file)),
  );
}

describe('source size limits', () => {
  it(`keeps every source file within ${MAX_FILE_LINES} lines`, () => {
    const long = sourceFiles()
      .map((file) => ({
        where: file,
        lines: readFileSync(join(ROOT, file), 'utf8').split('\n').length,
      }))
      .filter(({ lines }) => lines > MAX_FILE_LINES);
    expect(long).toEqual([]);
  });

  it(`keeps every function within ${MAX_FUNCTION_LINES} lines, CDK constructors excepted`, () => {
    const long = sourceFiles().flatMap((file) =>
      longFunctions(
        relative(ROOT, join(ROOT, file)),
        readFileSync(join(ROOT, file), 'utf8'),
        file.startsWith('lib/'),
      ),
    );
    expect(long).toEqual([]);
  });

  it('measures a function from its first line to its last', () => {
    const body = Array.from({ length: MAX_FUNCTION_LINES - 1 }, (_, i) => `  const a${i} = ${i};`);
    const fits = `function f() {\n${body.slice(1).join('\n')}\n}`;
    const over = `function f() {\n${body.join('\n')}\n}`;
    const ctor = `class C {\n  constructor() {\n${body.join('\n')}\n  }\n}`;
    expect(longFunctions('fits.ts', fits, false)).toEqual([]);
    expect(longFunctions('over.ts', over, false)).toEqual([{ where: 'over.ts:1', lines: 81 }]);
    expect(longFunctions('ctor.ts', ctor, true)).toEqual([]);
    expect(longFunctions('ctor.ts', ctor, false)).toHaveLength(1);
  });
});
