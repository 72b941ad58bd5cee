// The pager tests' stream: the simulator's in-memory stream engine (no HTTP), asked exactly as the sync's
// reader asks ThingWorx, with a query cap so a pager that loops fails fast with a named error; and the
// checks every page must pass. Shared by paginate.test.ts and paginate-checks.test.ts.
import { expect } from 'vitest';
import type { Page, PageStream } from '../../functions/sync/paginate.js';
import { SYNC_DEFAULTS } from '../../functions/sync/sync-config.js';
import { compareWatermarks } from '../../functions/sync/watermark.js';
import { sourceRecordsOf } from '../../infra/local/gap-check.js';
import type { BackendOptions } from '../../infra/local/thingworx-simulator/backend-profile.js';
import { createPrng } from '../../infra/local/thingworx-simulator/prng.js';
import { StreamStore } from '../../infra/local/thingworx-simulator/stream.js';
import { cappedStreamReader } from './capped-reader.js';

export const NOW_MS = 1_800_000_000_000;
export const MAX_QUERIES = 2_000;

/** The simulator's stream engine, asked exactly as the sync's reader asks ThingWorx (oldest first). */
export function streamSource(backend: BackendOptions, seed = 3) {
  const stream = new StreamStore({ nowMs: () => NOW_MS }, createPrng(seed, 'stream'), { backend });
  const { read, queries } = cappedStreamReader(stream, MAX_QUERIES);
  /** The window's entries as the sync keys them: what the pages must hold, exactly. */
  const truth = (startMs: number, endMs: number) =>
    sourceRecordsOf(stream.all(), SYNC_DEFAULTS)
      .filter((r) => r.sourceTimestampMs >= startMs && r.sourceTimestampMs <= endMs)
      .map((r) => r.key)
      .sort();
  return { stream, read, queries, truth };
}

export async function collect(pages: PageStream | AsyncIterable<Page>): Promise<Page[]> {
  const all: Page[] = [];
  for await (const page of pages) all.push(page);
  return all;
}

/** Every page holds whole groups in position order, ends at its position, and pages move forward. */
export function expectWellFormed(pages: readonly Page[]) {
  let previous: Page | undefined;
  for (const page of pages) {
    const positions = page.records.map((r) => ({ timestampMs: r.sourceTimestampMs, key: r.key }));
    for (let i = 1; i < positions.length; i++) {
      expect(compareWatermarks(positions[i - 1] as never, positions[i] as never)).toBeLessThan(0);
    }
    expect(page.position).toEqual(positions.at(-1));
    if (previous) {
      expect(compareWatermarks(previous.position, page.position)).toBeLessThan(0);
      // a timestamp group is never split over two pages
      expect(page.records[0]?.sourceTimestampMs).toBeGreaterThan(previous.position.timestampMs);
    }
    previous = page;
  }
}

export const keysOf = (pages: readonly Page[]) => pages.flatMap((p) => p.records.map((r) => r.key));

export const PROFILES: [string, BackendOptions][] = [
  ['postgres', { profile: 'postgres' }],
  ['dse (exclusive end)', { profile: 'dse' }],
  ['postgres, startExclusive', { profile: 'postgres', startExclusive: true }],
  ['dse, startExclusive', { profile: 'dse', startExclusive: true }],
  ['postgres, ignoreOldestFirst', { profile: 'postgres', ignoreOldestFirst: true }],
  [
    'dse, startExclusive, ignoreOldestFirst',
    { profile: 'dse', startExclusive: true, ignoreOldestFirst: true },
  ],
  ['postgres, maxItemsCap 40 (below the page)', { profile: 'postgres', maxItemsCap: 40 }],
  ['dse, maxItemsCap 40', { profile: 'dse', maxItemsCap: 40 }],
  ['postgres, maxItemsCap 150 (above the page)', { profile: 'postgres', maxItemsCap: 150 }],
  [
    'postgres, ignoreOldestFirst, maxItemsCap 40',
    { profile: 'postgres', ignoreOldestFirst: true, maxItemsCap: 40 },
  ],
  ['postgres, cutKeepsNewest', { profile: 'postgres', cutKeepsNewest: true }],
  ['dse, cutKeepsNewest, maxItemsCap 40', { profile: 'dse', cutKeepsNewest: true, maxItemsCap: 40 }],
  [
    'dse, every switch',
    { profile: 'dse', startExclusive: true, ignoreOldestFirst: true, maxItemsCap: 40, upsertKeepsId: false },
  ],
];
