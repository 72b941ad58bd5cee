// The simulator's in-memory stream engine as a RecordReader for pager tests, with a cap on its queries.
// The engine answers synchronously, so a pager that loops never yields to timers: without the cap, a loop
// runs until the worker runs out of memory, past any test timeout. With it, a loop is a named failure.
import type { RecordReader, WindowQuery } from '../../functions/sync/paginate.js';
import { SYNC_DEFAULTS } from '../../functions/sync/sync-config.js';
import { sourceRecordsOf } from '../../infra/local/gap-check.js';
import type { StreamStore } from '../../infra/local/thingworx-simulator/stream.js';

/** Thrown by a capped reader asked more than its cap: the pager under test loops. */
export class PagerLoopError extends Error {
  constructor(maxQueries: number, last: WindowQuery) {
    super(`The pager sent more than ${maxQueries} queries (the last ${JSON.stringify(last)}): a loop`);
    this.name = 'PagerLoopError';
  }
}

/** Queries between two yields to the event loop, so timers (the test timeout among them) still fire. */
const YIELD_EVERY = 64;

export interface CappedReader {
  readonly read: RecordReader;
  /** Every query asked, in order. */
  readonly queries: WindowQuery[];
}

/** Reads `stream` oldest first, as the sync's reader asks ThingWorx; the (maxQueries + 1)-th query throws. */
export function cappedStreamReader(stream: StreamStore, maxQueries: number): CappedReader {
  const queries: WindowQuery[] = [];
  const read: RecordReader = async (query) => {
    queries.push(query);
    if (queries.length > maxQueries) throw new PagerLoopError(maxQueries, query);
    if (queries.length % YIELD_EVERY === 0) await new Promise((resolve) => setImmediate(resolve));
    return sourceRecordsOf(stream.query({ ...query, oldestFirst: true }), SYNC_DEFAULTS);
  };
  return { read, queries };
}
