// The pager's checks on every answer (bounds, order, duplicates, limits) and the causes it names, against
// the simulator's in-memory stream engine; cases the mutation bench found untested are among them.
import { describe, expect, it } from 'vitest';
import {
  paginate,
  type RecordReader,
  TimestampGroupTooLargeError,
} from '../../../functions/sync/paginate.js';
import type { SourceRecord } from '../../../functions/sync/records-store.js';
import { PagerLoopError } from '../../support/capped-reader.js';
import { collect, keysOf, MAX_QUERIES, NOW_MS, streamSource } from '../../support/pager-fixtures.js';

const record = (key: string, sourceTimestampMs: number, value: unknown = key): SourceRecord => ({
  key,
  sourceTimestampMs,
  data: { value },
});

/** The rows of `rows` inside the window asked: what a server that keeps to its bounds answers. */
const inWindow = (rows: readonly SourceRecord[], { startMs, endMs }: { startMs: number; endMs: number }) =>
  rows.filter((r) => r.sourceTimestampMs >= startMs && r.sourceTimestampMs <= endMs);

/** A page ending in a group of two at t=20, whose re-read (and every later answer) holds only one of them. */
function reReadLosingOneOfTwo(): RecordReader {
  let call = 0;
  return async (query) => {
    call++;
    const rows =
      call === 1 ? [record('a', 10), record('b', 10), record('c', 20), record('d', 20)] : [record('c', 20)];
    return inWindow(rows, query);
  };
}

describe('paginate: what it checks on every answer', () => {
  it('reports the server as newest first when it ignores oldestFirst, and still reads everything', async () => {
    const { stream, read, truth } = streamSource({ ignoreOldestFirst: true });
    stream.generate(500, { fromMs: NOW_MS - 600_000, toMs: NOW_MS });
    const pager = paginate(read, { startMs: 0, endMs: NOW_MS, pageSize: 100 });

    const pages = await collect(pager);

    expect(keysOf(pages).sort()).toEqual(truth(0, NOW_MS));
    expect(pager.observed()).toMatchObject({ order: 'newest first' });
  });

  it('learns which bounds are inclusive from the rows on them', async () => {
    const { stream, read } = streamSource({ profile: 'postgres' });
    stream.generate(3, { atMs: NOW_MS - 1_001 }); // just before the window: on the widened start
    stream.generate(50, { fromMs: NOW_MS - 1_000, toMs: NOW_MS });
    const pager = paginate(read, { startMs: NOW_MS - 1_000, endMs: NOW_MS, pageSize: 100 });

    await collect(pager);

    expect(pager.observed()).toMatchObject({ startBound: 'inclusive' });
  });

  it('fails with source-bounds-inconsistent when a re-read holds fewer rows than were held back', async () => {
    const read = reReadLosingOneOfTwo();

    const failure = collect(paginate(read, { startMs: 0, endMs: 100, pageSize: 4 }));

    await expect(failure).rejects.toMatchObject({ reason: 'source-bounds-inconsistent' });
    await expect(failure).rejects.toThrow(/Re-reading the 2 entries at .* returned only 1/);
  });

  it('fails with source-bounds-inconsistent when the server answers outside the window it was asked', async () => {
    const read: RecordReader = async () => [record('a', 10), record('late', 5_000)];

    const failure = collect(paginate(read, { startMs: 0, endMs: 100, pageSize: 10 }));

    await expect(failure).rejects.toMatchObject({ reason: 'source-bounds-inconsistent' });
    await expect(failure).rejects.toThrow(
      /^Asked the source for entries from 1969-12-31T23:59:59\.999Z to 1970-01-01T00:00:00\.101Z; it answered with "late" at 1970-01-01T00:00:05\.000Z, outside that window: the server ignores startDate\/endDate$/,
    );
  });

  it('fails with source-bounds-inconsistent when the history holds fewer rows than an answer inside it', async () => {
    // Three rows on 10 (fewer than the page, so unproven); asked for the whole history, the server shows two.
    const rows = [record('a', 10), record('b', 10), record('c', 10)];
    const read: RecordReader = async (query) => inWindow(query.startMs <= 0 ? rows.slice(1) : rows, query);

    const failure = collect(paginate(read, { startMs: 5, endMs: 100, pageSize: 10 }));

    await expect(failure).rejects.toMatchObject({ reason: 'source-bounds-inconsistent' });
    await expect(failure).rejects.toThrow(
      /^The source returned 3 entries from \S+ to \S+ but 2 for the window from \S+ to \S+, which holds them: entries vanished between two requests, or the server applies its bounds inconsistently$/,
    );
  });

  it('reports bounds it never saw a row on as not shown inclusive, and counts its limit probes', async () => {
    const { stream, read } = streamSource({ profile: 'dse', startExclusive: true });
    stream.generate(5, { atMs: NOW_MS - 10 });
    const pager = paginate(read, { startMs: NOW_MS - 100, endMs: NOW_MS, pageSize: 10 });

    await collect(pager);

    // One probe settles the short answer of one timestamp: the whole history, asked for one row more.
    expect(pager.observed()).toMatchObject({
      startBound: 'not shown inclusive',
      endBound: 'not shown inclusive',
      limitProbes: 1,
    });
  });

  it('fails with duplicate-record-key when two different entries share one key, keeping neither silently', async () => {
    const rows = [record('k', 10, 'one'), record('k', 10, 'two'), record('x', 50)];
    const read: RecordReader = async (query) => inWindow(rows, query);

    const failure = collect(paginate(read, { startMs: 0, endMs: 100, pageSize: 10 }));

    await expect(failure).rejects.toMatchObject({ reason: 'duplicate-record-key' });
    await expect(failure).rejects.toThrow(/KEY_FIELDS/);
  });

  it('gives up with a clear error when one timestamp holds more records than allowed', async () => {
    const { stream, read } = streamSource({});
    stream.generate(30, { atMs: NOW_MS });

    await expect(
      collect(paginate(read, { startMs: 0, endMs: NOW_MS, pageSize: 5, maxGroupSize: 20 })),
    ).rejects.toThrow(TimestampGroupTooLargeError);
  });

  it('asks for the next page while the caller is still storing the current one', async () => {
    const { stream, read, queries } = streamSource({});
    stream.generate(300, { fromMs: NOW_MS - 60_000, toMs: NOW_MS, maxEntriesPerTimestamp: 1 });
    const iterator = paginate(read, { startMs: 0, endMs: NOW_MS, pageSize: 100 })[Symbol.asyncIterator]();

    await iterator.next();

    // The first page, the check for rows it lacks up to its first timestamp, and the next page, asked
    // before the caller has stored the first.
    expect(queries).toHaveLength(3);
    expect(queries[2]?.startMs).toBeGreaterThan(queries[0]?.startMs as number);
  });

  it('uses about one request per page on an ordinary server', async () => {
    const { stream, read, queries } = streamSource({});
    stream.generate(5_000, { fromMs: NOW_MS - 3_600_000, toMs: NOW_MS });

    const pages = await collect(paginate(read, { startMs: 0, endMs: NOW_MS, pageSize: 500 }));

    expect(keysOf(pages)).toHaveLength(5_000);
    // 10 pages, the re-read that confirms the end, and the check for rows before the first answer (two
    // requests while the end bound is unknown).
    expect(queries.length).toBeLessThanOrEqual(13);
  });

  it('lets a caller stop early without a failing read-ahead surfacing as an unhandled rejection', async () => {
    let failedReadAheads = 0;
    const rows = Array.from({ length: 10 }, (_, i) => record(`k${i}`, i));
    const read: RecordReader = async ({ startMs, endMs }) => {
      // The first page and the check before it read from the window start; the read-ahead from later fails.
      if (startMs > 0) {
        failedReadAheads++;
        throw new Error('endpoint down');
      }
      return inWindow(rows, { startMs, endMs });
    };

    for await (const _page of paginate(read, { startMs: 0, endMs: 1000, pageSize: 10 })) break;
    await new Promise((resolve) => setTimeout(resolve, 10)); // let a stray rejection surface

    expect(failedReadAheads).toBe(1);
  });
});

describe('the in-memory reader these tests use', () => {
  it('turns a loop into a named failure after its query cap, yielding to timers on the way', async () => {
    const { stream, read, queries } = streamSource({});
    stream.generate(10, { atMs: NOW_MS - 1_000 });
    let timerFired = false;
    setTimeout(() => {
      timerFired = true;
    }, 0);

    // A caller that asks the same query forever: what a pager that never advances does.
    const loop = async () => {
      for (;;) await read({ startMs: NOW_MS - 1_000, endMs: NOW_MS, maxItems: 5 });
    };

    await expect(loop()).rejects.toBeInstanceOf(PagerLoopError);
    expect(queries).toHaveLength(MAX_QUERIES + 1);
    expect(timerFired).toBe(true);
  });
});

describe('paginate: bounds, limits and the causes it names (cases the mutation bench found untested)', () => {
  it('sends no query for a window that ends before it starts', async () => {
    const { stream, read, queries } = streamSource({});
    stream.generate(10, { atMs: NOW_MS - 5 });

    expect(await collect(paginate(read, { startMs: NOW_MS - 4, endMs: NOW_MS - 5, pageSize: 10 }))).toEqual(
      [],
    );
    expect(queries).toEqual([]);
  });

  it('reads a window of one millisecond', async () => {
    const { stream, read, truth } = streamSource({});
    stream.generate(3, { atMs: NOW_MS - 5 });

    const pages = await collect(paginate(read, { startMs: NOW_MS - 5, endMs: NOW_MS - 5, pageSize: 10 }));

    expect(keysOf(pages).sort()).toEqual(truth(NOW_MS - 5, NOW_MS - 5));
    expect(keysOf(pages)).toHaveLength(3);
  });

  it('reads on to the window end after a crowd that fills pages just before it', async () => {
    const { stream, read, truth, queries } = streamSource({});
    stream.generate(30, { atMs: NOW_MS - 1 });
    stream.generate(4, { atMs: NOW_MS });

    const pages = await collect(paginate(read, { startMs: NOW_MS - 1, endMs: NOW_MS, pageSize: 10 }));

    expect(keysOf(pages).sort()).toEqual(truth(NOW_MS - 1, NOW_MS));
    expect(queries.at(-1)).toMatchObject({ startMs: NOW_MS, endMs: NOW_MS });
  });

  it('asks nothing past the window end once a crowd on its last millisecond is read whole', async () => {
    const { stream, read, queries } = streamSource({});
    stream.generate(30, { atMs: NOW_MS });

    const pages = await collect(paginate(read, { startMs: NOW_MS, endMs: NOW_MS, pageSize: 10 }));

    expect(keysOf(pages)).toHaveLength(30);
    expect(queries.every((q) => q.startMs <= NOW_MS)).toBe(true);
    // Doubling until the crowd fits (40), then the probes that settle whether the server cut it: pinned.
    expect(queries.map((q) => q.maxItems)).toEqual([10, 20, 40, 31, 1, 1]);
  });

  it('reads a crowd of exactly maxGroupSize whole, asking one more than the limit last', async () => {
    const { stream, read, queries } = streamSource({});
    stream.generate(40, { atMs: NOW_MS });

    const pages = await collect(
      paginate(read, { startMs: NOW_MS, endMs: NOW_MS, pageSize: 10, maxGroupSize: 40 }),
    );

    expect(keysOf(pages)).toHaveLength(40);
    expect(queries.map((q) => q.maxItems)).toEqual([10, 20, 40, 41, 41, 1, 1]); // never past 41
  });

  it('names timestamp-group-too-large, the limit and what to do', async () => {
    const { stream, read } = streamSource({});
    stream.generate(30, { atMs: NOW_MS });

    await expect(
      collect(paginate(read, { startMs: 0, endMs: NOW_MS, pageSize: 5, maxGroupSize: 20 })),
    ).rejects.toMatchObject({
      reason: 'timestamp-group-too-large',
      message: expect.stringMatching(
        /^More than 20 source records share the timestamp \S+; a date query cannot page inside one timestamp, .* \(a fixed limit\); ask the source owner why so many entries share one millisecond$/,
      ),
    });
  });

  it('names the server’s cap and the fix when a crowd exceeds it', async () => {
    const { stream, read } = streamSource({ maxItemsCap: 100 });
    stream.generate(250, { atMs: NOW_MS - 50_000 });
    stream.generate(300, { fromMs: NOW_MS - 40_000, toMs: NOW_MS });

    await expect(collect(paginate(read, { startMs: 0, endMs: NOW_MS, pageSize: 100 }))).rejects.toThrow(
      /^The server returns at most 100 entries per request whatever maxItems asks, and at least that many share the timestamp \S+: no date query can read them all\. Raise the server's \(or gateway's\) limit on maxItems above the largest number of entries on one timestamp$/,
    );
  });

  it('says what an inconsistent re-read of a held-back group may mean', async () => {
    const read = reReadLosingOneOfTwo();

    await expect(collect(paginate(read, { startMs: 0, endMs: 100, pageSize: 4 }))).rejects.toThrow(
      /returned only 1: the server excludes the start date it was asked from, or entries were deleted between two requests$/,
    );
  });

  it('counts only the held-back timestamp in its re-read, however many rows follow it', async () => {
    let call = 0;
    const read: RecordReader = async ({ startMs, endMs }) => {
      call++;
      // the page ends in a group of two at t=20; the re-read has one of them, and rows after it
      const rows =
        call === 1
          ? [record('a', 10), record('b', 10), record('c', 20), record('d', 20)]
          : [record('c', 20), record('e', 30), record('f', 30)];
      return inWindow(rows, { startMs, endMs });
    };

    await expect(collect(paginate(read, { startMs: 0, endMs: 100, pageSize: 4 }))).rejects.toThrow(
      /^Re-reading the 2 entries at \S+ returned only 1/,
    );
  });

  it('keeps one of the same row answered twice: a repeat is harmless', async () => {
    const rows = [record('k', 10, 'one'), record('k', 10, 'one'), record('x', 50)];
    const read: RecordReader = async (query) => inWindow(rows, query);

    const pages = await collect(paginate(read, { startMs: 0, endMs: 100, pageSize: 10 }));

    expect(keysOf(pages)).toEqual(['k', 'x']);
  });

  it('fails with source-bounds-inconsistent when one timestamp read alone holds fewer rows than before', async () => {
    let call = 0;
    const read: RecordReader = async () => {
      call++;
      // four rows of one timestamp fill the page; asked for that timestamp alone, the server has two
      return call === 1 ? ['a', 'b', 'c', 'd'].map((k) => record(k, 10)) : [record('a', 10), record('b', 10)];
    };

    const failure = collect(paginate(read, { startMs: 10, endMs: 100, pageSize: 4 }));

    await expect(failure).rejects.toMatchObject({ reason: 'source-bounds-inconsistent' });
    await expect(failure).rejects.toThrow(
      /^Asking for the entries at \S+ alone returned 2, fewer than the 4 a wider window returned there: the server applies its bounds inconsistently$/,
    );
  });

  it('names the key that two different entries share, and the setting that fixes it', async () => {
    const rows = [record('k', 10, 'one'), record('k', 10, 'two'), record('x', 50)];
    const read: RecordReader = async (query) => inWindow(rows, query);

    await expect(collect(paginate(read, { startMs: 0, endMs: 100, pageSize: 10 }))).rejects.toThrow(
      /^Two different source entries at \S+ share the record key "k": this server keeps entries with equal key fields side by side\. Set KEY_FIELDS \(sync\.keyFields\) to fields that identify one entry on it, e\.g\. id$/,
    );
  });
});
