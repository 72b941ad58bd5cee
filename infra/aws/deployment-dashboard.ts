// The deployment's one dashboard (a dashboard costs $3 a month: one per job group grew with the jobs):
// Metrics Insights widgets that show one line per job or per problem kind, however many jobs there are, and
// the sync's deployment-wide totals. Per-job detail (records, durations, lock) is in each run's log line
// and EMF properties, for Logs Insights.
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { ACCESS_DENIED_CAUSES } from '../../functions/endpoint/diagnose.js';
import { deploymentSyncMetrics as sync } from './metrics.js';
import { jobProblemsQuery, problemKindsQuery, problemLegend } from './problem-alarms.js';

export function deploymentWidgets(): cloudwatch.IWidget[] {
  const hour = Duration.hours(1);
  return [
    new cloudwatch.TextWidget({
      markdown: `## Sync jobs\nJobProblems per job: ${problemLegend()}.`,
      width: 24,
      height: 2,
    }),
    new cloudwatch.GraphWidget({
      title: 'Problems per job (JobProblems)',
      left: [jobProblemsQuery()],
      width: 12,
    }),
    new cloudwatch.GraphWidget({
      title: 'Jobs with each problem (ProblemJobs)',
      left: [problemKindsQuery()],
      width: 12,
    }),
    new cloudwatch.GraphWidget({
      title: 'Runs, all jobs',
      left: [
        sync.runSucceeded(hour).with({ label: 'succeeded' }),
        sync.runFailed(hour).with({ label: 'failed' }),
        sync.runSkippedLockHeld(hour).with({ label: 'skipped (lock held)' }),
      ],
      stacked: true,
      width: 8,
    }),
    new cloudwatch.GraphWidget({
      title: 'Records, all jobs',
      left: [
        sync.recordsSynced(hour).with({ label: 'written' }),
        sync.recordsQuarantined(hour).with({ label: 'quarantined' }),
      ],
      width: 8,
    }),
    new cloudwatch.GraphWidget({
      title: 'Worst lag (s) and longest run (ms), all jobs',
      left: [sync.syncLagSeconds(hour).with({ label: 'lag (s), max' })],
      right: [sync.runDurationMs(hour).with({ label: 'duration (ms), max' })],
      width: 8,
    }),
    new cloudwatch.GraphWidget({
      title: 'Access Denied by cause, all jobs',
      left: ACCESS_DENIED_CAUSES.map((cause) => sync.authFailure(cause, hour).with({ label: cause })),
      stacked: true,
      width: 24,
    }),
  ];
}
