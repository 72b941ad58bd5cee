// A stream that keeps growing while the server runs, with late arrivals (timestamps in the past),
// some on the very timestamp of an entry already there.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type StreamEntry,
  startThingWorxSimulator,
  type ThingWorxSimulator,
} from '../../../infra/local/thingworx-simulator/index.js';
import { call, rowsOf } from './client.js';

describe('ThingWorx simulator: a growing stream', () => {
  const offsetMs = 3_600_000;
  let sim: ThingWorxSimulator;
  let appKey: string;

  const everything = async () =>
    rowsOf<StreamEntry>(
      await call(sim.queryUrl, { appKey, body: { oldestFirst: true, maxItems: 1_000_000 } }),
    );

  beforeAll(async () => {
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
  afterAll(async () => {
    await sim.stop();
  });

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

  it('stamps arrivals on the server clock, late ones at most maxLatenessMs in the past', () => {
    const entries = sim.stream.all();
    const late = entries.filter((e) => e.timestamp < e.arrivedAtMs);
    const onTime = entries.filter((e) => e.timestamp === e.arrivedAtMs);

    expect(late.length).toBeGreaterThan(0);
    expect(onTime.length).toBeGreaterThan(late.length);
    expect(late.every((e) => e.arrivedAtMs - e.timestamp <= 2_000)).toBe(true);
    const newest = entries.at(-1) as StreamEntry;
    expect(Math.abs(newest.arrivedAtMs - (Date.now() + offsetMs))).toBeLessThan(2_000);
  });

  it('lands some late arrivals on the timestamp of an entry that arrived earlier', () => {
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
    const size = sim.stream.size();
    await sleep(120);

    expect(sim.stream.isGrowing()).toBe(false);
    expect(sim.stream.size()).toBe(size);
  });

  it('appends given entries, late ones included, and serves them at once', async () => {
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
