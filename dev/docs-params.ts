/** `npm run docs:params`: rewrites the parameter table in README.md from the schemas. */
import { readFile, writeFile } from 'node:fs/promises';
import { withParameterTable } from './params-table.ts';

const path = new URL('../README.md', import.meta.url);
const before = await readFile(path, 'utf8');
const after = withParameterTable(before);
await writeFile(path, after);
console.log(
  before === after ? 'README.md parameters: up to date' : 'README.md parameters: rewritten',
);
