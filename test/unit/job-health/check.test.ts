import { describe, expect, it } from 'vitest';
import { runJobHealthCheck } from '../../../functions/job-health/check.js';
import type { JobHealthConfig } from '../../../functions/job-health/health-config.js';
import { type JobFacts, PROBLEM_KINDS, problemCode } from '../../../functions/job-health/problems.js';
import { ManualClock } from '../../../functions/shared/clock.js';
import { RecordingLogger, RecordingMetrics } from '../../support/observability.js';

const NOW = Date.parse('2026-12-03T12:00:00Z');
const rules = (name: string) => ({
  name,
  intervalMinutes: 60,
  overlapMs: 300_000,
  timeoutSeconds: 600,
  keyExpiryAlarmDays: 7,
  initialStartMs: NOW - 60_000,
});
const CONFIG: JobHealthConfig = {
  controlTable: 'control',
  group: '3',
  jobs: [rules('fine'), rules('failing')],
};
const FACTS: Record<string, JobFacts> = {
  fine: { runs: [] },
  failing: { runs: [{ outcome: 'failed', startedAtMs: NOW - 120_000, endedAtMs: NOW - 60_000 }] },
};

async function check(readFacts: (job: string) => Promise<JobFacts>) {
  const metrics = new RecordingMetrics();
  const logger = new RecordingLogger();
  await runJobHealthCheck(CONFIG, {
    documentClient: undefined as never, // readFacts stands in for the table
    metrics,
    logger,
    clock: new ManualClock(NOW),
    readFacts,
  });
  return { metrics, logger };
}

describe('a job-health check', () => {
  it("publishes each job's code, each kind's count of jobs, and the group's heartbeat last", async () => {
    const { metrics } = await check(async (job) => FACTS[job] as JobFacts);

    expect(metrics.named('JobProblems').map((m) => [m.dimensions, m.value])).toEqual([
      [{ Job: 'fine' }, 0],
      [{ Job: 'failing' }, problemCode(['run-failed'])],
    ]);
    const perKind = metrics.named('ProblemJobs');
    expect(perKind.map((m) => m.dimensions.Problem)).toEqual([...PROBLEM_KINDS]);
    expect(perKind.find((m) => m.dimensions.Problem === 'run-failed')?.value).toBe(1);
    expect(perKind.filter((m) => m.value !== 0)).toHaveLength(1);
    expect(metrics.recorded.at(-1)).toMatchObject({
      name: 'JobsChecked',
      dimensions: { Group: '3' },
      value: 2,
    });
  });

  it('logs the healthy jobs in one line and each job with a problem in its own, naming the problem', async () => {
    const { logger } = await check(async (job) => FACTS[job] as JobFacts);

    expect(logger.recorded.map((l) => [l.level, l.message])).toEqual([
      ['info', 'Jobs healthy'],
      ['warn', 'Job problem'],
    ]);
    expect(logger.recorded[0]?.attributes).toEqual({ jobs: ['fine'] });
    expect(logger.recorded[1]?.attributes).toMatchObject({ job: 'failing', problems: ['run-failed'] });
  });

  it('reports a job whose facts cannot be read as stalled, never as healthy', async () => {
    const { metrics, logger } = await check(async (job) => {
      if (job === 'fine') throw new Error('ProvisionedThroughputExceededException');
      return FACTS[job] as JobFacts;
    });

    expect(metrics.named('JobProblems')[0]).toMatchObject({
      dimensions: { Job: 'fine' },
      value: problemCode(['watermark-stalled']),
    });
    expect(logger.text()).toContain('ProvisionedThroughputExceededException');
  });
});
