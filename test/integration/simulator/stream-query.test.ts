// QueryStreamEntriesWithData over real HTTP: the InfoTable shape, date filtering, ordering with
// many equal timestamps, maxItems, and keyset pagination through the `query` filter.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  compareEntries,
  type InfoTable,
  type StreamEntry,
  startThingWorxSimulator,
  type ThingWorxSimulator,
} from '../../../infra/local/thingworx-simulator/index.js';
import { afterKeyset, call, rowsOf } from './client.js';

type Row = Omit<StreamEntry, 'arrivedAtMs'>;

describe('ThingWorx simulator: QueryStreamEntriesWithData', () => {
  let sim: ThingWorxSimulator;
  let appKey: string;
  const T = Date.UTC(2026, 0, 15, 12, 0, 0); // a busy millisecond

  const query = async (body: Record<string, unknown>) =>
    rowsOf<Row>(await call(sim.queryUrl, { appKey, body }));

  beforeAll(async () => {
    sim = await startThingWorxSimulator({ seed: 42, payloadBytes: 32 });
    appKey = sim.keys.add({ name: 'query' }).keyId;
    sim.stream.generate(300, { fromMs: T - 60_000, toMs: T - 1, maxEntriesPerTimestamp: 10 });
    sim.stream.generate(1_200, { atMs: T });
    sim.stream.generate(300, { fromMs: T + 1, toMs: T + 60_000 });
  });
  afterAll(async () => {
    await sim.stop();
  });

  it('answers an InfoTable whose rows carry the entry fields and the data shape fields', async () => {
    const response = await call(sim.queryUrl, { appKey, body: { maxItems: 1 } });
    const table = (await response.json()) as InfoTable;

    expect(Object.keys(table.dataShape.fieldDefinitions)).toEqual([
      'id',
      'timestamp',
      'source',
      'sourceType',
      'location',
      'tags',
      'temperature',
      'pressure',
      'status',
      'payload',
    ]);
    expect(table.dataShape.fieldDefinitions.timestamp).toEqual({
      name: 'timestamp',
      description: 'Entry timestamp',
      baseType: 'DATETIME',
      ordinal: 1,
      aspects: {},
    });
    const [row] = table.rows;
    expect(row).toMatchObject({
      id: expect.any(String),
      timestamp: expect.any(Number),
      source: expect.any(String),
      sourceType: 'Thing',
      location: { latitude: expect.any(Number), longitude: expect.any(Number) },
      tags: [{ vocabulary: 'Plant', vocabularyTerm: expect.any(String) }],
      temperature: expect.any(Number),
      pressure: expect.any(Number),
      status: expect.any(String),
    });
    expect(row?.payload).toHaveLength(32);
    expect(row).not.toHaveProperty('arrivedAtMs');
  });

  it('defaults to the 500 newest entries, newest first', async () => {
    const rows = await query({});
    const newest = sim.stream.all().reverse().slice(0, 500);

    expect(rows.map((r) => r.id)).toEqual(newest.map((e) => e.id));
  });

  it('orders oldest first by (timestamp, id) ascending, ties broken by id as plain strings', async () => {
    const rows = await query({ oldestFirst: true, maxItems: 100_000 });

    expect(rows).toHaveLength(1_800);
    for (let i = 1; i < rows.length; i++) {
      expect(compareEntries(rows[i - 1] as Row, rows[i] as Row)).toBeLessThan(0);
    }
    expect(rows.filter((r) => r.timestamp === T)).toHaveLength(1_200);
  });

  it('orders newest first as the exact reverse, also among equal timestamps', async () => {
    const ascending = await query({ oldestFirst: true, maxItems: 100_000 });
    const descending = await query({ oldestFirst: false, maxItems: 100_000 });

    expect(descending.map((r) => r.id)).toEqual(ascending.map((r) => r.id).reverse());
  });

  it('serves as the postgres back end unless told otherwise', () => {
    expect(sim.backend.get()).toEqual({
      profile: 'postgres',
      startExclusive: false,
      endExclusive: false,
      ignoreOldestFirst: false,
      cutKeepsNewest: false,
      maxItemsCap: undefined,
      upsertKeepsId: true,
      upsert: true,
    });
  });

  it('includes both startDate and endDate on the default back end, given as epoch ms or ISO-8601', async () => {
    const asEpoch = await query({ startDate: T, endDate: T, oldestFirst: true, maxItems: 5_000 });
    const asIso = await query({
      startDate: new Date(T).toISOString(),
      endDate: new Date(T).toISOString(),
      oldestFirst: true,
      maxItems: 5_000,
    });
    const asDigits = await query({ startDate: String(T), endDate: String(T), maxItems: 5_000 });

    expect(asEpoch).toHaveLength(1_200);
    expect(asIso.map((r) => r.id)).toEqual(asEpoch.map((r) => r.id));
    expect(asDigits).toHaveLength(1_200);
  });

  it('truncates to maxItems after filtering and ordering', async () => {
    const oldest = await query({ startDate: T, oldestFirst: true, maxItems: 7 });
    const newest = await query({ endDate: T, oldestFirst: false, maxItems: 7 });
    const sameMs = sim.stream.all().filter((e) => e.timestamp === T);

    expect(oldest.map((r) => r.id)).toEqual(sameMs.slice(0, 7).map((e) => e.id));
    expect(newest.map((r) => r.id)).toEqual(
      sameMs
        .reverse()
        .slice(0, 7)
        .map((e) => e.id),
    );
  });

  it('filters by source', async () => {
    const rows = await query({ source: 'Oven-A', maxItems: 100_000 });

    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.source === 'Oven-A')).toBe(true);
    expect(rows).toHaveLength(sim.stream.all().filter((e) => e.source === 'Oven-A').length);
  });

  it('pages through 1,200 entries on one millisecond with (timestamp, id) keyset filters, without gap or duplicate', async () => {
    const seen: Row[] = [];
    let cursor: { timestamp: number; id: string } | undefined;
    for (let page = 0; page < 50; page++) {
      const filters = cursor ? afterKeyset(cursor) : undefined;
      const rows = await query({
        startDate: cursor?.timestamp ?? 0,
        oldestFirst: true,
        maxItems: 250,
        ...(filters ? { query: { filters } } : {}),
      });
      if (rows.length === 0) break;
      seen.push(...rows);
      const last = rows.at(-1) as Row;
      cursor = { timestamp: last.timestamp, id: last.id };
    }

    expect(seen.map((r) => r.id)).toEqual(sim.stream.all().map((e) => e.id));
  });

  it('generates the same stream from the same seed', async () => {
    const again = await startThingWorxSimulator({ seed: 42, payloadBytes: 32 });
    try {
      again.stream.generate(300, { fromMs: T - 60_000, toMs: T - 1, maxEntriesPerTimestamp: 10 });
      expect(again.stream.all().map(({ arrivedAtMs: _a, ...e }) => e)).toEqual(
        sim.stream
          .all()
          .filter((e) => e.timestamp < T)
          .map(({ arrivedAtMs: _a, ...e }) => e),
      );
    } finally {
      await again.stop();
    }
  });

  it('clusters generated entries on shared timestamps', () => {
    const perTimestamp = new Map<number, number>();
    for (const e of sim.stream.all().filter((x) => x.timestamp < T)) {
      perTimestamp.set(e.timestamp, (perTimestamp.get(e.timestamp) ?? 0) + 1);
    }

    expect(Math.max(...perTimestamp.values())).toBeGreaterThan(1);
    expect(Math.max(...perTimestamp.values())).toBeLessThanOrEqual(10);
  });
});
