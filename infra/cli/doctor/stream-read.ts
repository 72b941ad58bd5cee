// What the stream check learns, read-only, from the stream's own entries: a raw sample (do rows carry the
// configured fields?), one small oldest-first answer and the rows before it (is oldestFirst honoured, and
// which rows does a cut answer keep?), the last day read by the sync's own pager (paginate.ts: what it
// learns of order and cap, the groups of equal timestamps, and how long each request takes), and two
// questions aimed around one entry that tell each date bound inclusive or exclusive.
import type { ThingWorxClient } from '../../../functions/endpoint/thingworx-client.js';
import { paginate } from '../../../functions/sync/paginate.js';
import type { SourceRecord } from '../../../functions/sync/records-store.js';
import {
  type ArrivalOrder,
  arrivalOrder,
  type ObservedServer,
  type RecordReader,
  SourceAnswers,
  type WindowQuery,
} from '../../../functions/sync/source-answers.js';
import { type RowShape, toSourceRecord } from '../../../functions/sync/source-rows.js';
import { streamReader } from '../../../functions/sync/thingworx-source.js';

export interface StreamRead {
  readonly windowStartMs: number;
  readonly windowEndMs: number;
  /** Fields of the configured shape missing from rows of the sample (field → rows without it). */
  readonly missingFields: Readonly<Record<string, number>>;
  readonly sampleRows: number;
  /** The first row problem the sync itself would fail on (source-rows.ts), if any. */
  readonly rowProblem?: string;
  /** Arrival order of one small oldest-first answer over the window. */
  readonly smallAnswerOrder?: ArrivalOrder;
  /** That answer was cut (as many rows as asked), came oldest first, and rows older than its first exist. */
  readonly cutKeepsNewest: boolean;
  /** What the pager saw; undefined when it failed before its first answer. */
  readonly observed?: ObservedServer;
  /** The pager's failure, with the sync's reason (source-behaviour causes, a bad row). */
  readonly pagerFailure?: { readonly reason: string; readonly message: string };
  /** Records the pager read from the window (all of it unless `truncated`). */
  readonly records: number;
  readonly truncated: boolean;
  /** Entries read whose timestamps fall in the window's last hour: the stream's current rate. */
  readonly lastHourEntries: number;
  /** The position the pager reached: every entry of the window up to it was read. */
  readonly readUpToMs?: number;
  /** The largest group of equal timestamps read. */
  readonly largestGroup?: { readonly timestampMs: number; readonly size: number };
  /** Both bounds, asked around one entry; undefined when the window holds none to aim at. */
  readonly bounds?: {
    readonly startInclusive: boolean;
    readonly endInclusive: boolean;
    readonly aimedAtMs: number;
  };
  /** Every request's time, ms (the throughput check's latency). */
  readonly requestMs: readonly number[];
  /** Rows each request of the pager answered. */
  readonly rowsPerRequest: readonly number[];
  /** The stream's oldest entry, when the server answers oldest first. */
  readonly oldestEntryMs?: number;
}

export interface StreamReadOptions {
  readonly thing: string;
  readonly service: string;
  readonly shape: RowShape;
  readonly pageSize: number;
  /** The server's "now" (our clock plus the measured offset). */
  readonly serverNowMs: number;
  /** How far back to read. */
  readonly windowMs: number;
  /** The pager stops after this many pages; the report then says how much was read. */
  readonly maxPages: number;
  readonly progress: (text: string) => void;
}

const SAMPLE_ROWS = 50;
const SMALL_ANSWER_ROWS = 20;
const HOUR_MS = 3_600_000;

export async function readStream(client: ThingWorxClient, options: StreamReadOptions): Promise<StreamRead> {
  const { thing, service, shape } = options;
  const requestMs: number[] = [];
  const rowsPerRequest: number[] = [];
  const timed = async <T>(call: () => Promise<T>): Promise<T> => {
    const startedMs = performance.now();
    try {
      return await call();
    } finally {
      requestMs.push(performance.now() - startedMs);
    }
  };
  const raw = (params: Record<string, unknown>) =>
    timed(() => client.callService(thing, service, params)).then((table) => table.rows);
  const records = streamReader(client, { thing, service }, shape);
  const read: RecordReader = async (query: WindowQuery) => {
    const rows = await timed(() => records(query));
    rowsPerRequest.push(rows.length);
    return rows;
  };
  const windowEndMs = Math.floor(options.serverNowMs);
  const windowStartMs = windowEndMs - options.windowMs;

  // Fields: the newest rows as the server keeps them, checked as the sync would place them.
  const sample = await raw({ maxItems: SAMPLE_ROWS });
  const missingFields: Record<string, number> = {};
  let rowProblem: string | undefined;
  for (const [index, row] of sample.entries()) {
    for (const field of [shape.timestampField, ...shape.keyFields]) {
      const value = (row as Record<string, unknown>)[field];
      if (value === undefined || value === null) missingFields[field] = (missingFields[field] ?? 0) + 1;
    }
    try {
      toSourceRecord(row, index, shape);
    } catch (error) {
      rowProblem ??= (error as Error).message;
    }
  }

  // Order, and which rows a cut keeps: a few rows of the window, judged by the pager's own rules
  // (SourceAnswers.keptNewest: one rule for the sync and for doctor).
  const answers = new SourceAnswers(read, () => options.serverNowMs, windowEndMs);
  const small = await answers
    .fetch(windowStartMs, windowEndMs, SMALL_ANSWER_ROWS)
    .then((answer) => answer.rows)
    .catch(() => [] as readonly SourceRecord[]);
  const smallAnswerOrder = small.length > 1 ? arrivalOrder(small) : undefined;
  let cutKeepsNewest = false;
  if (small.length >= SMALL_ANSWER_ROWS && smallAnswerOrder === 'ascending') {
    const cut = { startMs: windowStartMs, endMs: windowEndMs, maxItems: SMALL_ANSWER_ROWS, rows: small };
    cutKeepsNewest = await answers
      .keptNewest({ ...cut, order: smallAnswerOrder, readAtMs: options.serverNowMs })
      .catch(() => false);
  }

  // The last day, as the sync's pager reads it.
  const stream = paginate(read, { startMs: windowStartMs, endMs: windowEndMs, pageSize: options.pageSize });
  const groups = new Map<number, number>();
  let count = 0;
  let pages = 0;
  let readUpToMs: number | undefined;
  let truncated = false;
  let pagerFailure: StreamRead['pagerFailure'];
  try {
    for await (const page of stream) {
      for (const record of page.records) {
        groups.set(record.sourceTimestampMs, (groups.get(record.sourceTimestampMs) ?? 0) + 1);
      }
      count += page.records.length;
      pages += 1;
      readUpToMs = page.position.timestampMs;
      options.progress(`stream: ${count} entries of the last day read (${pages} pages)`);
      if (pages >= options.maxPages) {
        truncated = true;
        break;
      }
    }
  } catch (error) {
    const reason = (error as { reason?: unknown }).reason;
    pagerFailure = {
      reason: typeof reason === 'string' ? reason : 'unexpected',
      message: (error as Error).message,
    };
  }
  let largestGroup: StreamRead['largestGroup'];
  let lastHourEntries = 0;
  for (const [timestampMs, size] of groups) {
    if (timestampMs > windowEndMs - HOUR_MS) lastHourEntries += size;
    if (!largestGroup || size > largestGroup.size) largestGroup = { timestampMs, size };
  }

  // Aimed where the pager's read shows the neighbours; when it failed, inside the sample (its oldest
  // timestamp left out: the sample may have cut that group).
  const bounds = await aimedBounds(read, groups.size > 0 ? groups : sampleGroups(sample, shape));
  const oldest =
    stream.observed().order === 'oldest first' ? await raw({ maxItems: 1, oldestFirst: true }) : [];
  const oldestEntryMs = oldest[0] ? toSourceRecord(oldest[0], 0, shape).sourceTimestampMs : undefined;
  return {
    windowStartMs,
    windowEndMs,
    missingFields,
    sampleRows: sample.length,
    ...(rowProblem ? { rowProblem } : {}),
    ...(smallAnswerOrder ? { smallAnswerOrder } : {}),
    cutKeepsNewest,
    observed: stream.observed(),
    ...(pagerFailure ? { pagerFailure } : {}),
    records: count,
    truncated,
    lastHourEntries,
    ...(readUpToMs === undefined ? {} : { readUpToMs }),
    ...(largestGroup ? { largestGroup } : {}),
    ...(bounds ? { bounds } : {}),
    requestMs,
    rowsPerRequest,
    ...(oldestEntryMs === undefined ? {} : { oldestEntryMs }),
  };
}

/**
 * Asks [T, T+1] and [T−1, T] around a timestamp T that holds entries and whose neighbours hold none:
 * rows at T in the first answer prove the start bound inclusive, in the second the end bound. The
 * smallest such group is chosen, so no cap can cut it.
 */
async function aimedBounds(
  read: RecordReader,
  groups: ReadonlyMap<number, number>,
): Promise<StreamRead['bounds']> {
  let aim: { timestampMs: number; size: number } | undefined;
  for (const [timestampMs, size] of groups) {
    if (groups.has(timestampMs - 1) || groups.has(timestampMs + 1)) continue;
    if (!aim || size < aim.size) aim = { timestampMs, size };
  }
  if (!aim) return undefined;
  const T = aim.timestampMs;
  const maxItems = aim.size + 10;
  const atT = (rows: readonly SourceRecord[]) => rows.some((r) => r.sourceTimestampMs === T);
  const startInclusive = atT(await read({ startMs: T, endMs: T + 1, maxItems }));
  const endInclusive = atT(await read({ startMs: T - 1, endMs: T, maxItems }));
  return { startInclusive, endInclusive, aimedAtMs: T };
}

function sampleGroups(rows: readonly unknown[], shape: RowShape): Map<number, number> {
  const groups = new Map<number, number>();
  for (const [index, row] of rows.entries()) {
    try {
      const { sourceTimestampMs } = toSourceRecord(row, index, shape);
      groups.set(sourceTimestampMs, (groups.get(sourceTimestampMs) ?? 0) + 1);
    } catch {
      // a row the fields check reports
    }
  }
  groups.delete(Math.min(...groups.keys()));
  return groups;
}
