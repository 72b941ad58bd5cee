// One entry of the simulated stream: its fields, the ground-truth bookkeeping never served, the
// stream's total order, and the seeded content of a generated entry.
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
  /** Server time the entry (this version of it) became visible to queries: ground truth for lateness, never served. */
  readonly arrivedAtMs: number;
  /**
   * Server time this entry last replaced a stored entry with the same (timestamp, source) (an
   * upsert); absent if it never did. Ground truth, never served.
   */
  readonly replacedAtMs?: number;
  /**
   * The id of the entry this one replaced, when the upsert gave it a different id
   * (upsertKeepsId: false); absent otherwise. Ground truth, never served.
   */
  readonly replacedId?: string;
}

/** The fields only the simulator knows: a query answer never carries them. */
export type GroundTruthField = 'arrivedAtMs' | 'replacedAtMs' | 'replacedId';
export const GROUND_TRUTH_FIELDS: ReadonlySet<string> = new Set<GroundTruthField>([
  'arrivedAtMs',
  'replacedAtMs',
  'replacedId',
]);

/** An entry to append: only the timestamp is required, the rest is generated from the seed. */
export type StreamEntryInput = { readonly timestamp: number } & Partial<
  Omit<StreamEntry, 'timestamp' | GroundTruthField>
>;

/** The served fields of an entry, less the key fields (id, timestamp, source) the store decides. */
export type EntryContent = Omit<StreamEntry, 'id' | 'timestamp' | 'source' | GroundTruthField>;

const STATUSES = ['OK', 'OK', 'OK', 'OK', 'WARN', 'ALARM'];

/** Total order of the stream: timestamp, then id by UTF-16 code units (not locale). */
export function compareEntries(
  a: Pick<StreamEntry, 'timestamp' | 'id'>,
  b: Pick<StreamEntry, 'timestamp' | 'id'>,
) {
  if (a.timestamp !== b.timestamp) return a.timestamp - b.timestamp;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Plausible readings of a machine; `sourceIndex` places it (each source has its own spot and line). */
export function makeEntryContent(prng: Prng, sourceIndex: number, payloadBytes: number): EntryContent {
  return {
    sourceType: 'Thing',
    location: {
      latitude: round(52.37 + sourceIndex * 0.01, 4),
      longitude: round(4.89 + sourceIndex * 0.01, 4),
      elevation: 2,
      units: 'WGS84',
    },
    tags: [{ vocabulary: 'Plant', vocabularyTerm: `Line${1 + (sourceIndex % 3)}` }],
    temperature: round(15 + prng.next() * 20, 2),
    pressure: round(950 + prng.next() * 100, 1),
    status: prng.pick(STATUSES),
    payload: filler(prng, payloadBytes),
  };
}

function filler(prng: Prng, length: number): string {
  let out = '';
  while (out.length < length) out += prng.uuid().replaceAll('-', '');
  return out.slice(0, length);
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
