// The frozen-Date check behind a load-balanced pool: Dates of servers a few seconds apart are no cache
// evidence; only the same Date replayed further apart than the pool's clocks explain is, and even that
// is retried once (a pool node not seen yet looks the same) before the call fails as cached-response.
import { describe, expect, it } from 'vitest';
import type { AppKey } from '../../../functions/app-key/key-source.js';
import { AccessDeniedError } from '../../../functions/endpoint/diagnose.js';
import type { HttpResponse, HttpTransport } from '../../../functions/endpoint/http-request.js';
import { type DatedAnswer, ServerDates } from '../../../functions/endpoint/server-dates.js';
import { ThingWorxClient } from '../../../functions/endpoint/thingworx-client.js';
import { ManualClock } from '../../../functions/shared/clock.js';
import { RecordingLogger, RecordingMetrics } from '../../support/observability.js';
import { INFO_TABLE, response, SwappableKeySource } from './fakes.js';

const START_MS = Date.parse('2025-03-01T12:00:00.300Z');
const KEY: AppKey = { appKey: '7d2b9e41-0c6a-4f35-8b17-e4a9c3d5f026', versionId: 'v1' };

/** An answer whose Date a server with this clock offset wrote, `durationMs` after it was sent at `sentAtMs`. */
function answered(sentAtMs: number, durationMs: number, offsetMs: number): DatedAnswer {
  const receivedAtMs = sentAtMs + durationMs;
  return { dateMs: Math.floor((receivedAtMs + offsetMs) / 1000) * 1000, sentAtMs, receivedAtMs };
}

describe('server Dates of a pool', () => {
  it('takes an older Date from another server of the pool for no replay', () => {
    const dates = new ServerDates();
    const ahead = answered(START_MS, 50, 3_000);
    dates.remember(ahead);
    // 2.1 s later the other server, 3 s behind, writes an older Date: a healthy pool, not a cache.
    const behind = answered(ahead.receivedAtMs, 2_100, 0);
    expect(behind.dateMs).toBeLessThan(ahead.dateMs);
    expect(dates.replayOf(behind)).toBeUndefined();
  });

  it('takes the same Date from two servers of the pool for no replay while their clocks explain it', () => {
    const dates = new ServerDates();
    dates.remember(answered(START_MS, 20, 0));
    dates.remember(answered(START_MS + 20, 20, 2_500));
    // A later answer from the first server carrying the second's Date: 2.5 s apart is what the pool spans.
    const first = answered(START_MS, 20, 2_500);
    const sameDate = { ...answered(START_MS + 2_600, 20, 0), dateMs: first.dateMs };
    expect(dates.replayOf(sameDate)).toBeUndefined();
  });

  it('takes the same Date answered further apart than one server-second for a replay', () => {
    const dates = new ServerDates();
    const first = answered(START_MS, 20, 0);
    dates.remember(first);
    const replay = { dateMs: first.dateMs, sentAtMs: first.receivedAtMs + 2_500, receivedAtMs: 0 };
    expect(dates.replayOf(replay)).toMatchObject({
      date: new Date(first.dateMs).toUTCString(),
      apartMs: 2_500,
    });
  });

  it('accepts the same Date twice within one second of one server', () => {
    const dates = new ServerDates();
    const first = answered(START_MS, 20, 0);
    dates.remember(first);
    expect(dates.replayOf({ ...answered(START_MS + 600, 20, 0), dateMs: first.dateMs })).toBeUndefined();
  });

  it('is not talked out of a replay by the replayed answers themselves', () => {
    const dates = new ServerDates();
    const first = answered(START_MS, 20, 0);
    dates.remember(first);
    // A cache replays the first Date on fast requests: each one may pass, none widens the spread.
    for (let sentAtMs = first.receivedAtMs + 100; sentAtMs < first.receivedAtMs + 1_900; sentAtMs += 100) {
      const replay = { dateMs: first.dateMs, sentAtMs, receivedAtMs: sentAtMs + 20 };
      expect(dates.replayOf(replay)).toBeUndefined();
      dates.remember(replay);
    }
    expect(
      dates.replayOf({ dateMs: first.dateMs, sentAtMs: first.receivedAtMs + 2_200, receivedAtMs: 0 }),
    ).toBeDefined();
  });
});

/** A client whose clock moves with each request's duration and each sleep. */
function harness(script: readonly ((clock: ManualClock) => HttpResponse)[], idempotent = true) {
  const clock = new ManualClock(START_MS);
  const logger = new RecordingLogger();
  const metrics = new RecordingMetrics();
  let requests = 0;
  const transport: HttpTransport = async () => {
    const step = script[requests++];
    if (!step) throw new Error(`no answer scripted for request ${requests}`);
    return step(clock);
  };
  const client = new ThingWorxClient(
    {
      baseUrl: 'https://twx.example.com',
      keySource: new SwappableKeySource(KEY),
      deadlineEpochMs: START_MS + 300_000,
      requestTimeoutMs: 5_000,
    },
    { clock, random: () => 0.5, logger, metrics, transport, sleep: async (ms) => clock.advance(ms) },
  );
  const call = () =>
    idempotent
      ? client.callService('SensorStream', 'QueryStreamEntriesWithData')
      : client.callEntityService('/Thingworx/Things/T/Services/Reset', {}, { idempotent: false });
  return { call, clock, logger, metrics, requests: () => requests };
}

/** A server with this clock offset answering after `durationMs`; `dateMs` overrides its Date (a replay). */
const server =
  (offsetMs: number, durationMs: number, dateMs?: number) =>
  (clock: ManualClock): HttpResponse => {
    clock.advance(durationMs);
    const date = dateMs ?? Math.floor((clock.nowMs() + offsetMs) / 1000) * 1000;
    return response(200, INFO_TABLE, { date: new Date(date).toUTCString() });
  };
const FIRST_DATE_MS = Math.floor((START_MS + 20) / 1000) * 1000;

describe('ThingWorx client behind a server pool', () => {
  it('reads slow pages from two servers 2.5 s apart without calling any of them cached', async () => {
    const pool = [0, 2_500];
    const { call, metrics } = harness(Array.from({ length: 8 }, (_, i) => server(pool[i % 2] ?? 0, 2_100)));

    for (let page = 0; page < 8; page++) await expect(call()).resolves.toMatchObject({ rows: [{ id: 'a' }] });
    expect(metrics.count('AuthFailure')).toBe(0);
  });

  it('retries once when only a replayed Date looks cached, and takes the fresh answer', async () => {
    const { call, clock, logger, metrics, requests } = harness([
      server(0, 20),
      server(0, 20, FIRST_DATE_MS), // at once: the same second, fine
      server(0, 20, FIRST_DATE_MS), // 3 s later, the same Date: a replay, or a node not seen yet
      server(7_000, 20), // the retry reaches a server with a clock of its own: genuine
    ]);
    await call();
    await call();
    clock.advance(3_000);

    await expect(call()).resolves.toMatchObject({ rows: [{ id: 'a' }] });
    expect(requests()).toBe(4);
    expect(logger.recorded.map((line) => line.message)).toContain(
      'Answer Date looks replayed by a cache; retrying once',
    );
    expect(metrics.count('AuthFailure')).toBe(0);
  });

  it('fails cached-response when the one retry replays the same Date again', async () => {
    const { call, clock, metrics, requests } = harness([
      server(0, 20),
      server(0, 20, FIRST_DATE_MS),
      server(0, 20, FIRST_DATE_MS),
    ]);
    await call();
    clock.advance(3_000);

    const error = await call().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AccessDeniedError);
    expect((error as AccessDeniedError).cause).toBe('cached-response');
    expect((error as AccessDeniedError).evidence.signals.join()).toMatch(
      /replayed: answered \d+\.\d s apart/,
    );
    expect(requests()).toBe(3);
    expect(metrics.count('AuthFailure')).toBe(1);
  });

  it('does not resend a call that changes state: a replayed Date fails it at once', async () => {
    const { call, clock, requests } = harness([server(0, 20), server(0, 20, FIRST_DATE_MS)], false);
    await call();
    clock.advance(3_000);

    await expect(call()).rejects.toMatchObject({ reason: 'cached-response' });
    expect(requests()).toBe(2);
  });

  it('fails at once, without a retry, when a cache says so with X-Cache: HIT', async () => {
    const { call, requests } = harness([
      () => response(200, INFO_TABLE, { date: new Date(FIRST_DATE_MS).toUTCString(), 'x-cache': 'HIT' }),
    ]);

    await expect(call()).rejects.toMatchObject({ reason: 'cached-response' });
    expect(requests()).toBe(1);
  });
});
