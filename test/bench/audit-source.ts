// A stand-in source for the audit bench, computed rather than stored: entry i of n sits at a timestamp
// shared by three entries (20 ms apart), so a window's answer is made on demand, oldest first, up to
// maxItems, and holding a million entries costs no memory in the process being measured (the simulator
// would hold them all, and answer a million-entry stream too slowly to bench).

import type { RecordReader } from '../../functions/sync/paginate.js';
import { contentHash } from '../../functions/sync/record-content.js';
import { recordItem } from '../../functions/sync/record-item.js';
import { encodeRecordKey } from '../../functions/sync/record-key.js';
import { toSourceRecord } from '../../functions/sync/source-rows.js';

export const BENCH_BASE_MS = Date.parse('2026-11-01T00:00:00Z');
const PER_TIMESTAMP = 3;
const STEP_MS = 20;
const SHAPE = { timestampField: 'timestamp', keyFields: ['timestamp', 'source'] } as const;

export function sourceRow(i: number) {
  return {
    id: `entry-${i}`,
    timestamp: BENCH_BASE_MS + Math.floor(i / PER_TIMESTAMP) * STEP_MS,
    source: `Sensor-${i % PER_TIMESTAMP}`,
    temperature: (i * 7) % 50,
    status: 'ok',
  };
}

/** The window [fromMs, toMs) that holds exactly the n entries. */
export function windowOf(entries: number) {
  return { fromMs: BENCH_BASE_MS, toMs: BENCH_BASE_MS + Math.ceil(entries / PER_TIMESTAMP) * STEP_MS };
}

/** The record the sync would store for entry i: its key and content hash. */
export function storedRecordOf(i: number, altered = false) {
  const row = sourceRow(i);
  return {
    key: encodeRecordKey([row.timestamp, row.source]),
    sourceTimestampMs: row.timestamp,
    contentHash: contentHash(altered ? { ...row, status: 'changed since' } : row),
  };
}

/** The item a sync would have stored for entry i, data and all: what a Query of the table reads and bills. */
export function storedItemOf(job: string, i: number, altered = false) {
  const row = sourceRow(i);
  const { key, sourceTimestampMs } = storedRecordOf(i);
  const data = altered ? { ...row, status: 'changed since' } : row;
  return recordItem(
    { key, sourceTimestampMs, data },
    { job, runId: 'bench-fill', fence: 1 },
    {
      readAtMs: sourceTimestampMs,
      syncedAtMs: sourceTimestampMs,
    },
  );
}

export function computedSource(entries: number): RecordReader {
  return async ({ startMs, endMs, maxItems }) => {
    const firstGroup = Math.max(0, Math.ceil((startMs - BENCH_BASE_MS) / STEP_MS));
    const lastGroup = Math.floor((endMs - BENCH_BASE_MS) / STEP_MS);
    const first = firstGroup * PER_TIMESTAMP;
    const end = Math.min(entries, (lastGroup + 1) * PER_TIMESTAMP, first + maxItems);
    const rows = [];
    for (let i = first; i < end; i++) rows.push(toSourceRecord(sourceRow(i), i - first, SHAPE));
    return rows;
  };
}
