// Asks the source for a time window and judges each answer by what this server has shown during the
// run, never by what a ThingWorx server is supposed to do: whether its date bounds are inclusive,
// the order its rows come in, and whether an answer shorter than maxItems can still have been cut.
//
// Why each rule (PTC documents servers that differ, see README "What syncwarden assumes about the server"):
// - Bounds: DSE persistence providers treat endDate as exclusive; other back ends, gateways or versions may
//   treat either bound either way. So every window is asked one millisecond wider at each end. An answer
//   holding a row on a widened bound proves that bound inclusive: the window is asked again exactly, and so
//   is every later one. An answer therefore only ever holds rows of its own window.
// - Order: rows are classified as they arrive (ascending, descending, unordered, or one timestamp only);
//   they are never sorted before that is known.
// - Cuts: a server or gateway may cap maxItems below what was asked. An answer with as many rows as
//   asked (or as the proven cap) is *full*: it may have been cut. A shorter answer is *complete* only when
//   the server has returned more rows than that in some answer of this run (a fixed cap would have cut
//   that one too); otherwise it is *unproven*, and `proveUncut` finds out with a few small requests.
import { SyncWardenError } from '../shared/errors.js';
import type { SourceRecord } from './records-store.js';

export interface WindowQuery {
  /** Bounds as sent to the server, epoch ms. */
  readonly startMs: number;
  readonly endMs: number;
  readonly maxItems: number;
}

/** Asks the server for one window, oldest first; returns the rows in the order they arrived. */
export type RecordReader = (query: WindowQuery) => Promise<SourceRecord[]>;

export type ArrivalOrder = 'ascending' | 'descending' | 'unordered' | 'one-timestamp';

export interface Answer {
  /** The window asked for (before widening), inclusive, epoch ms. */
  readonly startMs: number;
  readonly endMs: number;
  readonly maxItems: number;
  /** The rows, all inside [startMs, endMs], in arrival order. */
  readonly rows: readonly SourceRecord[];
  readonly order: ArrivalOrder;
  readonly readAtMs: number;
}

export type Verdict = 'full' | 'complete' | 'unproven';

/** What the server has shown during this run; recorded in the run ledger. */
export interface ObservedServer {
  readonly startBound: 'inclusive' | 'not shown inclusive';
  readonly endBound: 'inclusive' | 'not shown inclusive';
  readonly order: 'oldest first' | 'newest first' | 'unordered' | 'not seen';
  /** The most rows it returns per answer, once an answer was proven cut; else undefined. */
  readonly maxItemsCap: number | undefined;
  /** The most rows it returned in one answer. */
  readonly largestAnswer: number;
  readonly requests: number;
  /** Requests spent proving that a short answer was not cut. */
  readonly limitProbes: number;
  /**
   * Which end of its window a cut answer kept, as far as `keptNewest` has shown: 'newest rows' is a server
   * that takes the newest maxItems and sorts them oldest first (a custom service over the default
   * newest-first query), which no pager reading on from an answer's last row can page past.
   */
  readonly cutKeeps: 'oldest rows' | 'newest rows' | 'not seen';
}

/** The server answered in a way no pager can read without gaps; the reason names the behaviour. */
export class SourceBehaviourError extends SyncWardenError {
  constructor(
    reason: 'source-bounds-inconsistent' | 'source-group-exceeds-server-limit' | 'duplicate-record-key',
    message: string,
  ) {
    super(message, reason);
  }
}

/** Probe windows start here: the whole history up to a window's end holds at least as much as any part of it. */
const HISTORY_START_MS = 0;

export class SourceAnswers {
  private startInclusive = false;
  private endInclusive = false;
  private cap: number | undefined;
  private largest = 0;
  private requests = 0;
  private probes = 0;
  private seenOrder: ObservedServer['order'] = 'not seen';
  private seenCut: ObservedServer['cutKeeps'] = 'not seen';

  constructor(
    private readonly read: RecordReader,
    private readonly nowMs: () => number,
    /** End of the run's window: probes look this far for rows that prove a cut. */
    private readonly windowEndMs: number,
  ) {}

  /** Asks for the rows of [startMs, endMs] (inclusive), at most maxItems. */
  async fetch(startMs: number, endMs: number, maxItems: number): Promise<Answer> {
    const sentStartMs = this.startInclusive ? startMs : startMs - 1;
    const sentEndMs = this.endInclusive ? endMs : endMs + 1;
    this.requests++;
    const rows = await this.read({ startMs: sentStartMs, endMs: sentEndMs, maxItems });
    const readAtMs = this.nowMs();
    for (const row of rows) {
      if (row.sourceTimestampMs < sentStartMs || row.sourceTimestampMs > sentEndMs) {
        throw new SourceBehaviourError(
          'source-bounds-inconsistent',
          `Asked the source for entries from ${iso(sentStartMs)} to ${iso(sentEndMs)}; it answered with ` +
            `"${row.key}" at ${iso(row.sourceTimestampMs)}, outside that window: the server ignores startDate/endDate`,
        );
      }
    }
    this.startInclusive ||= rows.some((r) => r.sourceTimestampMs === sentStartMs);
    this.endInclusive ||= rows.some((r) => r.sourceTimestampMs === sentEndMs);
    if (rows.some((r) => r.sourceTimestampMs < startMs || r.sourceTimestampMs > endMs)) {
      // A row on a widened bound: that bound is inclusive (just learned above). Such rows may have taken
      // places rows inside the window needed, so the window is asked again, exactly. Every answer this
      // returns therefore holds only rows inside its window.
      return this.fetch(startMs, endMs, maxItems);
    }
    this.largest = Math.max(this.largest, rows.length);
    const order = arrivalOrder(rows);
    this.noteOrder(order);
    return { startMs, endMs, maxItems, rows, order, readAtMs };
  }

  /** full: it may have been cut; complete: it holds every row of its window; unproven: not known yet. */
  verdict(answer: Answer): Verdict {
    if (answer.rows.length >= this.limit(answer.maxItems)) return 'full';
    return this.largest > answer.rows.length ? 'complete' : 'unproven';
  }

  /** The verdict, with an unproven answer settled by `proveUncut`. */
  async settle(answer: Answer): Promise<Exclude<Verdict, 'unproven'>> {
    const verdict = this.verdict(answer);
    if (verdict !== 'unproven') return verdict;
    return (await this.proveUncut(answer)) ? 'complete' : 'full';
  }

  /**
   * Finds out whether an unproven answer of k rows was cut, by finding a window that holds more than k
   * rows and asking it for k + 1. First the whole history up to the run's window end: more than k rows
   * back proves the server returns them (so the answer was not cut); exactly k, with a row the answer
   * lacks or any row outside the answer's span, proves a cap of k. When the history shows nothing but the
   * answer's own rows, the span is checked without its last and without its first timestamp: each must
   * come back exactly as the answer had it. Only an answer of one timestamp that is all the history shows
   * stays undecided; it is taken as complete (README: what syncwarden assumes). Returns true when not cut.
   */
  async proveUncut(answer: Answer): Promise<boolean> {
    this.probes++;
    const k = answer.rows.length;
    const timestamps = answer.rows.map((r) => r.sourceTimestampMs);
    const firstMs = Math.min(...timestamps);
    const lastMs = Math.max(...timestamps);
    const endMs = Math.max(answer.endMs, this.windowEndMs);
    const history = await this.fetch(HISTORY_START_MS, endMs, k + 1);
    if (history.rows.length > k) return true;
    if (history.rows.length < k) throw vanished(answer, history);
    const known = new Set(answer.rows.map((r) => r.key));
    const holdsAny = async (fromMs: number, toMs: number) =>
      fromMs <= toMs && (await this.fetch(fromMs, toMs, 1)).rows.length > 0;
    if (
      history.rows.some((r) => !known.has(r.key)) ||
      (await holdsAny(HISTORY_START_MS, firstMs - 1)) ||
      (await holdsAny(lastMs + 1, endMs))
    ) {
      return this.provenCut(answer);
    }
    if (firstMs === lastMs) return true;
    for (const [fromMs, toMs] of [
      [firstMs, lastMs - 1],
      [firstMs + 1, lastMs],
    ] as const) {
      const expected = timestamps.filter((ms) => ms >= fromMs && ms <= toMs).length;
      const part = await this.fetch(fromMs, toMs, k + 1);
      if (part.rows.length > expected) return this.provenCut(answer);
      if (part.rows.length < expected) throw vanished(answer, part);
    }
    return true;
  }

  /**
   * An unproven answer whose window has since shown more rows than it returned: asks that window once
   * more for one row more, which either shows the server returns more (entries arrived meanwhile) or
   * proves the cap.
   */
  async checkCut(answer: Answer): Promise<void> {
    this.probes++;
    const again = await this.fetch(answer.startMs, answer.endMs, answer.rows.length + 1);
    if (again.rows.length <= answer.rows.length) this.provenCut(answer);
  }

  /**
   * Whether an answer that may have been cut kept the newest rows of its window rather than the oldest.
   * An oldest-first cut holds every row up to and including its first timestamp; a newest-keeping one
   * lacks the rows before it, and may have cut its first group short. So the window up to the answer's
   * first timestamp is asked for one row more than the answer holds there: more rows back show the cut.
   * An answer of one timestamp shows no first group apart from its last (the pager reads that whole), so
   * only rows before it are asked for. (Rows that arrived between the two requests read as such a cut
   * too, which costs bounded windows, never a row.) The pager asks this only until an answer shows the
   * newest-keeping cut: from then on it reads bounded windows, which never ask it again.
   */
  async keptNewest(answer: Answer): Promise<boolean> {
    const timestamps = answer.rows.map((r) => r.sourceTimestampMs);
    const firstMs = Math.min(...timestamps);
    const oneTimestamp = firstMs === Math.max(...timestamps);
    if (oneTimestamp && firstMs <= answer.startMs) return false;
    this.probes++;
    const atFirst = timestamps.filter((ms) => ms === firstMs).length;
    const older = oneTimestamp
      ? await this.fetch(answer.startMs, firstMs - 1, 1)
      : await this.fetch(answer.startMs, firstMs, atFirst + 1);
    this.seenCut = older.rows.length > (oneTimestamp ? 0 : atFirst) ? 'newest rows' : 'oldest rows';
    return this.seenCut === 'newest rows';
  }

  /** True once an answer was shown to have kept the newest rows of a window it could not hold. */
  get cutsKeepNewest(): boolean {
    return this.seenCut === 'newest rows';
  }

  /** The proven cap, if an answer was proven cut. */
  get maxItemsCap(): number | undefined {
    return this.cap;
  }

  observed(): ObservedServer {
    return {
      startBound: this.startInclusive ? 'inclusive' : 'not shown inclusive',
      endBound: this.endInclusive ? 'inclusive' : 'not shown inclusive',
      order: this.seenOrder,
      maxItemsCap: this.cap,
      largestAnswer: this.largest,
      requests: this.requests,
      limitProbes: this.probes,
      cutKeeps: this.seenCut,
    };
  }

  /** The answer's window holds more rows than it returned: the server cuts answers at that many. */
  private provenCut(answer: Answer): false {
    this.cap = Math.min(this.cap ?? Number.POSITIVE_INFINITY, answer.rows.length);
    return false;
  }

  private limit(maxItems: number): number {
    return this.cap === undefined ? maxItems : Math.min(maxItems, this.cap);
  }

  private noteOrder(order: ArrivalOrder): void {
    if (order === 'one-timestamp') return;
    const seen = { ascending: 'oldest first', descending: 'newest first', unordered: 'unordered' } as const;
    const now = seen[order];
    // Once two answers disagree, the server has no order the pager can rely on.
    this.seenOrder = this.seenOrder === 'not seen' || this.seenOrder === now ? now : 'unordered';
  }
}

/** The order of the rows' timestamps as they arrived (keys within one timestamp may come in any order). */
export function arrivalOrder(rows: readonly SourceRecord[]): ArrivalOrder {
  let rising = false;
  let falling = false;
  for (let i = 1; i < rows.length; i++) {
    const step =
      (rows[i] as SourceRecord).sourceTimestampMs - (rows[i - 1] as SourceRecord).sourceTimestampMs;
    if (step > 0) rising = true;
    else if (step < 0) falling = true;
  }
  if (rising && falling) return 'unordered';
  if (rising) return 'ascending';
  return falling ? 'descending' : 'one-timestamp';
}

function vanished(answer: Answer, wider: Answer): SourceBehaviourError {
  return new SourceBehaviourError(
    'source-bounds-inconsistent',
    `The source returned ${answer.rows.length} entries from ${iso(answer.startMs)} to ${iso(answer.endMs)} but ` +
      `${wider.rows.length} for the window from ${iso(wider.startMs)} to ${iso(wider.endMs)}, which holds them: ` +
      'entries vanished between two requests, or the server applies its bounds inconsistently',
  );
}

export const iso = (ms: number) => new Date(ms).toISOString();
