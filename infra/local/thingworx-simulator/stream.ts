// The simulated ThingWorx Stream: seeded entries kept in (timestamp, id) order, growth over time
// with late arrivals, and the QueryStreamEntriesWithData selection rules.
import type { Clock } from '../../../functions/shared/clock.js';
import type { Prng } from './prng.js';

export interface StreamLocation {
  readonly latitude: number;
  readonly longitude: number;
  readonly elevation: number;
  readonly units: string;
}

export interface StreamTag {
  readonly vocabulary: string;
  readonly vocabularyTerm: string;
}

export interface StreamEntry {
  /** Stable, unique; a UUID drawn from the seeded PRNG unless given. */
  readonly id: string;
  /** Epoch ms (whole milliseconds) on the server's clock. */
  readonly timestamp: number;
  readonly source: string;
  readonly sourceType: string;
  readonly location: StreamLocation;
  readonly tags: readonly StreamTag[];
  readonly temperature: number;
  readonly pressure: number;
  readonly status: string;
  /** Filler of `payloadBytes` characters, to make rows as heavy as wanted ('' by default). */
  readonly payload: string;
  /** Server time the entry became visible to queries: ground truth for lateness, never served. */
  readonly arrivedAtMs: number;
}

/** An entry to append: only the timestamp is required, the rest is generated from the seed. */
export type StreamEntryInput = { readonly timestamp: number } & Partial<
  Omit<StreamEntry, 'timestamp' | 'arrivedAtMs'>
>;

export interface DataShapeOptions {
  /** Fraction of generated timestamps shared by several entries. @default 0.25 */
  readonly sameTimestampFraction?: number;
  /** Largest number of generated entries sharing one timestamp. @default 20 */
  readonly maxEntriesPerTimestamp?: number;
  /** Characters of filler per entry (the `payload` field). @default 0 */
  readonly payloadBytes?: number;
  /** Source names the entries come from. @default four machine names */
  readonly sources?: readonly string[];
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
  /** Only this source. */
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

/**
 * The part of ThingWorx's `query` parameter the simulator understands: `{filters: F}` where F is
 * `{type: 'And'|'Or', filters: F[]}`, `{type: 'EQ'|'NE'|'GT'|'GE'|'LT'|'LE', fieldName, value}` or
 * `{type: 'Between'|'NotBetween', fieldName, from, to}` (types case-insensitive). Enough for keyset
 * pagination past a page full of one timestamp: `timestamp > t OR (timestamp = t AND id > lastId)`.
 */
export type QueryFilter =
  | { readonly type: 'AND' | 'OR'; readonly filters: readonly QueryFilter[] }
  | {
      readonly type: 'EQ' | 'NE' | 'GT' | 'GE' | 'LT' | 'LE';
      readonly fieldName: string;
      readonly value: unknown;
    }
  | {
      readonly type: 'BETWEEN' | 'NOTBETWEEN';
      readonly fieldName: string;
      readonly from: unknown;
      readonly to: unknown;
    };

const DEFAULT_SOURCES = ['Press-01', 'Press-02', 'Oven-A', 'Conveyor-7'];
const STATUSES = ['OK', 'OK', 'OK', 'OK', 'WARN', 'ALARM'];

/** Total order of the stream: timestamp, then id by UTF-16 code units (not locale). */
export function compareEntries(
  a: Pick<StreamEntry, 'timestamp' | 'id'>,
  b: Pick<StreamEntry, 'timestamp' | 'id'>,
) {
  if (a.timestamp !== b.timestamp) return a.timestamp - b.timestamp;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export class StreamStore {
  /** Ascending by (timestamp, id). */
  private readonly entries: StreamEntry[] = [];
  private readonly ids = new Set<string>();
  private growthTimer: NodeJS.Timeout | undefined;
  private readonly data: Required<DataShapeOptions>;

  constructor(
    private readonly clock: Clock,
    private readonly prng: Prng,
    options: DataShapeOptions = {},
  ) {
    this.data = {
      sameTimestampFraction: fraction(options.sameTimestampFraction ?? 0.25, 'sameTimestampFraction'),
      maxEntriesPerTimestamp: Math.max(1, Math.floor(options.maxEntriesPerTimestamp ?? 20)),
      payloadBytes: Math.max(0, Math.floor(options.payloadBytes ?? 0)),
      sources: options.sources && options.sources.length > 0 ? [...options.sources] : DEFAULT_SOURCES,
    };
  }

  size(): number {
    return this.entries.length;
  }

  /** Ground truth, ascending by (timestamp, id). */
  all(): StreamEntry[] {
    return [...this.entries];
  }

  clear(): void {
    this.entries.length = 0;
    this.ids.clear();
  }

  append(inputs: StreamEntryInput | readonly StreamEntryInput[]): StreamEntry[] {
    const list = Array.isArray(inputs)
      ? (inputs as readonly StreamEntryInput[])
      : [inputs as StreamEntryInput];
    const arrivedAtMs = Math.floor(this.clock.nowMs());
    return list.map((input) => {
      if (!Number.isFinite(input.timestamp)) throw new RangeError('a stream entry needs a finite timestamp');
      if (input.id !== undefined && this.ids.has(input.id))
        throw new Error(`duplicate stream entry id ${input.id}`);
      const given = Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined));
      const timestamp = Math.floor(input.timestamp);
      return this.insert({ ...this.made(timestamp, input.source), ...given, timestamp, arrivedAtMs });
    });
  }

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
    const made: StreamEntry[] = [];
    while (made.length < count) {
      const timestamp = options.atMs === undefined ? this.prng.int(fromMs, toMs) : Math.floor(options.atMs);
      const clusterSize =
        maxPerTimestamp > 1 && this.prng.chance(shared) ? this.prng.int(2, maxPerTimestamp) : 1;
      for (let i = 0; i < clusterSize && made.length < count; i++) {
        made.push(this.insert({ ...this.made(timestamp, options.source), arrivedAtMs: nowMs }));
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
        const timestamp = this.prng.chance(lateFraction)
          ? this.lateTimestamp(nowMs, maxLatenessMs, reuseFraction)
          : nowMs;
        this.insert({ ...this.made(timestamp), arrivedAtMs: nowMs });
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
   * Entries with startMs <= timestamp <= endMs (both ends inclusive; a missing end is open), of the
   * source if given, matching the filter; then ordered by (timestamp, id) ascending when oldestFirst,
   * else the exact reverse (newest first, larger id first among equal timestamps); then the first
   * maxItems of that order.
   */
  query(query: StreamQuery): StreamEntry[] {
    const lo = query.startMs === undefined ? 0 : this.lowerBound(query.startMs);
    const hi = query.endMs === undefined ? this.entries.length : this.upperBound(query.endMs);
    const matches = (entry: StreamEntry) =>
      (query.source === undefined || entry.source === query.source) &&
      (query.filter === undefined || matchesFilter(entry, query.filter));
    const picked: StreamEntry[] = [];
    if (query.maxItems <= 0) return picked;
    const step = query.oldestFirst ? 1 : -1;
    for (let i = query.oldestFirst ? lo : hi - 1; i >= lo && i < hi; i += step) {
      const entry = this.entries[i] as StreamEntry;
      if (!matches(entry)) continue;
      picked.push(entry);
      if (picked.length >= query.maxItems) break;
    }
    return picked;
  }

  private lateTimestamp(nowMs: number, maxLatenessMs: number, reuseFraction: number): number {
    if (this.prng.chance(reuseFraction)) {
      const from = this.lowerBound(nowMs - maxLatenessMs);
      const to = this.lowerBound(nowMs);
      if (to > from) return (this.entries[this.prng.int(from, to - 1)] as StreamEntry).timestamp;
    }
    return nowMs - this.prng.int(1, maxLatenessMs);
  }

  private made(timestamp: number, source?: string): Omit<StreamEntry, 'arrivedAtMs'> {
    const from = source ?? this.prng.pick(this.data.sources);
    const sourceIndex = Math.max(0, this.data.sources.indexOf(from));
    return {
      id: this.freshId(),
      timestamp,
      source: from,
      sourceType: 'Thing',
      location: {
        latitude: round(52.37 + sourceIndex * 0.01, 4),
        longitude: round(4.89 + sourceIndex * 0.01, 4),
        elevation: 2,
        units: 'WGS84',
      },
      tags: [{ vocabulary: 'Plant', vocabularyTerm: `Line${1 + (sourceIndex % 3)}` }],
      temperature: round(15 + this.prng.next() * 20, 2),
      pressure: round(950 + this.prng.next() * 100, 1),
      status: this.prng.pick(STATUSES),
      payload: this.filler(this.data.payloadBytes),
    };
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

  private filler(length: number): string {
    let out = '';
    while (out.length < length) out += this.prng.uuid().replaceAll('-', '');
    return out.slice(0, length);
  }
}

/** Parses ThingWorx's `query` parameter into a filter; throws on anything it does not support. */
export function parseQueryFilter(query: unknown): QueryFilter | undefined {
  if (query === undefined || query === null || query === '') return undefined;
  const parsed: unknown = typeof query === 'string' ? JSON.parse(query) : query;
  if (typeof parsed !== 'object' || parsed === null) throw new Error('query must be an object');
  const filters = (parsed as { filters?: unknown }).filters;
  return filters === undefined ? undefined : parseFilter(filters);
}

function parseFilter(raw: unknown): QueryFilter {
  if (typeof raw !== 'object' || raw === null) throw new Error('a query filter must be an object');
  const node = raw as Record<string, unknown>;
  const type = String(node.type ?? '').toUpperCase();
  switch (type) {
    case 'AND':
    case 'OR': {
      if (!Array.isArray(node.filters)) throw new Error(`${type} needs a filters array`);
      return { type, filters: node.filters.map(parseFilter) };
    }
    case 'EQ':
    case 'NE':
    case 'GT':
    case 'GE':
    case 'LT':
    case 'LE':
      return { type, fieldName: fieldNameOf(node), value: node.value };
    case 'BETWEEN':
    case 'NOTBETWEEN':
      return { type, fieldName: fieldNameOf(node), from: node.from, to: node.to };
    default:
      throw new Error(`unsupported query filter type ${JSON.stringify(node.type)}`);
  }
}

function fieldNameOf(node: Record<string, unknown>): string {
  if (typeof node.fieldName !== 'string') throw new Error('a query filter needs a fieldName');
  return node.fieldName;
}

function matchesFilter(entry: StreamEntry, filter: QueryFilter): boolean {
  switch (filter.type) {
    case 'AND':
      return filter.filters.every((f) => matchesFilter(entry, f));
    case 'OR':
      return filter.filters.some((f) => matchesFilter(entry, f));
    case 'BETWEEN':
    case 'NOTBETWEEN': {
      const inside =
        compareField(entry, filter.fieldName, filter.from) >= 0 &&
        compareField(entry, filter.fieldName, filter.to) <= 0;
      return filter.type === 'BETWEEN' ? inside : !inside;
    }
    default: {
      const order = compareField(entry, filter.fieldName, filter.value);
      if (Number.isNaN(order)) return filter.type === 'NE';
      return {
        EQ: order === 0,
        NE: order !== 0,
        GT: order > 0,
        GE: order >= 0,
        LT: order < 0,
        LE: order <= 0,
      }[filter.type];
    }
  }
}

/** Compares an entry's field with a filter value: numbers numerically (dates may be ISO strings), else as strings. */
function compareField(entry: StreamEntry, fieldName: string, value: unknown): number {
  const actual = (entry as unknown as Record<string, unknown>)[fieldName];
  if (typeof actual === 'number') {
    const wanted = fieldName === 'timestamp' ? toEpochMs(value) : Number(value);
    return wanted === undefined || Number.isNaN(wanted) ? Number.NaN : actual - wanted;
  }
  if (actual === undefined || actual === null || typeof actual === 'object') return Number.NaN;
  const a = String(actual);
  const b = String(value);
  return a < b ? -1 : a > b ? 1 : 0;
}

/** ThingWorx DATETIME inputs: epoch ms (number or digits) or an ISO-8601 string. */
export function toEpochMs(value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? Math.floor(value) : Number.NaN;
  if (typeof value === 'string') {
    if (/^-?\d+(\.\d+)?$/.test(value.trim())) return Math.floor(Number(value));
    return Date.parse(value);
  }
  return Number.NaN;
}

function fraction(value: number, name: string): number {
  if (!(value >= 0 && value <= 1)) throw new RangeError(`${name} must be between 0 and 1, got ${value}`);
  return value;
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
