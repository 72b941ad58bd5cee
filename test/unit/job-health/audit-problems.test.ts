import { describe, expect, it } from 'vitest';
import { AUDIT_OVERDUE_MS } from '../../../functions/job-health/audit-problems.js';
import { type JobFacts, type JobHealthRules, jobHealth } from '../../../functions/job-health/problems.js';

const HOUR = 3_600_000;
const NOW = Date.parse('2026-12-03T12:00:00Z');
const RULES: JobHealthRules = {
  name: 'orders',
  intervalMinutes: 60,
  overlapMs: 300_000,
  timeoutSeconds: 600,
  keyExpiryAlarmDays: 7,
  initialStartMs: 0,
  auditEnabled: true,
};
/** A sync that caught up a minute ago: none of its own problems. */
const CAUGHT_UP = {
  outcome: 'succeeded',
  startedAtMs: NOW - 120_000,
  endedAtMs: NOW - 60_000,
  caughtUp: true,
  windowEndMs: NOW - 60_000,
  durationMs: 60_000,
} as const;
const CLEAN_AUDIT = { lastCompletedAtMs: NOW - 10 * HOUR, leftAfterRepair: 0, repaired: 0 };

const problems = (audit: JobFacts['audit'], rules: JobHealthRules = RULES) =>
  jobHealth(rules, { runs: [CAUGHT_UP], audit }, NOW).problems;

describe('audit problems', () => {
  it('finds none after a clean audit completed today', () => {
    expect(problems(CLEAN_AUDIT)).toEqual([]);
  });

  it('reports audit-missing when the last audit left records missing or stale', () => {
    expect(problems({ ...CLEAN_AUDIT, leftAfterRepair: 1 })).toEqual(['audit-missing']);
  });

  it('reports audit-repaired, and only that, when the repair fixed everything it found', () => {
    expect(problems({ ...CLEAN_AUDIT, repaired: 3 })).toEqual(['audit-repaired']);
  });

  it('reports audit-overdue once no window completed in 2 days, not before', () => {
    expect(problems({ ...CLEAN_AUDIT, lastCompletedAtMs: NOW - AUDIT_OVERDUE_MS })).toEqual([]);
    expect(problems({ ...CLEAN_AUDIT, lastCompletedAtMs: NOW - AUDIT_OVERDUE_MS - 1 })).toEqual([
      'audit-overdue',
    ]);
  });

  it('counts a never-completed audit as overdue 2 days after it first ran', () => {
    expect(problems({ firstSavedAtMs: NOW - 3 * 24 * HOUR })).toEqual(['audit-overdue']);
    expect(problems({ firstSavedAtMs: NOW - HOUR })).toEqual([]);
  });

  it('reports nothing for a job with no audit state yet (just deployed)', () => {
    expect(problems(undefined)).toEqual([]);
  });

  it('ignores the audit state of a job whose audit is disabled', () => {
    const disabled = { ...RULES, auditEnabled: false };
    expect(problems({ leftAfterRepair: 5, repaired: 5, firstSavedAtMs: 0 }, disabled)).toEqual([]);
  });

  it('explains each problem in words for the check log line', () => {
    const health = jobHealth(
      RULES,
      { runs: [CAUGHT_UP], audit: { lastCompletedAtMs: NOW - 50 * HOUR, leftAfterRepair: 4, repaired: 9 } },
      NOW,
    );
    expect(health.details).toMatchObject({
      'audit-missing': expect.stringContaining('left 4 records'),
      'audit-repaired': expect.stringContaining('repaired 9 records'),
      'audit-overdue': expect.stringContaining('50 h ago'),
    });
  });
});
