/**
 * A trace from CSV: `timestamp,produce_rate` per line at a regular interval (what a CloudWatch
 * export of the topic's MessagesInPerSec looks like). Timestamps are ISO 8601 or epoch seconds
 * (or milliseconds, if > 10^11); a time without a zone is UTC. Fields may be double-quoted. An
 * optional header line (any names, e.g. CloudWatch's `Timestamp (UTC),MessagesInPerSec`), blank
 * lines and `#` comments are skipped. Numbers are plain decimals (`0x10` is not 16). Every
 * problem is reported with the file, the line and the field.
 */
import { basename } from 'node:path';
import { isDecimal } from '../kit/decimal.ts';
import { LagpilotError } from '../kit/errors.ts';
import type { Trace } from './trace.ts';

/** A trace (or `lagpilot start` profile) file the user must fix: exit 2. */
export class TraceError extends LagpilotError {
  constructor(message: string) {
    super('config', message);
  }
}

const EPOCH_MS_FROM = 1e11;

function parseTimestamp(text: string): number | undefined {
  if (/^\d+(\.\d+)?$/.test(text)) {
    const n = Number(text);
    return n >= EPOCH_MS_FROM ? n / 1000 : n;
  }
  if (!/^\d{4}-\d{2}-\d{2}/.test(text)) return undefined;
  // A time without a zone ("2026-11-21 10:00:00", as spreadsheets write it) is read as UTC, so
  // the machine's time zone and its DST changes never make an interval irregular.
  const zoned = /(Z|[+-]\d{2}:?\d{2})$/i.test(text) || !text.includes(':');
  const ms = Date.parse(zoned ? text : `${text.replace(' ', 'T')}Z`);
  return Number.isNaN(ms) ? undefined : ms / 1000;
}

export function parseTraceCsv(text: string, name: string, source = name): Trace {
  const samples: { line: number; at: number; rate: number }[] = [];
  let header = false;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = i + 1;
    const raw = lines[i]!.trim();
    if (raw === '' || raw.startsWith('#')) continue;
    const fields = raw.split(',').map((f) => f.trim().replace(/^"(.*)"$/, '$1'));
    const where = `${source} line ${line}`;
    // A header: the first line, when its fields are names rather than a timestamp and a number.
    const isHeader =
      samples.length === 0 &&
      !header &&
      fields.length === 2 &&
      parseTimestamp(fields[0]!) === undefined &&
      !isDecimal(fields[1]!);
    if (isHeader) {
      header = true;
      continue;
    }
    if (fields.length !== 2) {
      throw new TraceError(
        `${where}: expected 2 fields "timestamp,produce_rate", found ${fields.length}: "${raw}"`,
      );
    }
    const [stamp, rateText] = fields as [string, string];
    const at = parseTimestamp(stamp);
    if (at === undefined) {
      throw new TraceError(
        `${where}: timestamp "${stamp}" is neither ISO 8601 (2026-11-21T10:00:00Z) nor epoch seconds`,
      );
    }
    if (rateText === '') throw new TraceError(`${where}: produce_rate is missing`);
    const rate = Number(rateText);
    if (!isDecimal(rateText) || !Number.isFinite(rate)) {
      throw new TraceError(
        `${where}: produce_rate "${rateText}" is not a decimal number (msg/s, e.g. 1250.5)`,
      );
    }
    if (rate < 0) throw new TraceError(`${where}: produce_rate ${rate} is negative`);
    const previous = samples[samples.length - 1];
    if (previous && at <= previous.at) {
      throw new TraceError(
        `${where}: timestamp "${stamp}" is ${at === previous.at ? 'the same as' : 'before'} line ${previous.line}'s: timestamps must increase (sort the export by time)`,
      );
    }
    samples.push({ line, at, rate });
  }
  if (samples.length < 2) {
    throw new TraceError(`${source}: needs at least 2 samples of timestamp,produce_rate`);
  }
  const intervalS = samples[1]!.at - samples[0]!.at;
  for (let i = 2; i < samples.length; i++) {
    const step = samples[i]!.at - samples[i - 1]!.at;
    // Tolerate rounding of the export (1 % of the interval), not gaps or duplicates.
    if (Math.abs(step - intervalS) > intervalS * 0.01) {
      throw new TraceError(
        `${source} line ${samples[i]!.line}: timestamp: irregular interval ${step}s (the trace's interval is ${intervalS}s from its first two samples); fill gaps or resample`,
      );
    }
  }
  return {
    name,
    description: `${samples.length} samples every ${intervalS}s from ${basename(source)}`,
    intervalS,
    rates: samples.map((s) => s.rate),
  };
}
