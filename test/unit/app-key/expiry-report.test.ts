// Which source a run's key expiry comes from, and what it publishes: days and unknown = 0 when known,
// unknown = 1 when it cannot be known, nothing when the run did not look; each reason logged once.
import { beforeEach, describe, expect, it } from 'vitest';
import { findExpiry, KeyExpiryReporter } from '../../../functions/app-key/expiry-report.js';
import type { AppKey } from '../../../functions/app-key/key-source.js';
import type { ServerExpiryAnswer } from '../../../functions/app-key/server-expiry.js';
import { ManualClock } from '../../../functions/shared/clock.js';
import { RecordingLogger, RecordingMetrics } from '../../support/observability.js';

const NOW_MS = Date.parse('2026-03-01T00:00:00Z');
const DAY_MS = 86_400_000;
const plain: AppKey = { appKey: 'plain-key-value', versionId: 'v1' };
const named: AppKey = { ...plain, keyName: 'sync-reader' };
const dated: AppKey = { ...named, expiresAt: new Date(NOW_MS + 10 * DAY_MS) };

let metrics: RecordingMetrics;
let logger: RecordingLogger;
let reporter: KeyExpiryReporter;
let asked: string[];
const answering =
  (answer: ServerExpiryAnswer) =>
  async (keyName: string): Promise<ServerExpiryAnswer> => {
    asked.push(keyName);
    return answer;
  };
const published = () => ({
  days: metrics.values('AppKeyDaysToExpiry'),
  unknown: metrics.values('AppKeyExpiryUnknown'),
});
const warnings = () => logger.recorded.filter((line) => line.level === 'warn');

beforeEach(() => {
  metrics = new RecordingMetrics();
  logger = new RecordingLogger();
  reporter = new KeyExpiryReporter({ clock: new ManualClock(NOW_MS), metrics, logger });
  asked = [];
});

describe('a run that holds the lock', () => {
  it("takes the secret's expiresAt and asks the server nothing", async () => {
    await reporter.reportForRun(dated, answering({ kind: 'expires', expiresAtMs: NOW_MS + DAY_MS }));

    expect(asked).toEqual([]);
    expect(published()).toEqual({ days: [10], unknown: [0] });
  });

  it('asks the key its own GetExpirationDate when the secret names the key but not its expiry', async () => {
    const finding = await reporter.reportForRun(
      named,
      answering({ kind: 'expires', expiresAtMs: NOW_MS + 2.5 * DAY_MS }),
    );

    expect(asked).toEqual(['sync-reader']);
    expect(finding).toMatchObject({ status: 'known', from: 'server' });
    expect(published()).toEqual({ days: [2.5], unknown: [0] });
  });

  it('publishes unknown = 1 for a plain key it cannot name, without asking, and says why once', async () => {
    await reporter.reportForRun(plain, answering({ kind: 'expires', expiresAtMs: NOW_MS }));
    await reporter.reportForRun(plain, answering({ kind: 'expires', expiresAtMs: NOW_MS }));

    expect(asked).toEqual([]);
    expect(published()).toEqual({ days: [], unknown: [1, 1] });
    expect(warnings()).toHaveLength(1);
    expect(String(warnings()[0]?.attributes.why)).toContain('add "expiresAt" to the secret');
    expect(JSON.stringify(logger.recorded)).not.toContain('plain-key-value');
  });

  it('publishes unknown = 1 when the server refuses the lookup, naming the status and what to do', async () => {
    await reporter.reportForRun(named, answering({ kind: 'refused', status: 403 }));
    await reporter.reportForRun(named, answering({ kind: 'refused', status: 403 }));

    expect(published()).toEqual({ days: [], unknown: [1, 1] });
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]?.attributes).toMatchObject({ keyName: 'sync-reader', versionId: 'v1' });
    expect(String(warnings()[0]?.attributes.why)).toMatch(
      /refused GetExpirationDate of application key sync-reader \(HTTP 403\).*GetExpirationDate/,
    );
  });

  it('logs the reason again for a new key version', async () => {
    await reporter.reportForRun(named, answering({ kind: 'refused', status: 403 }));
    await reporter.reportForRun({ ...named, versionId: 'v2' }, answering({ kind: 'refused', status: 403 }));

    expect(warnings().map((line) => line.attributes.versionId)).toEqual(['v1', 'v2']);
  });

  it('publishes unknown = 1 when the server has no key of that name', async () => {
    const finding = await reporter.reportForRun(named, answering({ kind: 'not-found' }));

    expect(finding).toMatchObject({
      status: 'unknown',
      why: expect.stringContaining('no application key named sync-reader'),
    });
    expect(published()).toEqual({ days: [], unknown: [1] });
  });

  it('publishes nothing when the lookup fails and nothing was known before: a failure says nothing about the key', async () => {
    await reporter.reportForRun(
      named,
      answering({ kind: 'failed', message: 'EndpointHttpError: answered 503' }),
    );

    expect(published()).toEqual({ days: [], unknown: [] });
    expect(warnings()[0]?.message).toMatch(/^Could not ask ThingWorx when the app key expires/);
  });

  it("falls back on the server's last answer for the same key version when a lookup fails", async () => {
    await reporter.reportForRun(named, answering({ kind: 'expires', expiresAtMs: NOW_MS + 3 * DAY_MS }));
    await reporter.reportForRun(named, answering({ kind: 'failed', message: 'timeout' }));
    await reporter.reportForRun(
      { ...named, versionId: 'v2' },
      answering({ kind: 'failed', message: 'timeout' }),
    );

    expect(published()).toEqual({ days: [3, 3], unknown: [0, 0] });
  });
});

describe('a skipped run (lock held)', () => {
  it("publishes the secret's expiresAt", () => {
    reporter.reportForSkippedRun(dated);

    expect(published()).toEqual({ days: [10], unknown: [0] });
  });

  it("publishes this container's last server answer for the same key version, and nothing for another", async () => {
    await reporter.reportForRun(named, answering({ kind: 'expires', expiresAtMs: NOW_MS + 4 * DAY_MS }));
    reporter.reportForSkippedRun(named);
    reporter.reportForSkippedRun({ ...named, versionId: 'v2' });

    expect(asked).toEqual(['sync-reader']);
    expect(published()).toEqual({ days: [4, 4], unknown: [0, 0] });
  });

  it('publishes nothing when only the server could say: the run holding the lock is asking it', () => {
    expect(reporter.reportForSkippedRun(named)).toMatchObject({ status: 'unpublished' });

    expect(published()).toEqual({ days: [], unknown: [] });
    expect(warnings()).toEqual([]);
  });

  it('publishes unknown = 1 for a key nobody names: no run could ask the server', () => {
    reporter.reportForSkippedRun(plain);

    expect(published()).toEqual({ days: [], unknown: [1] });
  });
});

describe('findExpiry', () => {
  it("prefers the secret's expiresAt over the server's answer and a remembered one", () => {
    const remembered = { versionId: 'v1', keyName: 'sync-reader', expiresAtMs: NOW_MS };
    expect(findExpiry(dated, { kind: 'expires', expiresAtMs: NOW_MS }, remembered)).toEqual({
      status: 'known',
      expiresAtMs: NOW_MS + 10 * DAY_MS,
      from: 'secret',
    });
  });

  it('does not use a remembered answer about another key name', () => {
    const remembered = { versionId: 'v1', keyName: 'other-key', expiresAtMs: NOW_MS };
    expect(findExpiry(named, 'not asked', remembered)).toMatchObject({ status: 'unpublished' });
  });
});
