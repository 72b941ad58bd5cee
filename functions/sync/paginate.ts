// Walks a time window of the source in pages that each hold only *complete* timestamp groups, so the
// position after each page is exact: every record at or before it has been yielded. Correct on every
// server syncwarden knows of without being told which one it talks to (see source-answers.ts for how
// each answer is judged):
//
// - Oldest first (the normal case): the source filters by date and cuts at maxItems, with no cursor
//   inside one timestamp. A page's last timestamp group may be cut short, so it is held back and re-read
//   by the next request, which must hold at least the rows held back. A page of one timestamp is re-read
//   for that timestamp alone with a growing maxItems until the whole group fits. An answer shorter than
//   asked is the end of the window only once it is *complete* (the server has returned more rows than that
//   before); otherwise its last group is re-read like a full page's, which confirms the end.
// - Newest first or unordered (a server or gateway that ignores oldestFirst): a cut answer then lacks the
//   oldest rows, which nothing can page past. The pager switches to bounded windows: it narrows the window
//   from its start until an answer is complete, yields it whole, and moves on.
// - Oldest first, but cut from the old end (a custom service that queries newest first, ThingWorx's default,
//   and sorts what it got): its rows look oldest first yet lack the oldest. An answer that may be cut is
//   therefore checked for rows it lacks up to its first timestamp (`keptNewest`); any switch the pager to
//   bounded windows. Later answers start on a held-back group, whose re-read proves they begin where they
//   were asked to, so the check costs one request per answer not anchored that way (two when a row sits
//   on the widened end of the check).
// - A group larger than the server's proven cap cannot be read by date at all: the run fails with
//   `source-group-exceeds-server-limit` rather than skip part of it.
import { SyncWardenError } from '../shared/errors.js';
import { canonicalJson } from './record-content.js';
import type { SourceRecord } from './records-store.js';
import {
  type Answer,
  iso,
  type ObservedServer,
  type RecordReader,
  SourceAnswers,
  SourceBehaviourError,
} from './source-answers.js';
import { compareWatermarks, type Watermark } from './watermark.js';

export type { RecordReader, WindowQuery } from './source-answers.js';

export interface Page {
  /** Complete timestamp groups, ordered by (timestamp, key). */
  readonly records: SourceRecord[];
  /** Position after this page: greatest (timestamp, key) of the complete groups read so far. */
  readonly position: Watermark;
  /** When the answer these records came from arrived: the version of their content. */
  readonly readAtMs: number;
}

export interface PaginateOptions {
  /** The window, inclusive, epoch ms. */
  readonly startMs: number;
  readonly endMs: number;
  readonly pageSize: number;
  /** Largest single-timestamp group to read in one request before giving up. @default 100_000 */
  readonly maxGroupSize?: number;
  /** @default Date.now */
  readonly nowMs?: () => number;
}

export interface PageStream extends AsyncIterable<Page> {
  /** What the server has shown so far (bounds, order, cap): for the run ledger and the log. */
  observed(): ObservedServer;
}

export class TimestampGroupTooLargeError extends SyncWardenError {
  constructor(timestampMs: number, limit: number) {
    super(
      `More than ${limit} source records share the timestamp ${iso(timestampMs)}; ` +
        'a date query cannot page inside one timestamp, so one request would have to hold them all, and the ' +
        'sync does not ask for more than this (a fixed limit); ask the source owner why so many entries share one millisecond',
      'timestamp-group-too-large',
    );
  }
}

/** Bounded windows aim at this share of a page, leaving room for bursts without a wasted request. */
const WINDOW_FILL_TARGET = 0.5;
/** A bounded window grows at most this much between two windows. */
const WINDOW_GROWTH_LIMIT = 8;

export function paginate(read: RecordReader, options: PaginateOptions): PageStream {
  const source = new SourceAnswers(read, options.nowMs ?? Date.now, options.endMs);
  const pages = new Pager(source, options);
  return {
    [Symbol.asyncIterator]: () => pages.oldestFirst(),
    observed: () => source.observed(),
  };
}

/** The rows of a timestamp held back from one answer, to be re-read whole by the next. */
interface HeldGroup {
  readonly timestampMs: number;
  readonly count: number;
  /** The answer they came from (judged again once the re-read shows more). */
  readonly from: Answer;
}

class Pager {
  private readonly maxGroupSize: number;

  constructor(
    private readonly source: SourceAnswers,
    private readonly options: PaginateOptions,
  ) {
    this.maxGroupSize = options.maxGroupSize ?? 100_000;
  }

  async *oldestFirst(): AsyncGenerator<Page> {
    const { endMs, pageSize } = this.options;
    let startMs = this.options.startMs;
    if (startMs > endMs) return;
    let held: HeldGroup | undefined;
    let nextRead: Promise<Answer> | undefined = this.source.fetch(startMs, endMs, pageSize);
    while (nextRead) {
      const answer = await nextRead;
      nextRead = undefined;
      if (held) await this.checkReRead(held, answer);
      if (answer.order === 'descending' || answer.order === 'unordered') {
        yield* this.boundedWindows(startMs, answer);
        return;
      }
      const last = answer.rows.at(-1);
      if (!last) return; // an empty answer: nothing was cut, the window is done
      const groupMs = last.sourceTimestampMs;
      const before = answer.rows.filter((r) => r.sourceTimestampMs < groupMs);
      const group = answer.rows.filter((r) => r.sourceTimestampMs === groupMs);
      // A short answer of several timestamps is confirmed by re-reading its last group (below); one of a
      // single timestamp has no group to hold back, so it is settled now.
      const verdict = before.length === 0 ? await this.source.settle(answer) : this.source.verdict(answer);
      if (verdict === 'complete') {
        yield page(answer.rows, answer.readAtMs);
        return;
      }
      if (!held && (await this.source.keptNewest(answer))) {
        // The answer lacks rows at or before its first timestamp: the server cut the window from its old
        // end (kept the newest rows) and only sorted them oldest first. Reading on from the last group
        // would skip them, so read bounded windows instead. (An answer that re-read a held-back group
        // starts where it was asked to: checkReRead proved it.)
        yield* this.boundedWindows(startMs, answer);
        return;
      }
      if (before.length > 0) {
        // Hold the last group back (it may be cut short) and re-read it from its start.
        held = { timestampMs: groupMs, count: group.length, from: answer };
        startMs = groupMs;
        nextRead = prefetch(this.source.fetch(startMs, endMs, pageSize));
        yield page(before, answer.readAtMs);
        continue;
      }
      // One timestamp fills the answer: read that timestamp alone until the whole group fits.
      const whole = await this.readWholeGroup(groupMs, group.length);
      held = undefined;
      startMs = groupMs + 1;
      if (startMs <= endMs) nextRead = prefetch(this.source.fetch(startMs, endMs, pageSize));
      yield page(whole.rows, whole.readAtMs);
    }
  }

  /**
   * The re-read of a held-back group must hold at least the rows held back. More rows there, or rows
   * after it, mean the earlier answer was cut if it was short and unproven (or that entries arrived
   * meanwhile): asking once more tells which, and a cut proves the server's cap.
   */
  private async checkReRead(held: HeldGroup, answer: Answer): Promise<void> {
    const atGroup = answer.rows.filter((r) => r.sourceTimestampMs === held.timestampMs).length;
    if (atGroup < held.count) {
      throw new SourceBehaviourError(
        'source-bounds-inconsistent',
        `Re-reading the ${held.count} entries at ${iso(held.timestampMs)} returned only ${atGroup}: the server ` +
          'excludes the start date it was asked from, or entries were deleted between two requests',
      );
    }
    const showsMore = atGroup > held.count || answer.rows.some((r) => r.sourceTimestampMs > held.timestampMs);
    if (showsMore && this.source.verdict(held.from) === 'unproven') await this.source.checkCut(held.from);
  }

  /** Every row of one timestamp, asking for more each time; fails when the server cannot return them all. */
  private async readWholeGroup(timestampMs: number, known: number): Promise<Answer> {
    for (let maxItems = this.options.pageSize * 2; ; maxItems *= 2) {
      const limit = Math.min(maxItems, this.maxGroupSize + 1);
      const answer = await this.source.fetch(timestampMs, timestampMs, limit);
      if (answer.rows.length < known) {
        throw new SourceBehaviourError(
          'source-bounds-inconsistent',
          `Asking for the entries at ${iso(timestampMs)} alone returned ${answer.rows.length}, fewer than the ` +
            `${known} a wider window returned there: the server applies its bounds inconsistently`,
        );
      }
      if ((await this.source.settle(answer)) === 'complete') return answer;
      // With a cap known, this answer holds at least that many rows (as the error says): it holds `known`
      // or more, and `known` is at least any cap proven before this loop (the answer that led here was
      // full, and caps are proven on answers shorter than a page); a cap proven by this answer is its length.
      const cap = this.source.maxItemsCap;
      if (cap !== undefined) throw groupExceedsCap(timestampMs, cap);
      if (limit > this.maxGroupSize) throw new TimestampGroupTooLargeError(timestampMs, this.maxGroupSize);
      known = answer.rows.length;
    }
  }

  /**
   * For a server whose answers are not oldest first: windows from `startMs` narrowed until an answer is
   * complete, each yielded whole (sorted: the set is complete, so its order no longer matters).
   */
  private async *boundedWindows(startMs: number, first: Answer): AsyncGenerator<Page> {
    const { endMs, pageSize } = this.options;
    let spanMs = endMs - startMs;
    let answer: Answer | undefined = first;
    while (startMs <= endMs) {
      spanMs = Math.min(spanMs, endMs - startMs); // a span past the end would ask the same window again
      const windowEndMs = startMs + spanMs;
      answer ??= await this.source.fetch(startMs, windowEndMs, pageSize);
      if ((await this.source.settle(answer)) === 'full') {
        if (windowEndMs === startMs) {
          const whole = await this.readWholeGroup(startMs, answer.rows.length);
          yield page(whole.rows, whole.readAtMs);
          startMs += 1;
          spanMs = 1;
        } else {
          spanMs = narrowedSpan(spanMs, startMs, answer, this.source.cutsKeepNewest);
        }
        answer = undefined;
        continue;
      }
      if (answer.rows.length > 0) yield page(answer.rows, answer.readAtMs);
      startMs = windowEndMs + 1;
      spanMs = widenedSpan(
        spanMs,
        answer.rows.length,
        Math.min(pageSize, this.source.maxItemsCap ?? pageSize),
      );
      answer = undefined;
    }
  }
}

/**
 * Half the span; for an answer that holds the newest rows of its window (newest first, or a server shown
 * to keep the newest when it cuts), also no further than just before its oldest row.
 */
function narrowedSpan(spanMs: number, startMs: number, answer: Answer, cutsKeepNewest: boolean): number {
  const half = Math.floor(spanMs / 2);
  const oldest = answer.rows.reduce((min, r) => Math.min(min, r.sourceTimestampMs), Number.POSITIVE_INFINITY);
  if ((answer.order !== 'descending' && !cutsKeepNewest) || !Number.isFinite(oldest)) return half;
  return Math.max(0, Math.min(half, oldest - 1 - startMs));
}

/** Aims the next window at WINDOW_FILL_TARGET of what one answer can hold, from how full this one was. */
function widenedSpan(spanMs: number, rows: number, answerRows: number): number {
  const width = spanMs + 1;
  const aimed = rows === 0 ? width * WINDOW_GROWTH_LIMIT : (width * answerRows * WINDOW_FILL_TARGET) / rows;
  return Math.max(0, Math.floor(Math.min(aimed, width * WINDOW_GROWTH_LIMIT)) - 1);
}

function groupExceedsCap(timestampMs: number, cap: number): SourceBehaviourError {
  return new SourceBehaviourError(
    'source-group-exceeds-server-limit',
    `The server returns at most ${cap} entries per request whatever maxItems asks, and at least that many ` +
      `share the timestamp ${iso(timestampMs)}: no date query can read them all. Raise the server's (or ` +
      "gateway's) limit on maxItems above the largest number of entries on one timestamp",
  );
}

/**
 * Starts the next read while the caller stores the current page, so the endpoint and DynamoDB work at
 * the same time. A failure surfaces when the read is awaited; one the caller abandons (it stopped at its
 * deadline) must not become an unhandled rejection.
 */
function prefetch(pending: Promise<Answer>): Promise<Answer> {
  pending.catch(() => undefined);
  return pending;
}

function page(rows: readonly SourceRecord[], readAtMs: number): Page {
  const records = distinctByKey(rows).sort((a, b) => compareWatermarks(positionOf(a), positionOf(b)));
  const last = records.at(-1) as SourceRecord;
  return { records, position: positionOf(last), readAtMs };
}

/**
 * One record per key. A page holds whole timestamp groups, so two entries the key cannot tell apart
 * are both in it: keeping one would silently lose the other. The same row twice is harmless.
 */
function distinctByKey(rows: readonly SourceRecord[]): SourceRecord[] {
  const byKey = new Map<string, SourceRecord>();
  for (const row of rows) {
    const seen = byKey.get(row.key);
    if (!seen) {
      byKey.set(row.key, row);
    } else if (canonicalJson(seen.data) !== canonicalJson(row.data)) {
      throw new SourceBehaviourError(
        'duplicate-record-key',
        `Two different source entries at ${iso(row.sourceTimestampMs)} share the record key "${row.key}": ` +
          'this server keeps entries with equal key fields side by side. Set KEY_FIELDS (sync.keyFields) to ' +
          'fields that identify one entry on it, e.g. id',
      );
    }
  }
  return [...byKey.values()];
}

function positionOf(record: SourceRecord): Watermark {
  return { timestampMs: record.sourceTimestampMs, key: record.key };
}
