// A stream that keeps growing while the server runs, with late arrivals (timestamps in the past),
// some on the very timestamp of an entry already there, a few re-sending its reading (an upsert).
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type SimulatorOptions,
  type StreamEntry,
  startThingWorxSimulator,
  type ThingWorxSimulator,
} from '../../../infra/local/thingworx-simulator/index.js';
import { call, rowsOf } from './client.js';

// Each test has a simulator of its own, started growing: no test relies on another having let it grow
// or stopped it, so the file passes in any order and each test passes alone.
describe('ThingWorx simulator: a growing stream', () => {
  const offsetMs = 3_600_000;
  let sim: ThingWorxSimulator;
  let appKey: string;

  const everything = async () =>
    rowsOf<StreamEntry>(
      await call(sim.queryUrl, { appKey, body: { oldestFirst: true, maxItems: 1_000_000 } }),
    );

  beforeEach(async () => {
    sim = await startThingWorxSimulator({
      seed: 5,
      clockOffsetMs: offsetMs,
      entriesPerSecond: 400,
      lateFraction: 0.3,
      maxLatenessMs: 2_000,
      sameTimestampFraction: 0.5,
    });
    appKey = sim.keys.add({ name: 'grower' }).keyId;
  });
  afterEach(async () => {
    await sim.stop();
  });

  /** Lets the stream grow for as long as the first test watches it, then stops it: its ground truth. */
  const grown = async () => {
    await sleep(700);
    sim.stream.stopGrowth();
    return sim.stream.all();
  };

  it('delivers late entries behind what a reader has already seen', async () => {
    expect(sim.stream.isGrowing()).toBe(true);
    await sleep(300);
    const first = await everything();
    const watermark = Math.max(...first.map((r) => r.timestamp));
    await sleep(400);
    sim.stream.stopGrowth();
    const second = await everything();

    const firstIds = new Set(first.map((r) => r.id));
    const arrivedLater = second.filter((r) => !firstIds.has(r.id));
    expect(first.length).toBeGreaterThan(50);
    expect(second.filter((r) => firstIds.has(r.id))).toHaveLength(first.length);
    expect(arrivedLater.some((r) => r.timestamp <= watermark)).toBe(true);
    expect(arrivedLater.some((r) => r.timestamp > watermark)).toBe(true);
  });

  it('stamps arrivals on the server clock, late ones at most maxLatenessMs in the past', async () => {
    const entries = await grown();
    const late = entries.filter((e) => e.timestamp < e.arrivedAtMs);
    const onTime = entries.filter((e) => e.timestamp === e.arrivedAtMs);

    expect(late.length).toBeGreaterThan(0);
    expect(onTime.length).toBeGreaterThan(late.length);
    expect(late.every((e) => e.arrivedAtMs - e.timestamp <= 2_000)).toBe(true);
    const newest = entries.at(-1) as StreamEntry;
    expect(Math.abs(newest.arrivedAtMs - (Date.now() + offsetMs))).toBeLessThan(2_000);
  });

  it('lands some late arrivals on the timestamp of an entry that arrived earlier', async () => {
    await grown();
    const firstArrival = new Map<number, number>();
    for (const e of [...sim.stream.all()].sort((a, b) => a.arrivedAtMs - b.arrivedAtMs)) {
      if (!firstArrival.has(e.timestamp)) firstArrival.set(e.timestamp, e.arrivedAtMs);
    }

    const sharing = sim.stream
      .all()
      .filter(
        (e) => e.timestamp < e.arrivedAtMs && (firstArrival.get(e.timestamp) ?? Infinity) < e.arrivedAtMs,
      );

    expect(sharing.length).toBeGreaterThan(0);
  });

  it('stops growing when told to', async () => {
    await sleep(100);
    sim.stream.stopGrowth();
    const size = sim.stream.size();
    await sleep(120);

    expect(sim.stream.isGrowing()).toBe(false);
    expect(sim.stream.size()).toBe(size);
  });

  it('appends given entries, late ones included, and serves them at once', async () => {
    sim.stream.stopGrowth();
    const past = Math.floor(sim.clock.nowMs()) - 3_600_000;
    const [late] = sim.stream.append({
      timestamp: past,
      source: 'Backfill',
      id: 'backfill-1',
      temperature: 1.5,
    });

    const rows = await rowsOf<StreamEntry>(
      await call(sim.queryUrl, { appKey, body: { startDate: past, endDate: past, source: 'Backfill' } }),
    );

    expect(rows).toEqual([expect.objectContaining({ id: 'backfill-1', timestamp: past, temperature: 1.5 })]);
    expect(late?.arrivedAtMs).toBeGreaterThan(past);
    expect(() => sim.stream.append({ timestamp: past, id: 'backfill-1' })).toThrow(/duplicate/);
  });
});

describe('ThingWorx simulator: sources of arrivals', () => {
  /** Runs a simulator growing fast (crowds of arrivals on one millisecond) for a while; its ground truth. */
  const grow = async (options: SimulatorOptions): Promise<StreamEntry[]> => {
    const sim = await startThingWorxSimulator({
      seed: 9,
      entriesPerSecond: 3_000,
      lateFraction: 0.4,
      maxLatenessMs: 300,
      sameTimestampFraction: 0.8,
      ...options,
    });
    try {
      await sleep(500);
      sim.stream.stopGrowth();
      return sim.stream.all();
    } finally {
      await sim.stop();
    }
  };
  const keyCounts = (entries: readonly StreamEntry[]) => {
    const counts = new Map<string, number>();
    for (const e of entries)
      counts.set(`${e.timestamp}|${e.source}`, (counts.get(`${e.timestamp}|${e.source}`) ?? 0) + 1);
    return counts;
  };

  it('gives the arrivals of one timestamp distinct sources, so none collides by accident', async () => {
    // Upserts off, so that a collision would show as two entries instead of a silent replacement.
    const entries = await grow({ upsertFraction: 0, backend: { upsert: false } });

    const counts = keyCounts(entries);
    const perTimestamp = new Map<number, number>();
    for (const e of entries) perTimestamp.set(e.timestamp, (perTimestamp.get(e.timestamp) ?? 0) + 1);
    expect(entries.length).toBeGreaterThan(500);
    expect(Math.max(...perTimestamp.values())).toBeGreaterThan(4);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
  });

  it('re-sends readings at upsertFraction as updates in place that keep the id', async () => {
    const entries = await grow({ lateFraction: 1, sameTimestampFraction: 1, upsertFraction: 1 });

    const updated = entries.filter((e) => e.replacedAtMs !== undefined);
    expect(updated.length).toBeGreaterThan(0);
    expect(updated.every((e) => e.replacedId === undefined && e.timestamp < e.arrivedAtMs)).toBe(true);
    expect([...keyCounts(entries).values()].every((n) => n === 1)).toBe(true);
  });

  it('stores a re-sent reading beside the first when upserts are off', async () => {
    const entries = await grow({
      lateFraction: 1,
      sameTimestampFraction: 1,
      upsertFraction: 1,
      backend: { upsert: false },
    });

    expect([...keyCounts(entries).values()].some((n) => n > 1)).toBe(true);
    expect(entries.some((e) => e.replacedAtMs !== undefined)).toBe(false);
  });

  it('re-sends no reading with upsertFraction 0', async () => {
    const entries = await grow({ lateFraction: 1, sameTimestampFraction: 1, upsertFraction: 0 });

    expect(entries.some((e) => e.replacedAtMs !== undefined)).toBe(false);
  });
});
