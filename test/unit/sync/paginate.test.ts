// The pager against the simulator's in-memory stream engine (no HTTP) under every back-end profile and
// switch: what it yields must be exactly the window's entries, each once, in complete timestamp groups,
// or the run must fail with a cause that names the server's behaviour. The reader caps its queries, so a
// pager that loops fails in milliseconds with a named error instead of exhausting the worker's memory.
import { describe, expect, it } from 'vitest';
import { type Page, paginate } from '../../../functions/sync/paginate.js';
import { SourceBehaviourError } from '../../../functions/sync/source-answers.js';
import {
  collect,
  expectWellFormed,
  keysOf,
  NOW_MS,
  PROFILES,
  streamSource,
} from '../../support/pager-fixtures.js';

/**
 * What each scenario below costs on each profile, pinned: [queries, pages]. The pager has more than one
 * way to reach the exact window (a shortcut removed still ends right, by a longer road), so the cost is
 * what tells a shortcut working from one gone. The streams are seeded: these only change when the pager
 * does. A change that costs fewer queries is welcome; update the figure and say why. The first answer that
 * may be cut costs one request more (two when a row sits on the widened end of that check): the check
 * for rows it lacks up to its first timestamp.
 */
const COST: Record<string, Record<'window' | 'bounds' | 'empty' | 'shortWindow', [number, number]>> = {
  postgres: { window: [6, 5], bounds: [8, 5], empty: [1, 0], shortWindow: [3, 2] },
  'dse (exclusive end)': { window: [6, 5], bounds: [7, 5], empty: [1, 0], shortWindow: [3, 2] },
  'postgres, startExclusive': { window: [6, 5], bounds: [7, 5], empty: [1, 0], shortWindow: [3, 2] },
  'dse, startExclusive': { window: [6, 5], bounds: [6, 5], empty: [1, 0], shortWindow: [3, 2] },
  'postgres, ignoreOldestFirst': { window: [14, 10], bounds: [21, 11], empty: [1, 0], shortWindow: [7, 1] },
  'dse, startExclusive, ignoreOldestFirst': {
    window: [13, 10],
    bounds: [19, 11],
    empty: [1, 0],
    shortWindow: [5, 1],
  },
  'postgres, maxItemsCap 40 (below the page)': {
    window: [15, 13],
    bounds: [8, 5],
    empty: [1, 0],
    shortWindow: [3, 2],
  },
  'dse, maxItemsCap 40': { window: [15, 13], bounds: [7, 5], empty: [1, 0], shortWindow: [3, 2] },
  'postgres, maxItemsCap 150 (above the page)': {
    window: [6, 5],
    bounds: [8, 5],
    empty: [1, 0],
    shortWindow: [3, 2],
  },
  'postgres, ignoreOldestFirst, maxItemsCap 40': {
    window: [37, 24],
    bounds: [21, 11],
    empty: [1, 0],
    shortWindow: [7, 1],
  },
  'postgres, cutKeepsNewest': { window: [15, 10], bounds: [22, 11], empty: [1, 0], shortWindow: [3, 2] },
  'dse, cutKeepsNewest, maxItemsCap 40': {
    window: [37, 24],
    bounds: [21, 11],
    empty: [1, 0],
    shortWindow: [3, 2],
  },
  'dse, every switch': { window: [36, 24], bounds: [19, 11], empty: [1, 0], shortWindow: [5, 1] },
};

function expectCost(
  label: string,
  scenario: keyof (typeof COST)[string],
  queries: readonly unknown[],
  pages: readonly Page[],
) {
  if (process.env.PROBE_COSTS)
    console.log('COST', JSON.stringify([label, scenario, [queries.length, pages.length]]));
  expect([queries.length, pages.length], `${scenario} on ${label}`).toEqual(COST[label]?.[scenario]);
}

describe.each(PROFILES)('paginate on %s', (label, backend) => {
  it('yields every entry of the window once, in complete timestamp groups', async () => {
    const { stream, read, truth, queries } = streamSource(backend);
    stream.generate(450, { fromMs: NOW_MS - 600_000, toMs: NOW_MS, maxEntriesPerTimestamp: 12 });

    const pages = await collect(paginate(read, { startMs: NOW_MS - 600_000, endMs: NOW_MS, pageSize: 100 }));

    expectWellFormed(pages);
    expect(keysOf(pages).sort()).toEqual(truth(NOW_MS - 600_000, NOW_MS));
    expectCost(label, 'window', queries, pages);
  });

  it('keeps to the window exactly when groups sit on both of its bounds', async () => {
    const { stream, read, truth, queries } = streamSource(backend);
    const [startMs, endMs] = [NOW_MS - 10_000, NOW_MS - 1_000];
    for (const atMs of [startMs - 1, startMs, endMs, endMs + 1]) stream.generate(5, { atMs });
    stream.generate(60, { fromMs: startMs + 1, toMs: endMs - 1 });

    const pages = await collect(paginate(read, { startMs, endMs, pageSize: 20 }));

    expectWellFormed(pages);
    expect(keysOf(pages).sort()).toEqual(truth(startMs, endMs));
    expectCost(label, 'bounds', queries, pages);
  });

  it('finds nothing in an empty window and stops', async () => {
    const { stream, read, queries } = streamSource(backend);
    stream.generate(30, { fromMs: NOW_MS - 600_000, toMs: NOW_MS - 300_000 });

    const pages = await collect(paginate(read, { startMs: NOW_MS - 200_000, endMs: NOW_MS, pageSize: 100 }));

    expect(pages).toEqual([]);
    expect(queries.length).toBeLessThanOrEqual(2);
    expectCost(label, 'empty', queries, pages);
  });

  it('reads the last group of a short window whole (a short answer is not taken for the end unproven)', async () => {
    const { stream, read, truth, queries } = streamSource(backend);
    stream.generate(25, { fromMs: NOW_MS - 60_000, toMs: NOW_MS - 1 });
    stream.generate(8, { atMs: NOW_MS });

    const pages = await collect(paginate(read, { startMs: NOW_MS - 60_000, endMs: NOW_MS, pageSize: 100 }));

    expect(keysOf(pages).sort()).toEqual(truth(NOW_MS - 60_000, NOW_MS));
    expectCost(label, 'shortWindow', queries, pages);
  });
});

describe.each(PROFILES.filter(([, b]) => b.maxItemsCap === undefined || b.maxItemsCap > 300))(
  'paginate on %s, with a crowd on one millisecond larger than a page',
  (_label, backend) => {
    it('reads all of the crowd without looping or skipping', async () => {
      const { stream, read, truth } = streamSource(backend);
      const crowdMs = NOW_MS - 30_000;
      stream.generate(40, { fromMs: NOW_MS - 60_000, toMs: crowdMs - 1 });
      stream.generate(250, { atMs: crowdMs });
      stream.generate(40, { fromMs: crowdMs + 1, toMs: NOW_MS });

      const pages = await collect(paginate(read, { startMs: NOW_MS - 60_000, endMs: NOW_MS, pageSize: 50 }));

      expectWellFormed(pages);
      expect(keysOf(pages).sort()).toEqual(truth(NOW_MS - 60_000, NOW_MS));
    });
  },
);

describe('paginate against a server that caps maxItems', () => {
  it.each([
    ['after other entries', 40],
    ['at the very start of the window', 0],
  ])(
    'fails, naming the cap, when more entries share one millisecond than the cap (crowd %s)',
    async (_l, before) => {
      const { stream, read } = streamSource({ maxItemsCap: 40 });
      const crowdMs = NOW_MS - 30_000;
      if (before) stream.generate(before, { fromMs: NOW_MS - 60_000, toMs: crowdMs - 1 });
      stream.generate(150, { atMs: crowdMs });
      stream.generate(10, { fromMs: crowdMs + 1, toMs: NOW_MS });

      const failure = collect(
        paginate(read, { startMs: crowdMs - (before ? 30_000 : 0), endMs: NOW_MS, pageSize: 100 }),
      );

      await expect(failure).rejects.toThrow(SourceBehaviourError);
      await expect(failure).rejects.toMatchObject({ reason: 'source-group-exceeds-server-limit' });
      await expect(failure).rejects.toThrow(/returns at most 40 entries per request/);
    },
  );

  it('fails when the crowd is all the stream holds, rather than take the cut answer for all of it', async () => {
    const { stream, read } = streamSource({ maxItemsCap: 40 });
    stream.generate(150, { atMs: NOW_MS - 1_000 });
    stream.generate(1, { atMs: NOW_MS - 5_000 }); // history before the window proves the cap

    const failure = collect(paginate(read, { startMs: NOW_MS - 2_000, endMs: NOW_MS, pageSize: 100 }));

    await expect(failure).rejects.toMatchObject({ reason: 'source-group-exceeds-server-limit' });
  });

  it('finds a cut inside the span of a newest-first answer when the stream holds nothing else', async () => {
    // Two groups of 30 and nothing around them: the cut answer (30 + 10) spans all the history there is.
    const { stream, read, truth } = streamSource({ ignoreOldestFirst: true, maxItemsCap: 40 });
    stream.generate(30, { atMs: NOW_MS - 2_000 });
    stream.generate(30, { atMs: NOW_MS - 1_000 });

    const pages = await collect(paginate(read, { startMs: NOW_MS - 5_000, endMs: NOW_MS, pageSize: 100 }));

    expect(keysOf(pages).sort()).toEqual(truth(NOW_MS - 5_000, NOW_MS));
  });

  it('learns the cap and pages by it, reporting it', async () => {
    const { stream, read, truth } = streamSource({ maxItemsCap: 40 });
    stream.generate(300, { fromMs: NOW_MS - 60_000, toMs: NOW_MS, maxEntriesPerTimestamp: 5 });
    const pager = paginate(read, { startMs: NOW_MS - 60_000, endMs: NOW_MS, pageSize: 100 });

    const pages = await collect(pager);

    expect(keysOf(pages).sort()).toEqual(truth(NOW_MS - 60_000, NOW_MS));
    expect(pager.observed()).toMatchObject({ maxItemsCap: 40 });
  });
});

describe('paginate: cases a review found (each lost entries before it was fixed)', () => {
  it('reads what is older than a page-filling newest group on a newest-first server', async () => {
    const { stream, read, truth } = streamSource({ ignoreOldestFirst: true });
    stream.generate(1_000, { fromMs: NOW_MS - 86_400_000, toMs: NOW_MS - 3_600_000 });
    stream.generate(500, { atMs: NOW_MS - 1_000 }); // a bulk insert on one ms, the newest entries

    const pages = await collect(paginate(read, { startMs: 0, endMs: NOW_MS, pageSize: 500 }));

    expect(keysOf(pages).sort()).toEqual(truth(0, NOW_MS));
  });

  it('reads the window when a crowd just before it fills the first answer of a capped server', async () => {
    const { stream, read, truth } = streamSource({ maxItemsCap: 200 });
    const startMs = NOW_MS - 600_000;
    stream.generate(200, { atMs: startMs - 1 });
    stream.generate(300, { fromMs: startMs, toMs: NOW_MS });

    const pages = await collect(paginate(read, { startMs, endMs: NOW_MS, pageSize: 500 }));

    expect(keysOf(pages).sort()).toEqual(truth(startMs, NOW_MS));
  });

  it('fails, naming the cap, when the stream begins with a crowd larger than a cap equal to the page', async () => {
    const { stream, read } = streamSource({ maxItemsCap: 100 });
    stream.generate(250, { atMs: NOW_MS - 50_000 });
    stream.generate(300, { fromMs: NOW_MS - 40_000, toMs: NOW_MS });

    await expect(collect(paginate(read, { startMs: 0, endMs: NOW_MS, pageSize: 100 }))).rejects.toMatchObject(
      {
        reason: 'source-group-exceeds-server-limit',
      },
    );
  });

  it('learns no cap from a server that has none', async () => {
    const { stream, read } = streamSource({ ignoreOldestFirst: true });
    stream.generate(2, { atMs: NOW_MS - 9_995 });
    stream.generate(3, { atMs: NOW_MS - 1_000 });
    const pager = paginate(read, { startMs: NOW_MS - 10_000, endMs: NOW_MS - 1_000, pageSize: 100 });

    await collect(pager);

    expect(pager.observed().maxItemsCap).toBeUndefined();
  });

  it('never sends the same bounded-window request twice in a row', async () => {
    const { stream, read, queries } = streamSource({ ignoreOldestFirst: true });
    stream.generate(2_000, { fromMs: NOW_MS - 600_000, toMs: NOW_MS, maxEntriesPerTimestamp: 3 });

    await collect(paginate(read, { startMs: NOW_MS - 600_000, endMs: NOW_MS, pageSize: 100 }));

    const repeats = queries.filter((q, i) => i > 0 && JSON.stringify(q) === JSON.stringify(queries[i - 1]));
    expect(repeats).toEqual([]);
  });
});
