/**
 * Reading the autoscaler's published metrics back: GetMetricData over the windows CloudWatch
 * keeps at each resolution (1 min for 15 days, 5 min to 63 days, 1 h to 455), each window cut
 * into requests of bounded size and each request followed through its NextToken pages.
 */
import {
  type CloudWatchClient,
  GetMetricDataCommand,
  type MetricDataQuery,
} from '@aws-sdk/client-cloudwatch';
import type { Resolution } from './history.ts';

const DAY_MS = 86_400_000;

/** The finest period CloudWatch keeps for datapoints up to this old. */
export const RETENTION: readonly { readonly upToDays: number; readonly periodS: number }[] = [
  { upToDays: 15, periodS: 60 },
  { upToDays: 63, periodS: 300 },
  { upToDays: 455, periodS: 3600 },
];

/** The metrics read, with the statistic each is read by. */
export const SERIES = {
  ProduceRate: 'Average',
  TaskCapacity: 'Average',
  TaskStartSeconds: 'Average',
  Partitions: 'Maximum',
  TaskCap: 'Minimum',
} as const;
export type SeriesName = keyof typeof SERIES;

/** Datapoints by epoch ms, per metric. */
export type Series = Record<SeriesName, Map<number, number>>;

/** GetMetricData returns at most 100,800 datapoints a request, over all its queries. */
export const MAX_DATAPOINTS = 100_800;

const floorTo = (ms: number, periodS: number) => Math.floor(ms / (periodS * 1000)) * periodS * 1000;

/** The windows to read, oldest first, each at the finest period its age keeps. */
export function windowsFor(nowMs: number, days: number): Resolution[] {
  const start = nowMs - days * DAY_MS;
  const out: Resolution[] = [];
  let newer = 0;
  for (const { upToDays, periodS } of RETENTION) {
    const fromMs = floorTo(Math.max(start, nowMs - upToDays * DAY_MS), periodS);
    const toMs = floorTo(nowMs - newer * DAY_MS, periodS);
    if (fromMs < toMs) out.unshift({ fromMs, toMs, periodS });
    newer = upToDays;
    if (start >= nowMs - upToDays * DAY_MS) break;
  }
  // Each window starts where the older one ended (a coarser period's boundary is also a finer
  // one's): no period is read twice, none is skipped.
  for (let i = 1; i < out.length; i++) out[i] = { ...out[i]!, fromMs: out[i - 1]!.toMs };
  return out;
}

export interface QueryTarget {
  readonly client: CloudWatchClient;
  readonly namespace: string;
  readonly service: string;
  /** Periods per request (and query): bounded so a request stays under MAX_DATAPOINTS. */
  readonly periodsPerRequest: number;
}

function queries(target: QueryTarget, periodS: number): MetricDataQuery[] {
  return (Object.keys(SERIES) as SeriesName[]).map((name) => ({
    Id: name.charAt(0).toLowerCase() + name.slice(1),
    Label: name,
    ReturnData: true,
    MetricStat: {
      Metric: {
        Namespace: target.namespace,
        MetricName: name,
        Dimensions: [{ Name: 'service', Value: target.service }],
      },
      Period: periodS,
      Stat: SERIES[name],
    },
  }));
}

/** One request's datapoints, every page of it, into `into`. */
async function readRequest(
  target: QueryTarget,
  periodS: number,
  fromMs: number,
  toMs: number,
  into: Series,
): Promise<void> {
  let token: string | undefined;
  do {
    const page = await target.client.send(
      new GetMetricDataCommand({
        MetricDataQueries: queries(target, periodS),
        StartTime: new Date(fromMs),
        EndTime: new Date(toMs),
        ScanBy: 'TimestampAscending',
        NextToken: token,
      }),
    );
    for (const result of page.MetricDataResults ?? []) {
      const series = into[result.Label as SeriesName];
      if (!series) continue;
      (result.Timestamps ?? []).forEach((t, i) => {
        const at = new Date(t).getTime();
        // A window's end is exclusive: a point on it belongs to the next window.
        if (at >= fromMs && at < toMs) series.set(at, result.Values![i]!);
      });
    }
    token = page.NextToken;
  } while (token);
}

/** Every window's datapoints, each window in requests of at most periodsPerRequest periods. */
export async function readSeries(
  target: QueryTarget,
  windows: readonly Resolution[],
  onRequest?: (done: number, total: number) => void,
): Promise<Series> {
  const into = Object.fromEntries(
    Object.keys(SERIES).map((k) => [k, new Map<number, number>()]),
  ) as Series;
  const requests = windows.flatMap((w) => {
    const span = target.periodsPerRequest * w.periodS * 1000;
    const out: [number, number, number][] = [];
    for (let from = w.fromMs; from < w.toMs; from += span) {
      out.push([w.periodS, from, Math.min(w.toMs, from + span)]);
    }
    return out;
  });
  let done = 0;
  for (const [periodS, from, to] of requests) {
    await readRequest(target, periodS, from, to, into);
    onRequest?.(++done, requests.length);
  }
  return into;
}
