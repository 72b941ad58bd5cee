// What an audit has counted so far, small and of fixed size per hour of window: it travels inside the
// cursor, so an audit continued by a later call reports the whole window, not just its last part.

/** Keys listed per kind of difference; the counts are exact, the lists only examples. */
export const SAMPLE_KEYS = 20;

const HOUR_MS = 3_600_000;

export interface HourCounts {
  /** Start of the hour (UTC), epoch ms. */
  readonly hourStartMs: number;
  source: number;
  table: number;
}

export interface AuditTotals {
  /** Source entries compared with the table. */
  compared: number;
  /** Records of the window the table holds. */
  tableRecords: number;
  missing: number;
  stale: number;
  extra: number;
  /** Records the repair wrote (missing or stale ones); 0 for an audit alone. */
  repaired: number;
  /** Extra records the repair deleted (prune only). */
  pruned: number;
  /** DynamoDB read requests on the records table (Query and BatchGetItem). */
  readRequests: number;
  /** Requests to the source. */
  sourceRequests: number;
  readonly samples: { missing: string[]; stale: string[]; extra: string[] };
  /** Per hour of source time, entries on each side; hours with none on either side are left out. */
  readonly hours: HourCounts[];
}

export function emptyTotals(): AuditTotals {
  return {
    compared: 0,
    tableRecords: 0,
    missing: 0,
    stale: 0,
    extra: 0,
    repaired: 0,
    pruned: 0,
    readRequests: 0,
    sourceRequests: 0,
    samples: { missing: [], stale: [], extra: [] },
    hours: [],
  };
}

/** Counts one entry in its hour; entries come roughly in time order, so the last hour is tried first. */
export function countInHour(totals: AuditTotals, side: 'source' | 'table', timestampMs: number): void {
  const hourStartMs = Math.floor(timestampMs / HOUR_MS) * HOUR_MS;
  let hour = totals.hours.at(-1);
  if (hour?.hourStartMs !== hourStartMs) {
    hour = totals.hours.find((h) => h.hourStartMs === hourStartMs);
    if (!hour) {
      hour = { hourStartMs, source: 0, table: 0 };
      totals.hours.push(hour);
      totals.hours.sort((a, b) => a.hourStartMs - b.hourStartMs);
    }
  }
  hour[side]++;
}

export function sample(list: string[], key: string): void {
  if (list.length < SAMPLE_KEYS) list.push(key);
}

/** `after` minus `before`, for the counts a single call of a continued audit adds (its metrics). */
export function countsAdded(before: AuditTotals, after: AuditTotals) {
  return {
    compared: after.compared - before.compared,
    missing: after.missing - before.missing,
    stale: after.stale - before.stale,
    extra: after.extra - before.extra,
    repaired: after.repaired - before.repaired,
    pruned: after.pruned - before.pruned,
  };
}
