/**
 * `npm run bench [-- suite …]`: runs the benchmark suites in bench/suites/ (all, or the ones
 * named) and rewrites each suite's section of docs/benchmarks.md, stamped with the machine
 * and the command. A suite is a module exporting `title` and `run(): Promise<string>`
 * (the section's Markdown body).
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface Suite {
  title: string;
  run(): Promise<string>;
}

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DOC = join(ROOT, 'docs', 'benchmarks.md');
const HEADER = `# Benchmarks

Written by \`npm run bench\` (each suite rewrites its own section). Figures are from the
machine named in each section; compare runs on the same machine only.
`;

function machine(): string {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  return `${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Node ${process.version}, ${process.platform}/${process.arch}`;
}

function replaceSection(doc: string, name: string, body: string): string {
  const start = `<!-- bench:${name}:start -->`;
  const end = `<!-- bench:${name}:end -->`;
  const section = `${start}\n${body.trim()}\n${end}`;
  const i = doc.indexOf(start);
  const j = doc.indexOf(end);
  if (i >= 0 && j > i) return doc.slice(0, i) + section + doc.slice(j + end.length);
  return `${doc.trimEnd()}\n\n${section}\n`;
}

const suitesDir = join(ROOT, 'bench', 'suites');
const available = readdirSync(suitesDir)
  .filter((f) => f.endsWith('.ts'))
  .map((f) => basename(f, '.ts'))
  .sort();
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = wanted.filter((w) => !available.includes(w));
if (unknown.length > 0) {
  console.error(`unknown suite(s): ${unknown.join(', ')}; available: ${available.join(', ')}`);
  process.exit(2);
}
for (const name of wanted.length > 0 ? wanted : available) {
  const suite = (await import(join(suitesDir, `${name}.ts`))) as Suite;
  console.error(`[bench] ${name}: ${suite.title}`);
  const started = Date.now();
  const body = await suite.run();
  const stamp = `_Measured ${new Date().toISOString().slice(0, 10)} on ${machine()} with \`npm run bench -- ${name}\` (${((Date.now() - started) / 1000).toFixed(0)} s)._`;
  const doc = existsSync(DOC) ? readFileSync(DOC, 'utf8') : HEADER;
  writeFileSync(DOC, replaceSection(doc, name, `## ${suite.title}\n\n${stamp}\n\n${body}`));
  console.error(`[bench] ${name}: written to docs/benchmarks.md`);
}
