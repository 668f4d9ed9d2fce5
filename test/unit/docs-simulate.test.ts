import { describe, expect, it } from 'vitest';
import { END_GENERATED, withGenerated } from '../../dev/simulate-docs.ts';

const doc = [
  '# Title',
  '',
  'Prose before.',
  '<!-- generated: simulate --trace all -->',
  'old tables',
  END_GENERATED,
  '',
  'Prose between.',
  '<!-- generated: simulate --matrix -->',
  'old scoreboard',
  END_GENERATED,
  'Prose after.',
  '',
].join('\n');

describe('docs:simulate rewrites only its generated blocks', () => {
  it('replaces the named block and keeps every other line as written', () => {
    const after = withGenerated(doc, 'simulate --trace all', 'new tables\nsecond line');
    expect(after).toBe(doc.replace('old tables', 'new tables\nsecond line'));
  });

  it('ends a block at its own end marker, not at the next block', () => {
    const after = withGenerated(doc, 'simulate --matrix', 'new scoreboard');
    expect(after).toContain('old tables');
    expect(after).toContain('Prose between.');
    expect(after).toBe(doc.replace('old scoreboard', 'new scoreboard'));
  });

  it('is idempotent: regenerating the same body changes nothing', () => {
    const once = withGenerated(doc, 'simulate --trace all', 'same');
    expect(withGenerated(once, 'simulate --trace all', 'same')).toBe(once);
  });

  it('names the missing markers and how to fix it', () => {
    expect(() => withGenerated('# no markers\n', 'simulate --matrix', 'x')).toThrow(
      /lacks the <!-- generated: simulate --matrix --> … <!-- end generated --> markers: add them/,
    );
    const unterminated = '<!-- generated: simulate --matrix -->\nbody\n';
    expect(() => withGenerated(unterminated, 'simulate --matrix', 'x')).toThrow(/markers/);
  });
});
