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
  const pageFrom = (startMs: number): WindowQuery => ({
    startMs,
    endMs: options.endMs,
    maxItems: options.pageSize,
  });
  let nextRead = options.startMs <= options.endMs ? prefetch(read, pageFrom(options.startMs)) : undefined;
  while (nextRead) {
    const records = sortByPosition(await nextRead);
    nextRead = undefined;
    const last = records.at(-1);
    if (!last) return;
    if (records.length < options.pageSize) {
      yield { records, position: positionOf(last) }; // the window is exhausted: every group is complete
      return;
    }
    const lastTimestampMs = last.sourceTimestampMs;
    const complete = records.filter((record) => record.sourceTimestampMs < lastTimestampMs);
    // The held-back group is re-read from its start; a group that filled the page is read whole now.
    const pageRecords =
      complete.length > 0 ? complete : await readWholeGroup(read, lastTimestampMs, options, maxGroupSize);
    const nextStartMs = complete.length > 0 ? lastTimestampMs : lastTimestampMs + 1;
    if (nextStartMs <= options.endMs) nextRead = prefetch(read, pageFrom(nextStartMs));
    yield { records: pageRecords, position: positionOf(pageRecords.at(-1) ?? last) };
  }
}

/**
 * Starts the next read while the caller stores the current page, so the endpoint and DynamoDB work at
 * the same time. A failure surfaces when the read is awaited; one the caller abandons (it stopped at its
 * deadline) must not become an unhandled rejection.
 */
function prefetch(read: RecordReader, query: WindowQuery): Promise<SourceRecord[]> {
  const pending = read(query);
  pending.catch(() => undefined);
  return pending;
}

async function readWholeGroup(
  read: RecordReader,
  timestampMs: number,
  options: PaginateOptions,
  maxGroupSize: number,
): Promise<SourceRecord[]> {
  for (let maxItems = options.pageSize * 2; ; maxItems *= 2) {
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
