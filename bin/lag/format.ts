/** `lagpilot lag`'s table, and its JSON (the view as is). */
import type { LagView } from './view.ts';

const count = (n: number) => n.toLocaleString('en-US');
const seconds = (s: number | null) => (s === null ? '-' : `${s.toFixed(1)} s`);
const rate = (r: number | null) => (r === null ? '-' : `${count(Math.round(r))}/s`);

/** Why the cap is what it is, in the operator's terms. */
function capText(v: LagView): string {
  switch (v.capBy) {
    case 'max':
      return v.group.type === 'share'
        ? "LAGPILOT_MAX_TASKS: a share group's members share partitions"
        : 'LAGPILOT_MAX_TASKS, below the partition count';
    case 'partitions':
      return `the partition count: a ${v.group.type} group gives each partition to one member`;
    case 'min':
      return 'LAGPILOT_MIN_TASKS, above the partition count';
  }
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) =>
    r
      .map((cell, i) => (i < 2 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
}

export function formatView(v: LagView): string {
  const { group } = v;
  const members = `${group.members} member${group.members === 1 ? '' : 's'}`;
  const offset = group.type === 'share' ? 'START' : 'COMMITTED';
  const rows = [
    ['TOPIC', 'PARTITION', 'END', offset, 'LAG', 'LAG AGE'],
    ...v.partitions.map((p) => [
      p.topic,
      String(p.partition),
      count(p.end),
      p.committed === null ? '-' : count(p.committed),
      count(p.lag),
      seconds(p.lagSeconds),
    ]),
    ...v.topics.map((t) => [t.topic, 'total', count(t.end), '', count(t.lag), '']),
  ];
  return [
    `group ${v.groupId}: ${group.type}, ${group.state}, ${members}`,
    `cap ${v.cap} tasks (${capText(v)})`,
    '',
    ...table(rows),
    '',
    `lag ${count(v.totalLag)}, ${seconds(v.lagSeconds)} behind; produced ${rate(v.produceRate)}, consumed ${rate(v.consumeRate)} over ${seconds(v.sampledMs / 1000)}`,
    '',
  ].join('\n');
}
