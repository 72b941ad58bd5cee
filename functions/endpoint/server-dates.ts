// Tells a Date header a cache replayed from the Dates of a load-balanced pool whose clocks disagree.
// A server's Date has 1 s resolution, and two servers of a pool may be seconds apart (NTP within the
// skew tolerance), so a Date that is older than the previous one proves nothing. What only a cache
// produces is the *same* Date on answers made further apart in our time than any two servers of the
// pool could make them: two genuine answers carrying Date D were made within one second of D on their
// servers' clocks, so they were made at most 1 s + (the pool's offset spread) apart on ours.
//
// The spread is measured from the answers themselves: each fresh answer (the first to carry its Date)
// bounds its server's offset (server − ours) to [D − receivedAt, D + 1 s − sentAt]; the pool spans at
// most the union of those bounds. Replayed answers carry a Date already seen, so they never widen it.
// An offset the client has not seen yet (a pool node that has not answered) can still look like a
// replay: that is why the caller retries once before it fails.

/** One answer's Date and our clock around the request that got it. */
export interface DatedAnswer {
  /** The Date header as epoch ms (whole seconds). */
  readonly dateMs: number;
  /** Our clock when the request was sent. */
  readonly sentAtMs: number;
  /** Our clock when the answer had arrived. */
  readonly receivedAtMs: number;
}

/** Why an answer's Date is a replay: facts for the evidence, in our clock's milliseconds. */
export interface DateReplay {
  /** The replayed Date, as the server (or cache) wrote it. */
  readonly date: string;
  /** From the arrival of the first answer with this Date to the sending of this request. */
  readonly apartMs: number;
  /** How far apart in our time two genuine answers with one Date could be made: 1 s + the pool's spread. */
  readonly genuineLimitMs: number;
}

/** An HTTP Date counts whole seconds: one Date covers a second of the server's clock. */
const DATE_RESOLUTION_MS = 1_000;
/**
 * Dates remembered per client: a sync run lasting the Lambda maximum (900 s) against a pool of four
 * makes at most 3,600 distinct Dates; the oldest are forgotten first.
 */
const MAX_REMEMBERED_DATES = 4_096;

export class ServerDates {
  /** Per Date (epoch ms), when the first answer carrying it arrived. */
  private readonly firstArrivalMs = new Map<number, number>();
  /** The union of the offset bounds of fresh answers: where every server seen so far must lie. */
  private lowestOffsetMs = Number.POSITIVE_INFINITY;
  private highestOffsetMs = Number.NEGATIVE_INFINITY;

  /** The span of server offsets the pool may have, as measured so far (0 before any answer). */
  get poolSpreadMs(): number {
    return Number.isFinite(this.lowestOffsetMs) ? this.highestOffsetMs - this.lowestOffsetMs : 0;
  }

  /** Undefined unless `answer` repeats an earlier Date further apart than genuine servers could. */
  replayOf(answer: DatedAnswer): DateReplay | undefined {
    const firstArrivalMs = this.firstArrivalMs.get(answer.dateMs);
    if (firstArrivalMs === undefined) return undefined;
    const apartMs = answer.sentAtMs - firstArrivalMs;
    const genuineLimitMs = DATE_RESOLUTION_MS + this.poolSpreadMs;
    if (apartMs <= genuineLimitMs) return undefined;
    return { date: new Date(answer.dateMs).toUTCString(), apartMs, genuineLimitMs };
  }

  /** Records an answer not suspected of coming from a cache; only the first with its Date counts. */
  remember(answer: DatedAnswer): void {
    if (this.firstArrivalMs.has(answer.dateMs)) return;
    if (this.firstArrivalMs.size >= MAX_REMEMBERED_DATES) {
      const oldest = this.firstArrivalMs.keys().next().value;
      if (oldest !== undefined) this.firstArrivalMs.delete(oldest);
    }
    this.firstArrivalMs.set(answer.dateMs, answer.receivedAtMs);
    this.lowestOffsetMs = Math.min(this.lowestOffsetMs, answer.dateMs - answer.receivedAtMs);
    this.highestOffsetMs = Math.max(
      this.highestOffsetMs,
      answer.dateMs + DATE_RESOLUTION_MS - answer.sentAtMs,
    );
  }
}

/** The Date header as whole-second epoch ms, or undefined when absent or unreadable. */
export function dateHeaderMs(headers: Readonly<Record<string, string>>): number | undefined {
  const dateMs = Date.parse(headers.date ?? '');
  return Number.isNaN(dateMs) ? undefined : dateMs;
}
