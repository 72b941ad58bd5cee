// The options of the simulated stream (data shape, back end, generation, growth) and the parsed
// inputs of a stream query: the vocabulary shared by the store and the simulator's API.
import type { BackendOptions, BackendProfileName } from './backend-profile.js';
import type { QueryFilter } from './query-filter.js';

export interface DataShapeOptions {
  /** Fraction of generated timestamps shared by several entries. @default 0.25 */
  readonly sameTimestampFraction?: number;
  /** Largest number of generated entries sharing one timestamp. @default 20 */
  readonly maxEntriesPerTimestamp?: number;
  /** Characters of filler per entry (the `payload` field). @default 0 */
  readonly payloadBytes?: number;
  /** Source names the entries come from; crowds larger than this list get `Sensor-NNNN` names too
   *  (source-pool.ts). @default four machine names */
  readonly sources?: readonly string[];
}

export interface StreamStoreOptions extends DataShapeOptions {
  /** How the server bounds, orders, caps and keys the stream (backend-profile.ts). @default 'postgres' */
  readonly backend?: BackendOptions | BackendProfileName;
}

export interface GenerateOptions {
  /** @default server now − 1 h */
  readonly fromMs?: number;
  /** @default server now */
  readonly toMs?: number;
  /** Give every generated entry this one timestamp (the worst case for keyset pagination). */
  readonly atMs?: number;
  readonly sameTimestampFraction?: number;
  readonly maxEntriesPerTimestamp?: number;
  /** Only this source. One source has one entry per timestamp, so each entry then gets a timestamp
   *  of its own that the source has no entry at yet (with `atMs`, count must be 1). */
  readonly source?: string;
}

export interface GrowthOptions {
  /** New entries arriving per second (spread over ticks). */
  readonly entriesPerSecond: number;
  /** Fraction of arrivals that are late, i.e. timestamped in the past. @default 0.1 */
  readonly lateFraction?: number;
  /** How far in the past a late arrival can be timestamped. @default 60_000 */
  readonly maxLatenessMs?: number;
  /** Fraction of late arrivals that reuse the timestamp of an entry already there. @default the data option */
  readonly sameTimestampFraction?: number;
  /** Fraction of those timestamp-reusing arrivals that also reuse that entry's source: a Thing
   *  re-sending a reading, which the server applies as an update in place (an upsert). The others
   *  take a source not yet on the timestamp. @default 0.02 */
  readonly upsertFraction?: number;
  /** @default 50 */
  readonly tickMs?: number;
}

/** The inputs of QueryStreamEntriesWithData after parsing. */
export interface StreamQuery {
  readonly startMs?: number;
  readonly endMs?: number;
  readonly maxItems: number;
  readonly oldestFirst: boolean;
  readonly source?: string;
  readonly filter?: QueryFilter;
}
