import { describe, expect, it } from 'vitest';
import {
  decodeProblems,
  type JobFacts,
  type JobHealthRules,
  jobHealth,
  PROBLEM_KINDS,
  problemCode,
} from '../../../functions/job-health/problems.js';

const MINUTE = 60_000;
const NOW = Date.parse('2026-12-03T12:00:00Z');
const RULES: JobHealthRules = {
  name: 'orders',
  intervalMinutes: 60,
  overlapMs: 5 * MINUTE,
  timeoutSeconds: 600,
  keyExpiryAlarmDays: 7,
  initialStartMs: 0,
};
/** A run that caught up a minute ago: the table is complete to now, so no gap. */
const CAUGHT_UP = {
  outcome: 'succeeded',
  startedAtMs: NOW - 2 * MINUTE,
  endedAtMs: NOW - MINUTE,
  caughtUp: true,
  windowEndMs: NOW - MINUTE,
  runsBehindInARow: 0,
  recordsQuarantined: 0,
  durationMs: MINUTE,
} as const;

const problems = (facts: Partial<JobFacts>) =>
  jobHealth(RULES, { runs: [CAUGHT_UP], ...facts }, NOW).problems;

describe('JobProblems codes', () => {
  it('give every kind its own bit, and read back the kinds they hold', () => {
    const all = problemCode([...PROBLEM_KINDS]);
    expect(all).toBe(2 ** PROBLEM_KINDS.length - 1);
    expect(decodeProblems(all)).toEqual([...PROBLEM_KINDS]);
    expect(decodeProblems(problemCode(['run-failed', 'access-denied']))).toEqual([
      'run-failed',
      'access-denied',
    ]);
    expect(problemCode([])).toBe(0);
  });

  it('keep the first kinds where the alarm descriptions decode them (append only)', () => {
    expect(PROBLEM_KINDS.slice(0, 3)).toEqual(['watermark-stalled', 'run-failed', 'repeated-lock-skips']);
  });
});

describe('job problems from the control table', () => {
  it('finds none for a job whose last run caught up', () => {
    expect(problems({})).toEqual([]);
  });

  it('reports the last ended run failing, past a later skip', () => {
    const failed = {
      outcome: 'failed',
      startedAtMs: NOW - 10 * MINUTE,
      endedAtMs: NOW - 9 * MINUTE,
    } as const;
    const skipped = { outcome: 'skipped', startedAtMs: NOW - MINUTE } as const;
    expect(problems({ runs: [skipped, failed, CAUGHT_UP] })).toContain('run-failed');
  });

  it('reports two skips within two intervals as overlapping runs, one as nothing', () => {
    const skip = (ago: number) => ({ outcome: 'skipped', startedAtMs: NOW - ago * MINUTE }) as const;
    expect(problems({ runs: [skip(1), CAUGHT_UP] })).toEqual([]);
    expect(problems({ runs: [skip(1), skip(30), CAUGHT_UP] })).toEqual(['repeated-lock-skips']);
    expect(problems({ runs: [skip(1), skip(121), CAUGHT_UP] })).toEqual([]);
  });

  it('reports 3 succeeded runs in a row behind, not 2', () => {
    expect(problems({ runs: [{ ...CAUGHT_UP, runsBehindInARow: 2 }] })).toEqual([]);
    expect(problems({ runs: [{ ...CAUGHT_UP, runsBehindInARow: 3 }] })).toEqual(['runs-behind']);
  });

  it('reports quarantined rows and a run over 80% of its timeout', () => {
    expect(problems({ runs: [{ ...CAUGHT_UP, recordsQuarantined: 2 }] })).toEqual(['records-quarantined']);
    expect(problems({ runs: [{ ...CAUGHT_UP, durationMs: 480_000 }] })).toEqual([]);
    expect(problems({ runs: [{ ...CAUGHT_UP, durationMs: 480_001 }] })).toEqual(['duration-near-timeout']);
  });

  it('reports Access Denied of every cause but a recovered rotation (stale-key), naming the causes', () => {
    expect(problems({ runs: [{ ...CAUGHT_UP, authFailureCauses: ['stale-key'] }] })).toEqual([]);
    const health = jobHealth(
      RULES,
      { runs: [{ ...CAUGHT_UP, authFailureCauses: ['stale-key', 'ip-not-allowed'] }] },
      NOW,
    );
    expect(health.problems).toEqual(['access-denied']);
    expect(health.details['access-denied']).toContain('ip-not-allowed');
  });

  it('reports an app key expiring under its alarm days, or whose expiry nobody knows', () => {
    const inDays = (days: number) => ({ status: 'known', expiresAtMs: NOW + days * 86_400_000 }) as const;
    expect(problems({ keyExpiry: inDays(7.01) })).toEqual([]);
    expect(problems({ keyExpiry: inDays(6.99) })).toEqual(['app-key-expiring']);
    expect(problems({ keyExpiry: { status: 'unknown', why: 'no key name' } })).toEqual([
      'app-key-expiry-unknown',
    ]);
  });
});
