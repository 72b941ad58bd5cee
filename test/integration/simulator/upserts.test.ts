// Upserts over real HTTP: an entry added on a stored (timestamp, source) replaces it, keeping the
// stored id or taking a new one, or with upserts off is stored beside it.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  compareEntries,
  type StreamEntry,
  startThingWorxSimulator,
  type ThingWorxSimulator,
} from '../../../infra/local/thingworx-simulator/index.js';
import { call, rowsOf } from './client.js';

type Row = Omit<StreamEntry, 'arrivedAtMs'>;

const T = Date.UTC(2026, 0, 15, 12, 0, 0);

describe('ThingWorx simulator: upserts', () => {
  let sim: ThingWorxSimulator;
  let appKey: string;

  const rowsAtT = async () =>
    rowsOf<Row>(
      await call(sim.queryUrl, {
        appKey,
        body: { startDate: T, endDate: T, oldestFirst: true, maxItems: 100 },
      }),
    );
  const stored = () =>
    sim.stream.append({ timestamp: T, source: 'Press-01', status: 'ALARM', pressure: 900 })[0];

  beforeAll(async () => {
    sim = await startThingWorxSimulator({ seed: 3 });
    appKey = sim.keys.add({ name: 'upserts' }).keyId;
  });
  beforeEach(() => {
    sim.backend.set('postgres');
    sim.clock.setOffsetMs(0);
    sim.stream.clear();
  });
  afterAll(async () => {
    await sim.stop();
  });

  it('replaces the entry stored on the same (timestamp, source) and keeps its id', async () => {
    const first = stored();

    const [second] = sim.stream.append({ timestamp: T, source: 'Press-01', id: 'ignored-id', status: 'OK' });

    expect(second?.id).toBe(first?.id);
    expect((await rowsAtT()).map((r) => [r.id, r.status])).toEqual([[first?.id, 'OK']]);
  });

  it('takes every field of the replacement from the new entry, generating the ones it lacks', () => {
    stored();

    const [replacement] = sim.stream.append({ timestamp: T, source: 'Press-01', temperature: 21.5 });

    expect(replacement).toMatchObject({ temperature: 21.5, sourceType: 'Thing' });
    expect(replacement?.pressure).not.toBe(900);
    expect(replacement?.pressure).toBeGreaterThanOrEqual(950);
  });

  it('stamps the replacement as arriving at the time of the upsert, and records when it replaced', () => {
    const first = stored();
    sim.clock.setOffsetMs(5_000);

    const [second] = sim.stream.append({ timestamp: T, source: 'Press-01' });

    expect(second?.arrivedAtMs).toBeGreaterThanOrEqual((first?.arrivedAtMs ?? 0) + 5_000);
    expect(second?.replacedAtMs).toBe(second?.arrivedAtMs);
    expect(second).not.toHaveProperty('replacedId');
  });

  it('shows only the current content in the ground truth', () => {
    stored();
    sim.stream.append({ timestamp: T, source: 'Press-02' });

    sim.stream.append({ timestamp: T, source: 'Press-01', status: 'WARN' });

    expect(sim.stream.all().map((e) => [e.source, e.status])).toEqual(
      expect.arrayContaining([
        ['Press-01', 'WARN'],
        ['Press-02', expect.any(String)],
      ]),
    );
    expect(sim.stream.size()).toBe(2);
  });

  it('never serves the replacement bookkeeping', async () => {
    sim.backend.set({ upsertKeepsId: false });
    stored();
    sim.stream.append({ timestamp: T, source: 'Press-01' });

    const [row] = await rowsAtT();

    expect(row).not.toHaveProperty('replacedAtMs');
    expect(row).not.toHaveProperty('replacedId');
    expect(sim.stream.all()[0]).toHaveProperty('replacedAtMs');
  });

  it('gives the replacement the new entry’s id when upserts do not keep the id, recording the old one', async () => {
    sim.backend.set({ upsertKeepsId: false });
    const first = stored();

    const [second] = sim.stream.append({ timestamp: T, source: 'Press-01', id: 'reading-2' });

    expect(second).toMatchObject({ id: 'reading-2', replacedId: first?.id });
    expect((await rowsAtT()).map((r) => r.id)).toEqual(['reading-2']);
  });

  it('draws a fresh id for a replacement without one and moves it to that id’s place in the order', () => {
    sim.backend.set({ upsertKeepsId: false });
    sim.stream.generate(30, { atMs: T });
    const old = sim.stream.all()[0] as StreamEntry;

    const [replacement] = sim.stream.append({ timestamp: T, source: old.source });

    const all = sim.stream.all();
    expect(replacement?.id).not.toBe(old.id);
    expect(all.map((e) => e.id)).not.toContain(old.id);
    expect(all).toHaveLength(30);
    for (let i = 1; i < all.length; i++) {
      expect(compareEntries(all[i - 1] as StreamEntry, all[i] as StreamEntry)).toBeLessThan(0);
    }
  });

  it('refuses a new id that another entry already has', () => {
    sim.backend.set({ upsertKeepsId: false });
    stored();
    sim.stream.append({ timestamp: T, source: 'Press-02', id: 'taken' });

    expect(() => sim.stream.append({ timestamp: T, source: 'Press-01', id: 'taken' })).toThrow(
      /duplicate stream entry id taken/,
    );
  });

  it('stores an entry beside the one on the same (timestamp, source) when upserts are off', async () => {
    sim.backend.set({ upsert: false });
    const first = stored();

    const [second] = sim.stream.append({ timestamp: T, source: 'Press-01' });

    const rows = await rowsAtT();
    expect(rows.map((r) => r.id).sort()).toEqual([first?.id, second?.id].sort());
    expect(rows.every((r) => r.source === 'Press-01')).toBe(true);
    expect(second).not.toHaveProperty('replacedAtMs');
  });

  it('replaces the first of two same-key entries once upserts are switched back on', () => {
    sim.backend.set({ upsert: false });
    sim.stream.append([
      { timestamp: T, source: 'Press-01', id: 'a' },
      { timestamp: T, source: 'Press-01', id: 'b' },
    ]);
    sim.backend.set('postgres');

    sim.stream.append({ timestamp: T, source: 'Press-01', status: 'WARN' });

    expect(sim.stream.all().map((e) => [e.id, e.replacedAtMs !== undefined])).toEqual([
      ['a', true],
      ['b', false],
    ]);
  });

  it('upserts on dse too', () => {
    sim.backend.set('dse');
    const first = stored();

    sim.stream.append({ timestamp: T, source: 'Press-01', status: 'OK' });

    expect(sim.stream.all().map((e) => [e.id, e.status])).toEqual([[first?.id, 'OK']]);
  });

  it('gives an appended entry without a source one not yet on its timestamp, so it replaces nothing', () => {
    sim.stream.append(Array.from({ length: 12 }, () => ({ timestamp: T })));

    const all = sim.stream.all();

    expect(all).toHaveLength(12);
    expect(new Set(all.map((e) => e.source)).size).toBe(12);
    expect(all.some((e) => e.replacedAtMs !== undefined)).toBe(false);
  });
});
