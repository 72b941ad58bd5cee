// The simulated ThingWorx Stream: seeded entries kept in (timestamp, id) order and keyed by
// (timestamp, source), upserts, growth with late arrivals, and the QueryStreamEntriesWithData
// selection rules of the configured back-end profile (backend-profile.ts).
import type { Clock } from '../../../functions/shared/clock.js';
import {
  type BackendBehaviour,
  type BackendOptions,
  type BackendProfileName,
  resolveBackend,
} from './backend-profile.js';
import type { Prng } from './prng.js';
import { matchesFilter } from './query-filter.js';
import { SourcePool } from './source-pool.js';
import {
  compareEntries,
  type EntryContent,
  GROUND_TRUTH_FIELDS,
  makeEntryContent,
  type StreamEntry,
  type StreamEntryInput,
} from './stream-entry.js';
import type {
  DataShapeOptions,
  GenerateOptions,
  GrowthOptions,
  StreamQuery,
  StreamStoreOptions,
} from './stream-options.js';

export type { QueryFilter } from './query-filter.js';
export { parseQueryFilter, toEpochMs } from './query-filter.js';
export type { StreamEntry, StreamEntryInput, StreamLocation, StreamTag } from './stream-entry.js';
export { compareEntries } from './stream-entry.js';
export type {
  DataShapeOptions,
  GenerateOptions,
  GrowthOptions,
  StreamQuery,
  StreamStoreOptions,
} from './stream-options.js';

/** An entry about to be stored: its key, an id if the caller chose one, and the fields given. */
interface Draft {
  readonly timestamp: number;
  readonly source: string;
  readonly id?: string;
  readonly given?: Partial<EntryContent>;
  /** The caller picked the source as one not on the timestamp: no stored entry to look for. */
  readonly freeKey?: boolean;
}

/** Tries at drawing a timestamp a fixed source has no entry at, before generate gives up. */
const FREE_TIMESTAMP_TRIES = 1_000;

export class StreamStore {
  /** Ascending by (timestamp, id). */
  private readonly entries: StreamEntry[] = [];
  private readonly ids = new Set<string>();
  private growthTimer: NodeJS.Timeout | undefined;
  private readonly data: Required<Omit<DataShapeOptions, 'sources'>>;
  private readonly sources: SourcePool;
  private behaviour: BackendBehaviour;

  constructor(
    private readonly clock: Clock,
    private readonly prng: Prng,
    options: StreamStoreOptions = {},
  ) {
    this.data = {
      sameTimestampFraction: fraction(options.sameTimestampFraction ?? 0.25, 'sameTimestampFraction'),
      maxEntriesPerTimestamp: Math.max(1, Math.floor(options.maxEntriesPerTimestamp ?? 20)),
      payloadBytes: Math.max(0, Math.floor(options.payloadBytes ?? 0)),
    };
    this.sources = new SourcePool(options.sources);
    this.behaviour = resolveBackend(options.backend);
  }

  backend(): BackendBehaviour {
    return this.behaviour;
  }

  /** Replaces the whole behaviour (a field not given takes its default, not its previous value), as a
   *  server upgrade does; stored entries stay as they are, duplicates of a key included. */
  setBackend(options: BackendOptions | BackendProfileName): void {
    this.behaviour = resolveBackend(options);
  }

  size(): number {
    return this.entries.length;
  }

  /** Ground truth, ascending by (timestamp, id): the current content only, replaced entries gone. */
  all(): StreamEntry[] {
    return [...this.entries];
  }

  clear(): void {
    this.entries.length = 0;
    this.ids.clear();
  }

  /**
   * Stores each input and returns it as stored (one per input). Under upsert an input whose
   * (timestamp, source) is stored replaces that entry; an input without a source gets one not yet
   * on its timestamp, so it never replaces anything by accident.
   */
  append(inputs: StreamEntryInput | readonly StreamEntryInput[]): StreamEntry[] {
    const list = Array.isArray(inputs)
      ? (inputs as readonly StreamEntryInput[])
      : [inputs as StreamEntryInput];
    const arrivedAtMs = Math.floor(this.clock.nowMs());
    return list.map((input) => {
      if (!Number.isFinite(input.timestamp)) throw new RangeError('a stream entry needs a finite timestamp');
      const { timestamp: _raw, id, source, ...rest } = input;
      const timestamp = Math.floor(input.timestamp);
      const given = Object.fromEntries(
        Object.entries(rest).filter(([name, value]) => value !== undefined && !GROUND_TRUTH_FIELDS.has(name)),
      );
      return this.put(
        {
          timestamp,
          source: source ?? this.sources.pickFree(this.sourcesAt(timestamp), this.prng),
          ...(id === undefined ? {} : { id }),
          given,
          freeKey: source === undefined,
        },
        arrivedAtMs,
      );
    });
  }

  /** Seeded entries; no two of one timestamp share a source (see DataShapeOptions.sources). */
  generate(count: number, options: GenerateOptions = {}): StreamEntry[] {
    const nowMs = Math.floor(this.clock.nowMs());
    const toMs = Math.floor(options.toMs ?? nowMs);
    const fromMs = Math.floor(options.fromMs ?? toMs - 3_600_000);
    if (fromMs > toMs) throw new RangeError('generate: fromMs is after toMs');
    const shared = fraction(
      options.sameTimestampFraction ?? this.data.sameTimestampFraction,
      'sameTimestampFraction',
    );
    const maxPerTimestamp = Math.max(
      1,
      Math.floor(options.maxEntriesPerTimestamp ?? this.data.maxEntriesPerTimestamp),
    );
    const fixedSource = options.source;
    const atMs = options.atMs === undefined ? undefined : Math.floor(options.atMs);
    // Sources on each timestamp touched so far; only this call stores while it runs, so they stay true.
    const takenAt = new Map<number, Set<string>>();
    const taken = (timestamp: number): Set<string> => {
      const known = takenAt.get(timestamp);
      if (known) return known;
      const sources = this.sourcesAt(timestamp);
      takenAt.set(timestamp, sources);
      return sources;
    };
    if (fixedSource !== undefined && atMs !== undefined && count > 0) {
      if (count > 1 || taken(atMs).has(fixedSource)) {
        throw new RangeError(`generate: ${fixedSource} can have only one entry at ${atMs}`);
      }
    }
    const made: StreamEntry[] = [];
    while (made.length < count) {
      const timestamp =
        fixedSource === undefined
          ? (atMs ?? this.prng.int(fromMs, toMs))
          : (atMs ?? this.freeTimestampOf(fixedSource, fromMs, toMs, taken));
      const clusterSize =
        fixedSource === undefined && maxPerTimestamp > 1 && this.prng.chance(shared)
          ? this.prng.int(2, maxPerTimestamp)
          : 1;
      const sources = taken(timestamp);
      for (let i = 0; i < clusterSize && made.length < count; i++) {
        const source = fixedSource ?? this.sources.pickFree(sources, this.prng);
        sources.add(source);
        made.push(this.put({ timestamp, source, freeKey: true }, nowMs));
      }
    }
    return made;
  }

  startGrowth(options: GrowthOptions): void {
    this.stopGrowth();
    const entriesPerSecond = options.entriesPerSecond;
    if (!(entriesPerSecond >= 0) || !Number.isFinite(entriesPerSecond)) {
      throw new RangeError('entriesPerSecond must be a finite number >= 0');
    }
    const lateFraction = fraction(options.lateFraction ?? 0.1, 'lateFraction');
    const reuseFraction = fraction(
      options.sameTimestampFraction ?? this.data.sameTimestampFraction,
      'sameTimestampFraction',
    );
    const upsertFraction = fraction(options.upsertFraction ?? 0.02, 'upsertFraction');
    const maxLatenessMs = Math.max(1, Math.floor(options.maxLatenessMs ?? 60_000));
    const tickMs = Math.max(5, Math.floor(options.tickMs ?? 50));
    let lastTickMs = Date.now();
    let due = 0;
    this.growthTimer = setInterval(() => {
      const tickAtMs = Date.now();
      due += (entriesPerSecond * (tickAtMs - lastTickMs)) / 1000;
      lastTickMs = tickAtMs;
      const arriving = Math.floor(due);
      due -= arriving;
      const nowMs = Math.floor(this.clock.nowMs());
      for (let i = 0; i < arriving; i++) {
        const slot = this.prng.chance(lateFraction)
          ? this.lateSlot(nowMs, maxLatenessMs, reuseFraction, upsertFraction)
          : { timestamp: nowMs };
        const source = slot.source ?? this.sources.pickFree(this.sourcesAt(slot.timestamp), this.prng);
        this.put({ timestamp: slot.timestamp, source, freeKey: slot.source === undefined }, nowMs);
      }
    }, tickMs);
    this.growthTimer.unref();
  }

  stopGrowth(): void {
    if (this.growthTimer) clearInterval(this.growthTimer);
    this.growthTimer = undefined;
  }

  isGrowing(): boolean {
    return this.growthTimer !== undefined;
  }

  /**
   * Entries between startMs and endMs (each end inclusive unless the back end makes it exclusive; a
   * missing end is open), of the source if given, matching the filter; then ordered by (timestamp, id)
   * ascending when oldestFirst (and the back end honours it), else the exact reverse; then the first
   * min(maxItems, maxItemsCap) of that order (with cutKeepsNewest, of the reverse order, then turned back).
   * Answers never carry the replacement bookkeeping.
   */
  query(query: StreamQuery): StreamEntry[] {
    const backend = this.behaviour;
    const limit =
      backend.maxItemsCap === undefined ? query.maxItems : Math.min(query.maxItems, backend.maxItemsCap);
    const oldestFirst = query.oldestFirst && !backend.ignoreOldestFirst;
    const lo =
      query.startMs === undefined
        ? 0
        : backend.startExclusive
          ? this.upperBound(query.startMs)
          : this.lowerBound(query.startMs);
    const hi =
      query.endMs === undefined
        ? this.entries.length
        : backend.endExclusive
          ? this.lowerBound(query.endMs)
          : this.upperBound(query.endMs);
    const matches = (entry: StreamEntry) =>
      (query.source === undefined || entry.source === query.source) &&
      (query.filter === undefined || matchesFilter(entry, query.filter));
    const picked: StreamEntry[] = [];
    if (limit <= 0) return picked;
    // Which end the cut keeps: the start of the order asked, unless the back end cuts from the newest.
    const fromOldest = oldestFirst && !backend.cutKeepsNewest;
    const step = fromOldest ? 1 : -1;
    for (let i = fromOldest ? lo : hi - 1; i >= lo && i < hi; i += step) {
      const entry = this.entries[i] as StreamEntry;
      if (!matches(entry)) continue;
      picked.push(entry);
      if (picked.length >= limit) break;
    }
    return fromOldest === oldestFirst ? picked : picked.reverse();
  }

  /**
   * Stores one entry: new, or under upsert in place of the first stored entry with its (timestamp,
   * source). The replacement takes the stored id when upsertKeepsId, else the draft's id or a fresh
   * one (and moves to that id's place in the order); it arrives now, with content from the draft.
   */
  private put(draft: Draft, arrivedAtMs: number): StreamEntry {
    const { timestamp, source } = draft;
    const replaced = this.behaviour.upsert && !draft.freeKey ? this.find(timestamp, source) : undefined;
    const id = replaced && this.behaviour.upsertKeepsId ? replaced.id : (draft.id ?? this.freshId());
    if (id !== replaced?.id && this.ids.has(id)) throw new Error(`duplicate stream entry id ${id}`);
    const content = {
      ...makeEntryContent(this.prng, this.sources.positionOf(source), this.data.payloadBytes),
      ...draft.given,
    };
    const entry: StreamEntry = {
      id,
      timestamp,
      source,
      ...content,
      arrivedAtMs,
      ...(replaced ? { replacedAtMs: arrivedAtMs } : {}),
      ...(replaced && replaced.id !== id ? { replacedId: replaced.id } : {}),
    };
    if (replaced) this.remove(replaced);
    return this.insert(entry);
  }

  /** A late arrival's timestamp, and its source when it re-sends the reading of an entry already there. */
  private lateSlot(
    nowMs: number,
    maxLatenessMs: number,
    reuseFraction: number,
    upsertFraction: number,
  ): { timestamp: number; source?: string } {
    if (this.prng.chance(reuseFraction)) {
      const from = this.lowerBound(nowMs - maxLatenessMs);
      const to = this.lowerBound(nowMs);
      if (to > from) {
        const there = this.entries[this.prng.int(from, to - 1)] as StreamEntry;
        return this.prng.chance(upsertFraction)
          ? { timestamp: there.timestamp, source: there.source }
          : { timestamp: there.timestamp };
      }
    }
    return { timestamp: nowMs - this.prng.int(1, maxLatenessMs) };
  }

  private freeTimestampOf(
    source: string,
    fromMs: number,
    toMs: number,
    taken: (timestamp: number) => ReadonlySet<string>,
  ): number {
    for (let tries = 0; tries < FREE_TIMESTAMP_TRIES; tries++) {
      const timestamp = this.prng.int(fromMs, toMs);
      if (!taken(timestamp).has(source)) return timestamp;
    }
    throw new RangeError(`generate: ${source} has no free timestamp left between ${fromMs} and ${toMs}`);
  }

  /** The sources of the entries stored at one timestamp. */
  private sourcesAt(timestamp: number): Set<string> {
    const sources = new Set<string>();
    for (let i = this.lowerBound(timestamp); i < this.entries.length; i++) {
      const entry = this.entries[i] as StreamEntry;
      if (entry.timestamp !== timestamp) break;
      sources.add(entry.source);
    }
    return sources;
  }

  /** The first stored entry, in stream order, with this (timestamp, source). */
  private find(timestamp: number, source: string): StreamEntry | undefined {
    for (let i = this.lowerBound(timestamp); i < this.entries.length; i++) {
      const entry = this.entries[i] as StreamEntry;
      if (entry.timestamp !== timestamp) return undefined;
      if (entry.source === source) return entry;
    }
    return undefined;
  }

  private insert(entry: StreamEntry): StreamEntry {
    this.entries.splice(
      this.partitionPoint((e) => compareEntries(e, entry) < 0),
      0,
      entry,
    );
    this.ids.add(entry.id);
    return entry;
  }

  private remove(entry: StreamEntry): void {
    const index = this.partitionPoint((e) => compareEntries(e, entry) < 0);
    if (this.entries[index] !== entry) throw new Error(`stream entry ${entry.id} is not stored`);
    this.entries.splice(index, 1);
    this.ids.delete(entry.id);
  }

  /** First index whose timestamp >= ms. */
  private lowerBound(ms: number): number {
    return this.partitionPoint((e) => e.timestamp < ms);
  }

  /** First index whose timestamp > ms. */
  private upperBound(ms: number): number {
    return this.partitionPoint((e) => e.timestamp <= ms);
  }

  /** Binary search: the first index where `before` turns false (it must be true, then false, along the order). */
  private partitionPoint(before: (entry: StreamEntry) => boolean): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (before(this.entries[mid] as StreamEntry)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private freshId(): string {
    for (;;) {
      const id = this.prng.uuid();
      if (!this.ids.has(id)) return id;
    }
  }
}

function fraction(value: number, name: string): number {
  if (!(value >= 0 && value <= 1)) throw new RangeError(`${name} must be between 0 and 1, got ${value}`);
  return value;
}
