/**
 * `npm run docs:params`: regenerates the parameter docs from the schemas — the table in
 * README.md and the documented rule props of the autoscaler construct.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { RULE_PROPS_FILE, renderRuleProps, withParameterTable } from './parameter-docs.ts';

async function rewrite(relative: string, render: (before: string) => string): Promise<void> {
  const path = new URL(`../${relative}`, import.meta.url);
  const before = await readFile(path, 'utf8').catch(() => '');
  const after = render(before);
  if (before !== after) await writeFile(path, after);
  console.log(`${relative}: ${before === after ? 'up to date' : 'rewritten'}`);
}

await rewrite('README.md', withParameterTable);
await rewrite(RULE_PROPS_FILE, renderRuleProps);
