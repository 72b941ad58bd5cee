// What the job-health check publishes, per check: each job's JobProblems (dimension Job: the sum of its
// problems' bits, 0 when healthy) and each problem kind's ProblemJobs (dimension Problem: how many jobs of
// the group have it), then the group's JobsChecked (dimension Group), last, so a check that failed on the
// way leaves its heartbeat alarm without data. Job × problem never becomes a dimension pair: that would be
// one series per job per kind, the cost this design exists to avoid.
import type { DimensionedMetricsSink } from '../shared/observability.js';
import { type JobHealth, PROBLEM_KINDS, problemCode } from './problems.js';

export const JobHealthMetric = {
  jobProblems: 'JobProblems',
  problemJobs: 'ProblemJobs',
  jobsChecked: 'JobsChecked',
} as const;

export function publishHealth(
  metrics: DimensionedMetricsSink,
  group: string,
  health: readonly JobHealth[],
): void {
  for (const job of health) {
    const perJob = metrics.singleMetric();
    perJob.addDimension('Job', job.job);
    perJob.addMetric(JobHealthMetric.jobProblems, 'None', problemCode(job.problems));
  }
  for (const kind of PROBLEM_KINDS) {
    const perKind = metrics.singleMetric();
    perKind.addDimension('Problem', kind);
    perKind.addMetric(
      JobHealthMetric.problemJobs,
      'Count',
      health.filter((job) => job.problems.includes(kind)).length,
    );
  }
  const heartbeat = metrics.singleMetric();
  heartbeat.addDimension('Group', group);
  heartbeat.addMetric(JobHealthMetric.jobsChecked, 'Count', health.length);
}
