// Which road the pager takes for each kind of answer: hold the last group back, read one timestamp
// alone, settle a short answer at once, or switch to bounded windows. Most roads end at the exact
// window even when the wrong one is taken, so these tests pin the queries each road sends (the windows,
// their order, their count) beside what is yielded; the mutation bench found each road untested.
// The servers are small tables with a stated order and cap, so every query can be worked out by hand.
import { describe, expect, it } from 'vitest';
import { type Page, type PageStream, paginate, type WindowQuery } from '../../../functions/sync/paginate.js';
import type { SourceRecord } from '../../../functions/sync/records-store.js';
import { PagerLoopError } from '../../support/capped-reader.js';

const MAX_QUERIES = 200;

/** How a table server orders (and so where it cuts) an answer of the rows in the window asked. */
type TableOrder =
  | 'oldest first'
  | 'newest first'
  /** The newest rows, each pair swapped: an order no pager can page past, and a cut that lacks the oldest. */
  | 'newest, pairs swapped'
  /** Oldest first, except a query from the start of history (a probe), which it answers newest first. */
  | 'oldest first, probes newest first'
  /**
   * The newest rows of the window, sorted oldest first: a custom service that queries newest first (the
   * ThingWorx default) and sorts what it got. Its answers look oldest first, yet a cut lacks the oldest.
   */
  | 'newest rows, sorted oldest first';

/** A server holding `rows`, with inclusive bounds, answering in `order` and at most `cap` rows. */
function tableServer(rows: readonly SourceRecord[], order: TableOrder, cap = Number.POSITIVE_INFINITY) {
  const queries: WindowQuery[] = [];
  const read = async (query: WindowQuery): Promise<SourceRecord[]> => {
    queries.push(query);
    if (queries.length > MAX_QUERIES) throw new PagerLoopError(MAX_QUERIES, query);
    const inWindow = rows
      .filter((r) => r.sourceTimestampMs >= query.startMs && r.sourceTimestampMs <= query.endMs)
      .sort((a, b) => a.sourceTimestampMs - b.sourceTimestampMs || a.key.localeCompare(b.key));
    const newestFirst =
      order === 'newest first' ||
      order === 'newest, pairs swapped' ||
      (order === 'oldest first, probes newest first' && query.startMs <= 0);
    const limit = Math.min(query.maxItems, cap);
    if (order === 'newest rows, sorted oldest first')
      return inWindow.slice(Math.max(0, inWindow.length - limit));
    const cut = (newestFirst ? inWindow.reverse() : inWindow).slice(0, limit);
    if (order !== 'newest, pairs swapped') return cut;
    return cut.map((_, i) => cut[i % 2 === 0 ? Math.min(i + 1, cut.length - 1) : i - 1] as SourceRecord);
  };
  return { read, queries };
}

/** `count` rows on `atMs`, keyed by the timestamp and an index. */
const rowsAt = (atMs: number, count = 1): SourceRecord[] =>
  Array.from({ length: count }, (_, i) => ({ key: `${atMs}-${i}`, sourceTimestampMs: atMs, data: { i } }));

/** One row on each millisecond of [fromMs, toMs]. */
const rowEach = (fromMs: number, toMs: number): SourceRecord[] =>
  Array.from({ length: toMs - fromMs + 1 }, (_, i) => rowsAt(fromMs + i)).flat();

async function collect(pages: PageStream): Promise<Page[]> {
  const all: Page[] = [];
  for await (const page of pages) all.push(page);
  return all;
}

const keysOf = (pages: readonly Page[]) => pages.flatMap((p) => p.records.map((r) => r.key));
const keysIn = (rows: readonly SourceRecord[], startMs: number, endMs: number) =>
  rows
    .filter((r) => r.sourceTimestampMs >= startMs && r.sourceTimestampMs <= endMs)
    .map((r) => r.key)
    .sort();
/** Queries as [startMs, endMs, maxItems], to read (and pin) at a glance. */
const asked = (queries: readonly WindowQuery[]) => queries.map((q) => [q.startMs, q.endMs, q.maxItems]);

describe('paginate: the road each answer takes', () => {
  it('reads a server whose answers come in no order through bounded windows, halving each full one', async () => {
    // Cut answers hold the newest rows, pairs swapped: holding back the last group of one would skip
    // every older row. Each full window is halved (its order says nothing of where the rest lies).
    const rows = rowEach(1, 12);
    const server = tableServer(rows, 'newest, pairs swapped');
    const pager = paginate(server.read, { startMs: 1, endMs: 12, pageSize: 4 });

    const pages = await collect(pager);

    expect(keysOf(pages).sort()).toEqual(keysIn(rows, 1, 12));
    expect(pages.map((p) => p.records.length)).toEqual([3, 2, 2, 2, 2, 1]);
    expect(asked(server.queries)).toEqual([
      [0, 13, 4], // [1, 12] full, unordered
      [0, 7, 4], // [1, 6]: a row on the widened end, so asked again exactly
      [0, 6, 4], // full again: halved
      [0, 3, 4], // [1, 3] complete
      [3, 5, 4], // [4, 5]: a row on the widened start
      [4, 5, 4],
      [6, 7, 4],
      [8, 9, 4],
      [10, 11, 4],
      [12, 12, 4],
    ]);
    expect(pager.observed().order).toBe('unordered');
  });

  it('on a newest-first server, narrows a full answer to just before its oldest row: the window start', async () => {
    // The answer's oldest row is on the window start, so what it lacks is there: the next window is that
    // millisecond alone, then the crowd is read whole and the windows grow again.
    const rows = [...rowsAt(100, 12), ...rowEach(105, 107)];
    const server = tableServer(rows, 'newest first');

    const pages = await collect(paginate(server.read, { startMs: 100, endMs: 200, pageSize: 10 }));

    expect(keysOf(pages).sort()).toEqual(keysIn(rows, 100, 200));
    expect(pages.map((p) => p.records.length)).toEqual([12, 3]);
    expect(asked(server.queries)).toEqual([
      [99, 201, 10], // newest first, full; oldest row at 100
      [99, 101, 10], // [100, 100] alone: full
      [99, 101, 20], // the crowd read whole: 12
      [-1, 201, 13], // proving 12 was not cut
      [100, 103, 10], // [101, 102]: a row on the widened start
      [101, 103, 10],
      [103, 119, 10], // the window grows: [102, 118]...
      [119, 145, 10],
      [145, 201, 10],
    ]);
  });

  it('settles a short answer of one timestamp with one probe, without reading that timestamp alone', async () => {
    const rows = [...rowsAt(50), ...rowsAt(100, 3)]; // a row before the window proves 3 was not cut
    const server = tableServer(rows, 'oldest first');

    const pages = await collect(paginate(server.read, { startMs: 100, endMs: 200, pageSize: 10 }));

    expect(keysOf(pages).sort()).toEqual(keysIn(rows, 100, 200));
    expect(asked(server.queries)).toEqual([
      [99, 201, 10],
      [-1, 201, 4], // the whole history holds more than 3: the answer was complete
    ]);
  });

  it('checks a crowd that fills an answer after a gap for rows before it, then reads it alone', async () => {
    // The crowd on 20 fills the answer from 11 but is later than 11: the answer may have been cut from
    // either end, so one request asks what lies in [11, 19]. Nothing: the crowd is read alone at once.
    const rows = [...rowEach(1, 5), ...rowsAt(10, 30), ...rowsAt(20, 30)];
    const server = tableServer(rows, 'oldest first');
    const pager = paginate(server.read, { startMs: 1, endMs: 30, pageSize: 10 });

    const pages = await collect(pager);

    expect(keysOf(pages).sort()).toEqual(keysIn(rows, 1, 30));
    expect(pages.map((p) => p.records.length)).toEqual([5, 30, 30]);
    expect(asked(server.queries)).toEqual([
      [0, 31, 10], // 1..5 and five of the crowd on 10, oldest first: 10 held back
      [0, 2, 2], // more than one row up to 1? A row on the widened end: the end bound is inclusive
      [0, 1, 2], // asked again exactly: one, so the answer kept the oldest rows
      [9, 30, 10], // its re-read: the crowd fills it
      [9, 10, 20], // 10 alone, growing
      [9, 10, 40],
      [-1, 30, 31], // proving 30 was not cut
      [10, 30, 10], // from 11: a row on the widened start
      [11, 30, 10], // the crowd on 20 fills it
      [11, 19, 1], // anything in [11, 19]? Nothing: the crowd is the oldest of its window
      [20, 20, 20], // 20 alone
      [20, 20, 40],
      [21, 30, 10],
    ]);
    expect(pager.observed()).toMatchObject({ cutKeeps: 'oldest rows', order: 'oldest first' });
  });

  it('holds back the last group of an oldest-first answer even after a probe came back newest first', async () => {
    // The answer's own order is what the pager trusts for a cut of several timestamps; only an answer of
    // one timestamp, which shows no order, is judged by what earlier answers showed.
    const rows = [...rowsAt(100, 15), ...rowEach(101, 130)];
    const server = tableServer(rows, 'oldest first, probes newest first');
    const pager = paginate(server.read, { startMs: 100, endMs: 200, pageSize: 10 });

    const pages = await collect(pager);

    expect(keysOf(pages).sort()).toEqual(keysIn(rows, 100, 200));
    expect(pages.map((p) => p.records.length)).toEqual([15, 9, 9, 9, 3]);
    expect(asked(server.queries)).toEqual([
      [99, 201, 10], // the crowd on 100 fills it
      [99, 101, 20], // 100 alone: a row on the widened end
      [99, 100, 20],
      [-1, 200, 16], // the probe, answered newest first
      [100, 200, 10], // from 101: a row on the widened start
      [101, 200, 10], // 101..110 oldest first, full: 110 held back
      [101, 101, 2], // more than one row up to 101? No: the answer kept the oldest rows
      [110, 200, 10],
      [119, 200, 10],
      [128, 200, 10],
    ]);
    expect(pager.observed().order).toBe('unordered');
  });

  it.each([
    ['rows after it', rowEach(1, 8), 8, [3, 3, 2], [[7, 8, 10]]],
    ['more rows on it than were held back', [...rowEach(1, 3), ...rowsAt(4, 3)], 4, [3, 3], []],
  ])(
    'proves the server cuts at 4 when the re-read of a held-back group shows %s',
    async (_shows, rows, endMs, sizes, rest) => {
      // [1, 2, 3, 4] of more rows is short of the page but unproven; holding 4 back, the re-read shows
      // the window held more, so that first window is asked once more for 5 rows: 4 again, a cut.
      const server = tableServer(rows, 'oldest first', 4);
      const pager = paginate(server.read, { startMs: 1, endMs, pageSize: 10 });

      const pages = await collect(pager);

      expect(keysOf(pages).sort()).toEqual(keysIn(rows, 1, endMs));
      expect(pages.map((p) => p.records.length)).toEqual(sizes);
      expect(asked(server.queries)).toEqual([
        [0, endMs + 1, 10],
        [0, 2, 2], // more than one row up to 1? A row on the widened end: the end bound is inclusive
        [0, 1, 2], // asked again exactly: one, so the answer kept the oldest rows
        [3, endMs, 10], // the re-read from 4: a row on the widened start
        [4, endMs, 10],
        [1, endMs, 5], // the first window again, one row more
        ...rest,
      ]);
      expect(pager.observed()).toMatchObject({ maxItemsCap: 4, limitProbes: 2, cutKeeps: 'oldest rows' });
    },
  );
  it('reads every row of a server whose cuts keep the newest rows, though its answers look oldest first', async () => {
    // Read on from the first answer's last group, this server would give only its newest 4 rows. The
    // check for rows before the answer finds one, and bounded windows (each full one halved, and no
    // further than before its oldest row) read the rest.
    const rows = rowEach(1, 12);
    const server = tableServer(rows, 'newest rows, sorted oldest first');
    const pager = paginate(server.read, { startMs: 1, endMs: 12, pageSize: 4 });

    const pages = await collect(pager);

    expect(keysOf(pages).sort()).toEqual(keysIn(rows, 1, 12));
    expect(pages.map((p) => p.records.length)).toEqual([2, 2, 2, 2, 2, 2]);
    expect(asked(server.queries)).toEqual([
      [0, 13, 4], // [1, 12]: rows 9..12, full, and they look oldest first
      [0, 10, 2], // more than one row up to 9? A row on the widened end: asked again exactly
      [0, 9, 2], // rows 8 and 9: the cut kept the newest rows; bounded windows from 1
      [0, 6, 4], // [1, 6], halved: rows 3..6, full
      [0, 2, 4], // [1, 2]: halved and before row 3: complete
      [2, 4, 4], // [3, 4], aimed at half a page: a row on the widened start
      [3, 4, 4],
      [5, 6, 4],
      [7, 8, 4],
      [9, 10, 4],
      [11, 12, 4],
    ]);
    expect(pager.observed()).toMatchObject({ cutKeeps: 'newest rows', order: 'oldest first' });
  });

  it.each([
    { rows: 40, pageSize: 4, cap: undefined },
    { rows: 40, pageSize: 4, cap: 3 },
    { rows: 40, pageSize: 1_000, cap: 4 },
    { rows: 300, pageSize: 25, cap: undefined },
  ])(
    'copies all $rows rows of a server that cuts at the newest (page $pageSize, cap $cap)',
    async ({ rows: count, pageSize, cap }) => {
      // One row on each of `count` milliseconds, two on every fifth: cuts land inside groups too.
      const rows = [
        ...rowEach(1, count),
        ...rowEach(1, count)
          .filter((r) => r.sourceTimestampMs % 5 === 0)
          .map((r) => ({ ...r, key: `${r.key}-b` })),
      ];
      const server = tableServer(rows, 'newest rows, sorted oldest first', cap);

      const pages = await collect(paginate(server.read, { startMs: 1, endMs: count, pageSize }));

      expect(keysOf(pages).sort()).toEqual(keysIn(rows, 1, count));
    },
  );
});
