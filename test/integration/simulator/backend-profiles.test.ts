// QueryStreamEntriesWithData over real HTTP under each back-end profile and switch: which bound is
// inclusive, whether oldestFirst is honoured, the row cap, the query filter, and a change mid-test.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type BackendOptions,
  compareEntries,
  parseBackendSpec,
  type StreamEntry,
  startThingWorxSimulator,
  type ThingWorxSimulator,
} from '../../../infra/local/thingworx-simulator/index.js';
import { afterKeyset, call, rowsOf } from './client.js';

type Row = Omit<StreamEntry, 'arrivedAtMs'>;

const T = Date.UTC(2026, 0, 15, 12, 0, 0);

describe('ThingWorx simulator: back-end profiles', () => {
  let sim: ThingWorxSimulator;
  let appKey: string;

  const query = async (body: Record<string, unknown>) =>
    rowsOf<Row>(await call(sim.queryUrl, { appKey, body }));
  /** The timestamps a query from T to T + 10 answers, oldest first. */
  const boundedTimestamps = async () =>
    (await query({ startDate: T, endDate: T + 10, oldestFirst: true, maxItems: 100 })).map(
      (r) => r.timestamp,
    );

  beforeAll(async () => {
    sim = await startThingWorxSimulator({ seed: 11 });
    appKey = sim.keys.add({ name: 'profiles' }).keyId;
  });
  beforeEach(() => {
    sim.backend.set('postgres');
    sim.stream.clear();
  });
  afterAll(async () => {
    await sim.stop();
  });

  describe('date bounds', () => {
    beforeEach(() => {
      sim.stream.append([
        { timestamp: T - 5 },
        { timestamp: T, source: 'Press-01' },
        { timestamp: T, source: 'Press-02' },
        { timestamp: T + 5 },
        { timestamp: T + 10, source: 'Press-01' },
        { timestamp: T + 10, source: 'Oven-A' },
        { timestamp: T + 15 },
      ]);
    });

    it('includes entries on startDate and on endDate on postgres', async () => {
      expect(await boundedTimestamps()).toEqual([T, T, T + 5, T + 10, T + 10]);
    });

    it('leaves out entries on endDate on dse, keeping those on startDate', async () => {
      sim.backend.set('dse');

      expect(await boundedTimestamps()).toEqual([T, T, T + 5]);
    });

    it('leaves out entries on startDate with startExclusive, keeping those on endDate on postgres', async () => {
      sim.backend.set({ startExclusive: true });

      expect(await boundedTimestamps()).toEqual([T + 5, T + 10, T + 10]);
    });

    it('leaves out both bounds on dse with startExclusive', async () => {
      sim.backend.set({ profile: 'dse', startExclusive: true });

      expect(await boundedTimestamps()).toEqual([T + 5]);
    });

    it('keeps a missing bound open whatever the profile', async () => {
      sim.backend.set({ profile: 'dse', startExclusive: true });

      expect((await query({ oldestFirst: true })).map((r) => r.timestamp)).toEqual([
        T - 5,
        T,
        T,
        T + 5,
        T + 10,
        T + 10,
        T + 15,
      ]);
    });
  });

  describe('order and cap', () => {
    beforeEach(() => {
      sim.stream.generate(150, { fromMs: T - 60_000, toMs: T - 1 });
      sim.stream.generate(50, { atMs: T });
    });

    it('answers newest first, the exact reverse of (timestamp, id), when the back end ignores oldestFirst', async () => {
      sim.backend.set({ ignoreOldestFirst: true });

      const rows = await query({ oldestFirst: true, maxItems: 1_000 });

      expect(rows.map((r) => r.id)).toEqual(
        sim.stream
          .all()
          .reverse()
          .map((e) => e.id),
      );
    });

    it('gives the newest entries of the range when oldestFirst is ignored and maxItems cuts the answer', async () => {
      sim.backend.set({ ignoreOldestFirst: true });

      const rows = await query({ startDate: T - 60_000, oldestFirst: true, maxItems: 10 });

      expect(rows.map((r) => r.id)).toEqual(
        sim.stream
          .all()
          .reverse()
          .slice(0, 10)
          .map((e) => e.id),
      );
    });

    it('keeps the newest entries of the range, sorted oldest first, when cuts keep the newest', async () => {
      sim.backend.set({ cutKeepsNewest: true });

      const rows = await query({ startDate: T - 60_000, oldestFirst: true, maxItems: 10 });

      expect(rows.map((r) => r.id)).toEqual(
        sim.stream
          .all()
          .slice(-10)
          .map((e) => e.id),
      );
    });

    it('answers an uncut range in full, oldest first, when cuts keep the newest', async () => {
      sim.backend.set({ cutKeepsNewest: true });

      const rows = await query({ oldestFirst: true, maxItems: 1_000 });

      expect(rows.map((r) => r.id)).toEqual(sim.stream.all().map((e) => e.id));
    });

    it('returns at most maxItemsCap rows when maxItems asks for more', async () => {
      sim.backend.set({ maxItemsCap: 7 });

      const rows = await query({ oldestFirst: true, maxItems: 1_000 });

      expect(rows.map((r) => r.id)).toEqual(
        sim.stream
          .all()
          .slice(0, 7)
          .map((e) => e.id),
      );
    });

    it('returns maxItems rows when maxItems is below maxItemsCap', async () => {
      sim.backend.set({ maxItemsCap: 7 });

      expect(await query({ maxItems: 3 })).toHaveLength(3);
    });

    it('caps the default page of 500 too', async () => {
      sim.backend.set({ maxItemsCap: 120 });

      expect(await query({})).toHaveLength(120);
    });
  });

  describe('the query filter', () => {
    const backends: readonly [string, BackendOptions][] = [
      ['postgres', { profile: 'postgres' }],
      ['dse', { profile: 'dse' }],
      [
        'postgres with every switch',
        parseBackendSpec('postgres,startExclusive,ignoreOldestFirst,maxItemsCap=40'),
      ],
      ['dse with every switch', parseBackendSpec('dse,startExclusive,ignoreOldestFirst,maxItemsCap=40')],
    ];

    it.each(backends)('applies a keyset filter past a crowded timestamp on %s', async (_name, backend) => {
      sim.stream.generate(100, { fromMs: T - 60_000, toMs: T - 1 });
      sim.stream.generate(100, { atMs: T });
      sim.stream.generate(100, { fromMs: T + 1, toMs: T + 60_000 });
      sim.backend.set(backend);
      const cursor = sim.stream.all().filter((e) => e.timestamp === T)[49] as StreamEntry;
      const filters = afterKeyset(cursor);

      const rows = await query({ oldestFirst: true, maxItems: 1_000, query: { filters } });

      const after = sim.stream.all().filter((e) => compareEntries(e, cursor) > 0);
      const ordered = sim.backend.get().ignoreOldestFirst ? after.reverse() : after;
      expect(rows.map((r) => r.id)).toEqual(
        ordered.slice(0, sim.backend.get().maxItemsCap ?? 1_000).map((e) => e.id),
      );
    });
  });

  describe('changing the back end', () => {
    it('changes the bounds mid-test, as a server upgrade does', async () => {
      sim.stream.append([{ timestamp: T }, { timestamp: T + 10 }]);
      const before = await boundedTimestamps();

      sim.backend.set('dse');
      const after = await boundedTimestamps();

      expect(before).toEqual([T, T + 10]);
      expect(after).toEqual([T]);
      expect(sim.backend.get()).toMatchObject({ profile: 'dse', endExclusive: true });
    });

    it('replaces the whole behaviour: fields not given go back to their defaults', () => {
      sim.backend.set({ maxItemsCap: 5, ignoreOldestFirst: true });

      sim.backend.set('dse');

      expect(sim.backend.get()).toMatchObject({ maxItemsCap: undefined, ignoreOldestFirst: false });
    });

    it('keeps the stored entries when the back end changes', () => {
      sim.stream.generate(20);
      const before = sim.stream.all();

      sim.backend.set({ profile: 'dse', upsert: false });

      expect(sim.stream.all()).toEqual(before);
    });

    it('refuses a bad back end with a RangeError naming the field, and keeps the old one', () => {
      sim.backend.set('dse');

      expect(() => sim.backend.set({ maxItemsCap: -1 })).toThrow(
        /maxItemsCap must be an integer >= 1, got -1/,
      );
      expect(sim.backend.get().profile).toBe('dse');
    });

    it('starts with the back end given in the options', async () => {
      const dse = await startThingWorxSimulator({ backend: { profile: 'dse', maxItemsCap: 2 } });
      try {
        expect(dse.backend.get()).toMatchObject({ profile: 'dse', endExclusive: true, maxItemsCap: 2 });
      } finally {
        await dse.stop();
      }
    });

    it('refuses to start with an unknown profile', async () => {
      await expect(startThingWorxSimulator({ backend: 'oracle' as never })).rejects.toThrow(
        /backend profile must be one of postgres, dse, got "oracle"/,
      );
    });
  });
});
