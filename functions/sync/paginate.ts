// Walks a time window of the source oldest-first in pages, yielding only *complete* timestamp groups,
// so the position after each page is exact: every record at or before it has been yielded.
//
// The source (ThingWorx QueryStreamEntriesWithData) filters by date and truncates at maxItems; it has no
// cursor within one timestamp. So a full page's last timestamp group may be cut short: it is held back
// and re-read by the next query. A page holding a single timestamp is re-read for that timestamp alone
// with a growing maxItems until the whole group fits, so any number of equal timestamps is handled.
import { SyncWardenError } from '../shared/errors.js';
import type { SourceRecord } from './records-store.js';
import { compareWatermarks, type Watermark } from './watermark.js';

export interface WindowQuery {
  /** Inclusive bounds, epoch ms. */
  readonly startMs: number;
  readonly endMs: number;
  readonly maxItems: number;
}

/** Reads records oldest-first; each call is one request to the endpoint. */
export type RecordReader = (query: WindowQuery) => Promise<SourceRecord[]>;

export interface Page {
  readonly records: SourceRecord[];
  /** Position after this page: greatest (timestamp, key) of the complete groups read so far. */
  readonly position: Watermark;
}

export interface PaginateOptions {
  readonly startMs: number;
  readonly endMs: number;
  readonly pageSize: number;
  /** Largest single-timestamp group to read in one request before giving up. @default 100_000 */
  readonly maxGroupSize?: number;
}

export class TimestampGroupTooLargeError extends SyncWardenError {
  constructor(timestampMs: number, limit: number) {
    super(
      `More than ${limit} source records share the timestamp ${new Date(timestampMs).toISOString()}; ` +
        'raise maxGroupSize or ask the source owner why',
      'timestamp-group-too-large',
    );
  }
}

export async function* paginate(read: RecordReader, options: PaginateOptions): AsyncGenerator<Page> {
  const maxGroupSize = options.maxGroupSize ?? 100_000;
  let startMs = options.startMs;
  while (startMs <= options.endMs) {
    const records = sortByPosition(await read({ startMs, endMs: options.endMs, maxItems: options.pageSize }));
    const last = records.at(-1);
    if (!last) return;
    if (records.length < options.pageSize) {
      yield { records, position: positionOf(last) }; // the window is exhausted: every group is complete
      return;
    }
    const lastTimestampMs = last.sourceTimestampMs;
    const complete = records.filter((record) => record.sourceTimestampMs < lastTimestampMs);
    const lastComplete = complete.at(-1);
    if (lastComplete) {
      yield { records: complete, position: positionOf(lastComplete) };
      startMs = lastTimestampMs; // re-read the held-back group from its start
      continue;
    }
    const group = await readWholeGroup(read, lastTimestampMs, options.pageSize, maxGroupSize);
    const groupLast = group.at(-1);
    if (groupLast) yield { records: group, position: positionOf(groupLast) };
    startMs = lastTimestampMs + 1;
  }
}

async function readWholeGroup(
  read: RecordReader,
  timestampMs: number,
  pageSize: number,
  maxGroupSize: number,
): Promise<SourceRecord[]> {
  for (let maxItems = pageSize * 2; ; maxItems *= 2) {
    const limit = Math.min(maxItems, maxGroupSize + 1);
    const group = await read({ startMs: timestampMs, endMs: timestampMs, maxItems: limit });
    if (group.length < limit) return sortByPosition(group);
    if (limit > maxGroupSize) throw new TimestampGroupTooLargeError(timestampMs, maxGroupSize);
  }
}

function positionOf(record: SourceRecord): Watermark {
  return { timestampMs: record.sourceTimestampMs, key: record.key };
}

function sortByPosition(records: SourceRecord[]): SourceRecord[] {
  return records.sort((a, b) => compareWatermarks(positionOf(a), positionOf(b)));
}
