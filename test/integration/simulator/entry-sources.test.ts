// Generated entries never share a (timestamp, source) by accident, since an upserting server would
// merge them: clusters and crowds get distinct sources, synthesized past the configured ones.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type StreamEntry,
  startThingWorxSimulator,
  type ThingWorxSimulator,
} from '../../../infra/local/thingworx-simulator/index.js';
import { call, rowsOf } from './client.js';

const T = Date.UTC(2026, 0, 15, 12, 0, 0);
const DEFAULT_SOURCES = ['Press-01', 'Press-02', 'Oven-A', 'Conveyor-7'];

/** Keys held by more than one entry. */
function sharedKeys(entries: readonly Pick<StreamEntry, 'timestamp' | 'source'>[]): string[] {
  const seen = new Map<string, number>();
  for (const e of entries)
    seen.set(`${e.timestamp}|${e.source}`, (seen.get(`${e.timestamp}|${e.source}`) ?? 0) + 1);
  return [...seen].filter(([, n]) => n > 1).map(([key]) => key);
}

function largestCluster(entries: readonly Pick<StreamEntry, 'timestamp'>[]): number {
  const perTimestamp = new Map<number, number>();
  for (const e of entries) perTimestamp.set(e.timestamp, (perTimestamp.get(e.timestamp) ?? 0) + 1);
  return Math.max(...perTimestamp.values());
}

describe('ThingWorx simulator: sources of generated entries', () => {
  let sim: ThingWorxSimulator;
  let appKey: string;

  beforeAll(async () => {
    sim = await startThingWorxSimulator({ seed: 21, sameTimestampFraction: 0.9, maxEntriesPerTimestamp: 20 });
    appKey = sim.keys.add({ name: 'sources' }).keyId;
  });
  beforeEach(() => {
    sim.stream.clear();
  });
  afterAll(async () => {
    await sim.stop();
  });

  it('gives every entry of a generated cluster its own source', () => {
    const made = sim.stream.generate(3_000, { fromMs: T - 600_000, toMs: T });

    expect(made).toHaveLength(3_000);
    expect(sim.stream.size()).toBe(3_000);
    expect(largestCluster(made)).toBeGreaterThan(DEFAULT_SOURCES.length);
    expect(sharedKeys(sim.stream.all())).toEqual([]);
  });

  it('serves a crowd of 1,500 on one millisecond with 1,500 distinct sources', async () => {
    sim.stream.generate(1_500, { atMs: T });

    const rows = await rowsOf<StreamEntry>(
      await call(sim.queryUrl, { appKey, body: { startDate: T, endDate: T, maxItems: 5_000 } }),
    );

    expect(rows).toHaveLength(1_500);
    expect(new Set(rows.map((r) => r.source)).size).toBe(1_500);
  });

  it('names the sources past the configured ones Sensor-NNNN, numbered on from them', () => {
    sim.stream.generate(1_500, { atMs: T });

    const sources = new Set(sim.stream.all().map((e) => e.source));

    const synthesized = Array.from({ length: 1_496 }, (_, i) => `Sensor-${String(i + 5).padStart(4, '0')}`);
    expect(sources).toEqual(new Set([...DEFAULT_SOURCES, ...synthesized]));
  });

  it('numbers synthesized sources on from a configured list of any length', async () => {
    const lines = await startThingWorxSimulator({ sources: ['Line-A', 'Line-B'] });
    try {
      lines.stream.generate(5, { atMs: T });

      expect(new Set(lines.stream.all().map((e) => e.source))).toEqual(
        new Set(['Line-A', 'Line-B', 'Sensor-0003', 'Sensor-0004', 'Sensor-0005']),
      );
    } finally {
      await lines.stop();
    }
  });

  it('adds to a timestamp only sources not already on it', () => {
    sim.stream.append({ timestamp: T, source: 'Sensor-0005' });
    sim.stream.generate(10, { atMs: T });

    expect(sim.stream.size()).toBe(11);
    expect(sharedKeys(sim.stream.all())).toEqual([]);
  });

  it('draws the same sources from the same seed', async () => {
    const once = await startThingWorxSimulator({ seed: 8, sameTimestampFraction: 0.9 });
    const twice = await startThingWorxSimulator({ seed: 8, sameTimestampFraction: 0.9 });
    try {
      once.stream.generate(400, { fromMs: T - 60_000, toMs: T });
      twice.stream.generate(400, { fromMs: T - 60_000, toMs: T });

      expect(twice.stream.all().map((e) => [e.id, e.source])).toEqual(
        once.stream.all().map((e) => [e.id, e.source]),
      );
    } finally {
      await once.stop();
      await twice.stop();
    }
  });

  it('gives each entry of a fixed source a timestamp of its own', () => {
    const made = sim.stream.generate(500, { source: 'Oven-A', fromMs: T, toMs: T + 999 });

    expect(made.every((e) => e.source === 'Oven-A')).toBe(true);
    expect(new Set(made.map((e) => e.timestamp)).size).toBe(500);
  });

  it('refuses more than one entry of a fixed source on one millisecond', () => {
    expect(() => sim.stream.generate(2, { source: 'Oven-A', atMs: T })).toThrow(
      /Oven-A can have only one entry at/,
    );
    expect(sim.stream.size()).toBe(0);
  });
});
