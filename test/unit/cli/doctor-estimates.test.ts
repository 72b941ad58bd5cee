// The pure verdicts of doctor: the throughput estimate for the default schedule and timeout, the stream
// verdicts and the back-end profile the answers match, and the key-expiry threshold the alarm shares.
import { describe, expect, it } from 'vitest';
import { KEY_EXPIRY_ALARM_DAYS } from '../../../infra/aws/key-alarms.js';
import { KEY_EXPIRY_WARN_DAYS } from '../../../infra/cli/doctor/key-check.js';
import { streamChecks } from '../../../infra/cli/doctor/stream-check.js';
import type { StreamRead } from '../../../infra/cli/doctor/stream-read.js';
import { estimateThroughput, throughputCheck } from '../../../infra/cli/doctor/throughput-check.js';

const HOUR_MS = 3_600_000;
const END_MS = Date.UTC(2026, 11, 3, 12);

function read(overrides: Partial<StreamRead> = {}): StreamRead {
  return {
    windowStartMs: END_MS - 24 * HOUR_MS,
    windowEndMs: END_MS,
    missingFields: {},
    sampleRows: 50,
    cutKeepsNewest: false,
    // Cast: the pager's ObservedServer may gain fields this test does not need.
    observed: {
      startBound: 'not shown inclusive',
      endBound: 'not shown inclusive',
      order: 'oldest first',
      maxItemsCap: undefined,
      largestAnswer: 500,
      requests: 10,
      limitProbes: 0,
    } as StreamRead['observed'],
    records: 4_800,
    truncated: false,
    lastHourEntries: 200,
    largestGroup: { timestampMs: END_MS - HOUR_MS, size: 12 },
    bounds: { startInclusive: true, endInclusive: true, aimedAtMs: END_MS - 2 * HOUR_MS },
    requestMs: [100, 120, 80, 100, 110],
    rowsPerRequest: [500, 500, 500, 500, 500],
    ...overrides,
  };
}

describe('throughput estimate', () => {
  it("counts the backlog from the stream's oldest entry at the last day's rate", () => {
    const estimate = estimateThroughput(read({ oldestEntryMs: END_MS - 10 * 24 * HOUR_MS }));

    // 4,800 entries a day over 10 days; 500 rows a request at a median of 100 ms.
    expect(estimate).toMatchObject({ backlogEntries: 48_000, medianRequestMs: 100, rowsPerRequest: 500 });
    expect(estimate?.firstSyncMs).toBe(96 * 100);
    expect(estimate?.runsForBacklog).toBe(1);
  });

  it('warns when the backlog takes more than one run at the default timeout', () => {
    const slow = read({ oldestEntryMs: END_MS - 3_000 * 24 * HOUR_MS, requestMs: [900, 1_000, 1_100] });

    const result = throughputCheck(slow);

    expect(result.status).toBe('WARN');
    expect(result.evidence).toMatch(/that is \d+ runs at the defaults \(rate\(4 hours\), timeout 300 s\)/);
  });

  it('fails when more entries arrive per schedule interval than a run can read', () => {
    // 200,000 entries in the last hour: 800,000 per 4 h; a run reads 280 s / 1 s × 500 = 140,000.
    const busy = read({ lastHourEntries: 200_000, records: 200_000, requestMs: [1_000, 1_000, 1_000] });

    expect(throughputCheck(busy).status).toBe('FAIL');
  });
});

describe('stream verdicts and the matched profile', () => {
  it('matches dse with a cap, and says the sync adapts', () => {
    const observed = { ...(read().observed as NonNullable<StreamRead['observed']>), maxItemsCap: 200 };
    const results = streamChecks(
      read({ observed, bounds: { startInclusive: true, endInclusive: false, aimedAtMs: END_MS - HOUR_MS } }),
      { pageSize: 500 },
    );
    const profile = results.find((r) => r.id === 'stream.profile');

    expect(profile).toMatchObject({ status: 'ok' });
    expect(profile?.evidence).toContain(
      'dse (end exclusive), maxItemsCap 200 (--backend dse,maxItemsCap=200)',
    );
    expect(results.find((r) => r.id === 'stream.cap')?.status).toBe('WARN');
  });

  it('warns of a cut that keeps the newest rows in oldest-first order, and names the switch', () => {
    const results = streamChecks(read({ cutKeepsNewest: true }), { pageSize: 500 });

    expect(results.find((r) => r.id === 'stream.order')).toMatchObject({
      status: 'WARN',
      cause: 'cut-keeps-newest',
    });
    expect(results.find((r) => r.id === 'stream.profile')?.evidence).toContain(
      'postgres (both bounds inclusive), cuts keep the newest rows (--backend postgres,cutKeepsNewest)',
    );
  });

  it('warns of an empty stream instead of judging its fields', () => {
    const results = streamChecks(read({ sampleRows: 0, records: 0 }), { pageSize: 500 });

    expect(results.find((r) => r.id === 'stream.fields')?.status).toBe('WARN');
  });
});

describe('key expiry threshold', () => {
  it('warns at the same 7 days the key-expiry alarm fires at', () => {
    expect(KEY_EXPIRY_WARN_DAYS).toBe(KEY_EXPIRY_ALARM_DAYS);
  });
});
