import { describe, expect, it } from 'vitest';
import {
  type Page,
  paginate,
  type RecordReader,
  TimestampGroupTooLargeError,
} from '../../../functions/sync/paginate.js';
import type { SourceRecord } from '../../../functions/sync/records-store.js';

/** An in-memory source that answers like QueryStreamEntriesWithData with oldestFirst: true. */
function sourceOf(records: SourceRecord[]) {
  const queries: { startMs: number; endMs: number; maxItems: number }[] = [];
  const read: RecordReader = async (query) => {
    queries.push(query);
    return records
      .filter((r) => r.sourceTimestampMs >= query.startMs && r.sourceTimestampMs <= query.endMs)
      .sort((a, b) => a.sourceTimestampMs - b.sourceTimestampMs)
      .slice(0, query.maxItems);
  };
  return { read, queries };
}

const record = (key: string, sourceTimestampMs: number): SourceRecord => ({
  key,
  sourceTimestampMs,
  data: {},
});

async function collect(pages: AsyncGenerator<Page>): Promise<Page[]> {
  const all: Page[] = [];
  for await (const page of pages) all.push(page);
  return all;
}

describe('paginate', () => {
  it('yields every record of the window once, in (timestamp, key) order', async () => {
    const records = Array.from({ length: 25 }, (_, i) =>
      record(`k${String(i).padStart(2, '0')}`, 1000 + i * 10),
    );
    const { read } = sourceOf(records);

    const pages = await collect(paginate(read, { startMs: 0, endMs: 10_000, pageSize: 10 }));

    expect(pages.flatMap((p) => p.records.map((r) => r.key))).toEqual(records.map((r) => r.key));
    expect(pages.at(-1)?.position).toEqual({ timestampMs: 1240, key: 'k24' });
  });

  it('holds back a timestamp group cut by the page size and re-reads it whole', async () => {
    // page of 4 ends inside the group at t=20 (three records there)
    const records = [record('a', 10), record('b', 10), record('c', 20), record('d', 20), record('e', 20)];
    const { read } = sourceOf(records);

    const pages = await collect(paginate(read, { startMs: 0, endMs: 100, pageSize: 4 }));

    expect(pages.map((p) => p.records.map((r) => r.key))).toEqual([
      ['a', 'b'],
      ['c', 'd', 'e'],
    ]);
    expect(pages[0]?.position).toEqual({ timestampMs: 10, key: 'b' });
  });

  it('reads a timestamp shared by more records than a page holds without looping or skipping', async () => {
    const crowd = Array.from({ length: 57 }, (_, i) => record(`same-${String(i).padStart(2, '0')}`, 500));
    const records = [record('before', 400), ...crowd, record('after', 600)];
    const { read, queries } = sourceOf(records);

    const pages = await collect(paginate(read, { startMs: 0, endMs: 1000, pageSize: 10 }));

    const keys = pages.flatMap((p) => p.records.map((r) => r.key));
    expect(keys).toEqual(['before', ...crowd.map((r) => r.key), 'after']);
    expect(new Set(keys).size).toBe(keys.length);
    expect(queries.length).toBeLessThan(10);
  });

  it('gives up with a clear error when one timestamp holds more records than allowed', async () => {
    const crowd = Array.from({ length: 30 }, (_, i) => record(`same-${i}`, 500));
    const { read } = sourceOf(crowd);

    await expect(
      collect(paginate(read, { startMs: 0, endMs: 1000, pageSize: 5, maxGroupSize: 20 })),
    ).rejects.toThrow(TimestampGroupTooLargeError);
  });

  it('yields nothing for an empty window', async () => {
    const { read, queries } = sourceOf([record('a', 5)]);

    const pages = await collect(paginate(read, { startMs: 10, endMs: 100, pageSize: 10 }));

    expect(pages).toEqual([]);
    expect(queries).toHaveLength(1);
  });

  it('orders records by key within a timestamp whatever order the source returns them in', async () => {
    const read: RecordReader = async () => [record('z', 10), record('a', 10), record('m', 5)];

    const [page] = await collect(paginate(read, { startMs: 0, endMs: 100, pageSize: 10 }));

    expect(page?.records.map((r) => r.key)).toEqual(['m', 'a', 'z']);
    expect(page?.position).toEqual({ timestampMs: 10, key: 'z' });
  });

  it('asks for the next page while the caller is still storing the current one', async () => {
    const records = Array.from({ length: 30 }, (_, i) => record(`k${String(i).padStart(2, '0')}`, 100 + i));
    const { read, queries } = sourceOf(records);
    const pages = paginate(read, { startMs: 0, endMs: 1000, pageSize: 10 });

    await pages.next();

    expect(queries).toHaveLength(2);
  });

  it('lets a caller stop early without a failing read-ahead surfacing as an unhandled rejection', async () => {
    let calls = 0;
    const read: RecordReader = async () => {
      calls++;
      if (calls > 1) throw new Error('endpoint down');
      return Array.from({ length: 10 }, (_, i) => record(`k${i}`, i));
    };

    for await (const _page of paginate(read, { startMs: 0, endMs: 1000, pageSize: 10 })) break;
    await new Promise((resolve) => setTimeout(resolve, 10)); // let a stray rejection surface

    expect(calls).toBe(2);
  });
});
