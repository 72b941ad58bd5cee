// Endpoint requests per 1,000 records, and records missed, for syncwarden's pager beside (n) the naive
// date pager it replaced (issue 12), under each simulator back-end profile. Both run in-process against
// the simulator's stream engine (no HTTP), so the counts are exact and the run takes seconds.

import { SyncWardenError } from '../../functions/shared/errors.js';
import { paginate, type RecordReader } from '../../functions/sync/paginate.js';
import type { SourceRecord } from '../../functions/sync/records-store.js';
import { SYNC_DEFAULTS } from '../../functions/sync/sync-config.js';
import { sourceRecordsOf } from '../../infra/local/gap-check.js';
import {
  type BackendOptions,
  describeBackend,
  parseBackendSpec,
  resolveBackend,
} from '../../infra/local/thingworx-simulator/backend-profile.js';
import { createPrng } from '../../infra/local/thingworx-simulator/prng.js';
import { StreamStore } from '../../infra/local/thingworx-simulator/stream.js';

const ENTRIES = 10_000;
const PAGE_SIZE = 1_000;
const NOW_MS = 1_800_000_000_000;
/** The naive pager loops forever on a capped server; this many requests is taken as a loop. */
const LOOP_LIMIT = 1_000;

export const PROFILE_SPECS = [
  'postgres',
  'dse',
  'postgres,startExclusive',
  'postgres,ignoreOldestFirst',
  'postgres,maxItemsCap=200',
  'postgres,cutKeepsNewest,maxItemsCap=200',
  'dse,startExclusive,ignoreOldestFirst,maxItemsCap=200',
];

export interface PagerFigure {
  readonly backend: string;
  readonly pager: '(a) syncwarden' | '(n) naive date pager';
  /** The whole history from 1970 (a first run). */
  readonly requestsPer1000: number;
  /** One incremental run over the last 10 minutes (about 70 entries), as every scheduled run after the first. */
  readonly requestsPerIncrementalRun: number;
  readonly missed: number;
  /** 'complete', or why it stopped: a named failure, or a loop. */
  readonly outcome: string;
}

class LoopError extends Error {}

function source(backend: BackendOptions) {
  const stream = new StreamStore({ nowMs: () => NOW_MS }, createPrng(11, 'stream'), { backend });
  // Spread over a day, clustered, as bench:sync's source.
  stream.generate(ENTRIES, { fromMs: NOW_MS - 86_400_000, toMs: NOW_MS - 1_000 });
  let requests = 0;
  const read: RecordReader = async (query) => {
    if (++requests > LOOP_LIMIT)
      throw new LoopError(`more than ${LOOP_LIMIT} requests for ${ENTRIES} entries`);
    return sourceRecordsOf(stream.query({ ...query, oldestFirst: true }), SYNC_DEFAULTS);
  };
  const truth = new Set(sourceRecordsOf(stream.all(), SYNC_DEFAULTS).map((r) => r.key));
  return { read, truth, requests: () => requests };
}

/**
 * The pager syncwarden had before issue 12: trusts inclusive bounds and the order, sorts each page, takes
 * a short page for the end, holds back a full page's last group and re-reads it from its timestamp.
 */
async function naivePager(read: RecordReader, startMs: number, endMs: number): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  for (let from = startMs; from <= endMs; ) {
    const rows = (await read({ startMs: from, endMs, maxItems: PAGE_SIZE })).sort(
      (a, b) => a.sourceTimestampMs - b.sourceTimestampMs,
    );
    const last = rows.at(-1);
    if (!last) break;
    if (rows.length < PAGE_SIZE) {
      out.push(...rows);
      break;
    }
    const complete = rows.filter((r) => r.sourceTimestampMs < last.sourceTimestampMs);
    if (complete.length === 0) {
      out.push(
        ...(await read({
          startMs: last.sourceTimestampMs,
          endMs: last.sourceTimestampMs,
          maxItems: 100_000,
        })),
      );
      from = last.sourceTimestampMs + 1;
    } else {
      out.push(...complete);
      from = last.sourceTimestampMs;
    }
  }
  return out;
}

type Pager = (read: RecordReader, startMs: number) => Promise<SourceRecord[]>;

const INCREMENTAL_WINDOW_MS = 600_000;

async function measure(spec: string, pager: PagerFigure['pager'], run: Pager): Promise<PagerFigure> {
  const backend = describeBackend(resolveBackend(parseBackendSpec(spec)));
  const incremental = source(parseBackendSpec(spec));
  await run(incremental.read, NOW_MS - INCREMENTAL_WINDOW_MS).catch(() => undefined);
  const requestsPerIncrementalRun = incremental.requests();
  const { read, truth, requests } = source(parseBackendSpec(spec));
  const per1000 = () => (requests() / ENTRIES) * 1000;
  try {
    const seen = new Set((await run(read, 0)).map((r) => r.key));
    const missed = [...truth].filter((key) => !seen.has(key)).length;
    return {
      backend,
      pager,
      requestsPer1000: per1000(),
      requestsPerIncrementalRun,
      missed,
      outcome: 'complete',
    };
  } catch (error) {
    const outcome =
      error instanceof LoopError
        ? 'looped (re-reads forever)'
        : `failed: ${error instanceof SyncWardenError ? error.reason : String(error)}`;
    return {
      backend,
      pager,
      requestsPer1000: per1000(),
      requestsPerIncrementalRun,
      missed: truth.size,
      outcome,
    };
  }
}

export async function pagerProfileFigures(): Promise<PagerFigure[]> {
  const figures: PagerFigure[] = [];
  for (const spec of PROFILE_SPECS) {
    figures.push(
      await measure(spec, '(a) syncwarden', async (read, startMs) => {
        const records: SourceRecord[] = [];
        for await (const page of paginate(read, { startMs, endMs: NOW_MS, pageSize: PAGE_SIZE })) {
          records.push(...page.records);
        }
        return records;
      }),
    );
    figures.push(
      await measure(spec, '(n) naive date pager', (read, startMs) => naivePager(read, startMs, NOW_MS)),
    );
  }
  return figures;
}

export function printPagerFigures(figures: readonly PagerFigure[]): void {
  console.log(`\nendpoint requests by back end (${ENTRIES} entries in-process, page size ${PAGE_SIZE}):`);
  const header = [
    'back end',
    'pager',
    'endpoint requests/1000 (first run)',
    'requests per incremental run',
    'records missed',
    'outcome',
  ];
  const rows = figures.map((f) => [
    f.backend,
    f.pager,
    f.requestsPer1000.toFixed(1),
    String(f.requestsPerIncrementalRun),
    String(f.missed),
    f.outcome,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  console.log(line(header));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const row of rows) console.log(line(row));
}

if (import.meta.url === `file://${process.argv[1]}`) printPagerFigures(await pagerProfileFigures());
