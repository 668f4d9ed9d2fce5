/**
 * `--service`: the history from the autoscaler's own metrics in CloudWatch. ProduceRate becomes
 * the trace, at the finest period read (a coarser, older datapoint holds for its whole period);
 * periods with no datapoint are gaps, replayed at the last rate and reported. TaskCapacity,
 * TaskStartSeconds, Partitions and TaskCap, when published, give the fleet facts. A refused
 * call, a namespace or service with no such metric, and an empty history each say what to fix.
 */
import { CloudWatchClient, ListMetricsCommand } from '@aws-sdk/client-cloudwatch';
import { LagpilotError, messageOf } from '../kit/errors.ts';
import type { Trace } from '../sim/trace.ts';
import {
  MAX_DATAPOINTS,
  type QueryTarget,
  readSeries,
  SERIES,
  type Series,
  windowsFor,
} from './cloudwatch-query.ts';
import type { Gap, History, PublishedFacts, Resolution } from './history.ts';

/** The CloudWatch history cannot be read as asked: the user must fix the call or the target. */
export class HistorySourceError extends LagpilotError {
  constructor(message: string, cause?: unknown) {
    super('config', message, { cause });
  }
}

export interface CloudWatchSource {
  readonly service: string;
  readonly namespace: string;
  readonly days: number;
}

export interface ReadOptions {
  /** @default - a client for the environment's region and credentials */
  readonly client?: CloudWatchClient;
  /** @default Date.now() */
  readonly nowMs?: number;
  /** @default - as many as one request may return */
  readonly periodsPerRequest?: number;
}

const DENIED = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'ExpiredToken',
  'ExpiredTokenException',
  'SignatureDoesNotMatch',
  'MissingAuthenticationToken',
]);

const PERMISSION =
  'the caller needs cloudwatch:GetMetricData (read-only; cloudwatch:ListMetrics as well, to name what exists when nothing matches): docs/autoscaler.md, Tuning';

function refused(error: unknown): never {
  const e = error as {
    name?: string;
    $metadata?: { httpStatusCode?: number };
    $response?: { statusCode?: number };
  };
  const name = e.name ?? '';
  // A 403 whose body the client could not read (an XML error to a JSON client) is a refusal too.
  const status = e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
  if (DENIED.has(name) || status === 403) {
    const why = DENIED.has(name) ? `${name}: ${messageOf(error)}` : `HTTP ${status}`;
    throw new HistorySourceError(`CloudWatch refused the call (${why}): ${PERMISSION}`, error);
  }
  throw error;
}

/** Why nothing came back: the namespace has no ProduceRate, or not for this service, or none lately. */
async function emptyHistory(target: QueryTarget, days: number): Promise<never> {
  const where = `namespace "${target.namespace}"`;
  const services = await target.client
    .send(new ListMetricsCommand({ Namespace: target.namespace, MetricName: 'ProduceRate' }))
    .then((r) =>
      (r.Metrics ?? []).flatMap((m) =>
        (m.Dimensions ?? []).filter((d) => d.Name === 'service').map((d) => d.Value ?? ''),
      ),
    )
    .catch(() => undefined);
  if (services?.length === 0) {
    throw new HistorySourceError(
      `${where} has no ProduceRate metric: the autoscaler publishes to its LAGPILOT_METRICS_NAMESPACE (default Lagpilot); give that as --namespace`,
    );
  }
  if (services && !services.includes(target.service)) {
    throw new HistorySourceError(
      `${where} has no ProduceRate for service "${target.service}"; it has: ${[...new Set(services)].sort().join(', ')}. Give one of them as --service (the ECS service's name, LAGPILOT_SERVICE)`,
    );
  }
  throw new HistorySourceError(
    `empty history: service "${target.service}" published no ProduceRate in ${where} over the last ${days} days (it does from the autoscaler's second step on); give --days further back, or tune from a CSV with --history`,
  );
}

const median = (xs: readonly number[]): number | undefined => {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

const latest = (series: Map<number, number>): number | undefined =>
  series.size === 0 ? undefined : series.get(Math.max(...series.keys()));

export function factsOf(series: Series): PublishedFacts {
  const capacity = median([...series.TaskCapacity.values()]);
  const start = median([...series.TaskStartSeconds.values()]);
  const partitions = latest(series.Partitions);
  const cap = latest(series.TaskCap);
  return {
    ...(capacity !== undefined ? { capacity: Math.round(capacity) } : {}),
    ...(start !== undefined ? { startDelayS: Math.round(start) } : {}),
    ...(partitions !== undefined ? { partitions: Math.round(partitions) } : {}),
    ...(cap !== undefined ? { taskCap: Math.round(cap) } : {}),
  };
}

/**
 * The produce rate at the finest period read, from its first datapoint to its last: a coarser
 * datapoint holds over its own period, a period without one is a gap at the last rate.
 */
export function traceOf(
  name: string,
  rates: Map<number, number>,
  windows: readonly Resolution[],
): { trace: Trace; gaps: Gap[]; resolutions: Resolution[]; startMs: number } {
  const stamps = [...rates.keys()].sort((a, b) => a - b);
  const [first, last] = [stamps[0]!, stamps[stamps.length - 1]!];
  const used = windows.filter((w) => w.toMs > first && w.fromMs <= last);
  const step = Math.min(...used.map((w) => w.periodS)) * 1000;
  const periodAt = (t: number) =>
    used.find((w) => t >= w.fromMs && t < w.toMs)?.periodS ?? step / 1000;
  const out: number[] = [];
  const gaps: Gap[] = [];
  let rate = rates.get(first)!;
  for (let t = first; t <= last; ) {
    const period = periodAt(t) * 1000;
    const value = rates.get(t);
    if (value === undefined) {
      const open = gaps[gaps.length - 1];
      if (open && open.toMs === t)
        gaps[gaps.length - 1] = { fromMs: open.fromMs, toMs: t + period };
      else gaps.push({ fromMs: t, toMs: t + period });
    } else rate = value;
    for (let k = 0; k < period / step; k++) out.push(rate);
    t += period;
  }
  const resolutions = used.map((w) => ({
    ...w,
    fromMs: Math.max(w.fromMs, first),
    toMs: Math.min(w.toMs, last + w.periodS * 1000),
  }));
  return {
    trace: {
      name,
      description: `ProduceRate of ${name} from CloudWatch`,
      intervalS: step / 1000,
      rates: out,
      measured: true,
    },
    gaps,
    resolutions,
    startMs: first,
  };
}

export async function readCloudWatchHistory(
  source: CloudWatchSource,
  options: ReadOptions = {},
): Promise<History> {
  const nowMs = options.nowMs ?? Date.now();
  const target: QueryTarget = {
    client: options.client ?? new CloudWatchClient({}),
    namespace: source.namespace,
    service: source.service,
    periodsPerRequest:
      options.periodsPerRequest ?? Math.floor(MAX_DATAPOINTS / Object.keys(SERIES).length),
  };
  const windows = windowsFor(nowMs, source.days);
  const series = await readSeries(target, windows).catch(refused);
  if (series.ProduceRate.size === 0) return emptyHistory(target, source.days);
  const { trace, gaps, resolutions, startMs } = traceOf(
    source.service,
    series.ProduceRate,
    windows,
  );
  return {
    source: `CloudWatch ${source.namespace} ProduceRate, service ${source.service}, last ${source.days} days`,
    trace,
    startMs,
    gaps,
    resolutions,
    facts: factsOf(series),
  };
}
