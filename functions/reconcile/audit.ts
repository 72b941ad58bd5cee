// The audit of one job's window [from, to): re-reads the window from the source with the sync's pager,
// and compares it page by page with the table's records of the same span of source time (read through
// the index by source time), so memory holds one page of each side whatever the window's length. It
// reports what is missing, stale and extra, and the per-hour counts on both sides; with a handler for
// the differences (repair.ts), it hands each page's confirmed differences to it before the next page.
//
// Bounded by a deadline: it stops between pages (or when the source client refuses a request that
// cannot finish in time) and returns a cursor; an audit called with that cursor goes on from there.

import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DeadlineExceededError } from '../endpoint/errors.js';
import type { Clock } from '../shared/clock.js';
import { type Page, paginate, type RecordReader } from '../sync/paginate.js';
import { decodeCursor, encodeCursor } from './audit-cursor.js';
import { type AuditTotals, countInHour, countsAdded, emptyTotals, sample } from './audit-totals.js';
import { comparePage, type PageDifferences } from './compare-page.js';
import { confirmDifferences } from './confirm-suspects.js';
import { type IndexedRecord, StoredWindow } from './stored-window.js';

export interface AuditDependencies {
  readonly documentClient: DynamoDBDocumentClient;
  readonly recordsTable: string;
  readonly pageSize: number;
  /** A reader of the job's source whose requests never cross `fetchDeadlineMs`. */
  readonly openSource: (fetchDeadlineMs: number) => Promise<RecordReader>;
  readonly clock: Clock;
}

/** What the handler did with a page's differences. */
export interface HandledDifferences {
  readonly repaired: number;
  readonly pruned: number;
}

export interface AuditRequest {
  readonly job: string;
  /** The window, half-open [fromMs, toMs), epoch ms of source time. */
  readonly fromMs: number;
  readonly toMs: number;
  /** A cursor an earlier audit of this job and window returned: go on from there. */
  readonly cursor?: string;
  /** Stop fetching at this time (epoch ms) and return a cursor. */
  readonly deadlineMs: number;
  /** Told after every page, e.g. for a progress bar. */
  readonly onProgress?: (progress: AuditProgress) => void;
  /** Given each page's confirmed differences (e.g. to repair them) before the next page is read. */
  readonly onDifferences?: (
    differences: PageDifferences,
    page: { readAtMs: number },
  ) => Promise<HandledDifferences>;
}

export interface AuditProgress {
  readonly fromMs: number;
  readonly toMs: number;
  /** Every entry before this source time has been compared. */
  readonly throughMs: number;
  readonly totals: Readonly<AuditTotals>;
}

export interface AuditReport {
  readonly job: string;
  readonly fromMs: number;
  readonly toMs: number;
  /** True when the whole window was compared; else `cursor` continues it. */
  readonly complete: boolean;
  readonly cursor?: string;
  /** Every entry before this source time has been compared (toMs when complete). */
  readonly auditedUpToMs: number;
  /** For the whole window so far, earlier calls of a continued audit included. */
  readonly totals: AuditTotals;
  /** What this call alone added (what a scheduled audit publishes, so a continued audit counts once). */
  readonly thisCall: ReturnType<typeof countsAdded>;
}

export async function auditWindow(deps: AuditDependencies, request: AuditRequest): Promise<AuditReport> {
  const { job, fromMs, toMs } = request;
  const resumed = request.cursor ? decodeCursor(request.cursor, { job, fromMs, toMs }) : undefined;
  const before = resumed?.totals ?? emptyTotals();
  const totals: AuditTotals = structuredClone(before);
  let throughMs = resumed?.resumeFromMs ?? fromMs;
  const lastMs = toMs - 1; // the pager's windows are inclusive
  const stored = new StoredWindow(deps.documentClient, deps.recordsTable, job, throughMs, lastMs, totals);

  const compare = async (records: Page['records'], spanEndMs: number, readAtMs: number) => {
    const held = await stored.takeThrough(spanEndMs);
    for (const record of held) countInHour(totals, 'table', record.sourceTimestampMs);
    totals.tableRecords += held.length;
    for (const record of records) countInHour(totals, 'source', record.sourceTimestampMs);
    totals.compared += records.length;
    const suspects = comparePage(records, held);
    const found = await confirmDifferences(deps.documentClient, deps.recordsTable, job, suspects, totals);
    tally(totals, found);
    if (request.onDifferences && hasAny(found)) {
      const handled = await request.onDifferences(found, { readAtMs });
      totals.repaired += handled.repaired;
      totals.pruned += handled.pruned;
    }
  };

  let complete = true;
  if (throughMs <= lastMs) {
    const read = await deps.openSource(request.deadlineMs);
    const pages = paginate(countingReads(read, totals), {
      startMs: throughMs,
      endMs: lastMs,
      pageSize: deps.pageSize,
      nowMs: () => deps.clock.nowMs(),
    });
    try {
      for await (const page of pages) {
        await compare(page.records, page.position.timestampMs, page.readAtMs);
        throughMs = page.position.timestampMs + 1;
        request.onProgress?.({ fromMs, toMs, throughMs, totals });
        if (deps.clock.nowMs() >= request.deadlineMs && throughMs <= lastMs) {
          complete = false;
          break;
        }
      }
    } catch (error) {
      // The client refused a request that could not end before the deadline: stopped, not failed.
      if (!(error instanceof DeadlineExceededError) || error.endpointFailed) throw error;
      complete = false;
    }
    if (complete) {
      // The source holds nothing after its last page: whatever the table holds there is extra.
      await compare([], lastMs, deps.clock.nowMs());
      throughMs = toMs;
    }
  }
  request.onProgress?.({ fromMs, toMs, throughMs, totals });
  return {
    job,
    fromMs,
    toMs,
    complete,
    ...(complete ? {} : { cursor: encodeCursor({ job, fromMs, toMs, resumeFromMs: throughMs, totals }) }),
    auditedUpToMs: throughMs,
    totals,
    thisCall: countsAdded(before, totals),
  };
}

function tally(totals: AuditTotals, found: PageDifferences): void {
  totals.missing += found.missing.length;
  totals.stale += found.stale.length;
  totals.extra += found.extra.length;
  for (const record of found.missing) sample(totals.samples.missing, record.key);
  for (const { record } of found.stale) sample(totals.samples.stale, record.key);
  for (const record of found.extra as IndexedRecord[]) sample(totals.samples.extra, record.key);
}

const hasAny = (found: PageDifferences) => found.missing.length + found.stale.length + found.extra.length > 0;

/** The reader, counting its requests on the totals. */
function countingReads(read: RecordReader, totals: AuditTotals): RecordReader {
  return (query) => {
    totals.sourceRequests++;
    return read(query);
  };
}
