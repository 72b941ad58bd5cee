// The alarms on what the job-health checks publish (functions/job-health/): two Metrics Insights alarms for
// the whole deployment, whatever its jobs, and one heartbeat alarm per check.
//   job-problems: one contributor per job (JobProblems > 0); the contributor's value is the sum of its
//     problems' bits (decoded in the description), and the check's "Job problem" log line says them in words;
//   problem-kinds: one contributor per problem kind (ProblemJobs > 0: how many jobs have it).
// Together they name which job and which cause. A Metrics Insights alarm is priced per metric its query
// analyzes: one JobProblems per job and one ProblemJobs per kind, so a new problem kind costs one series for
// the deployment, not one per job.
// SNS actions run per contributor as well as per alarm ("Acting on alarm changes", CloudWatch User Guide,
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Acting_Alarm_Changes.html): a second job
// going wrong while the alarm is already in ALARM still notifies. A contributor "only exists when data is
// present" (same page): a job that publishes nothing can never be one, which is why the check publishes a
// value for every job, 0 included, and why the gap is measured by the check, not by the sync.
// Limits (CloudWatch User Guide, "Limits that apply to alarms based on Metrics Insights queries",
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-limits.html): 200 such alarms per
// account and Region (syncwarden has 2); only the latest 3 hours of data are evaluated (period × evaluation
// periods here: 10 minutes); at most 100 contributors in ALARM are listed, and a query returning more than
// 500 time series evaluates PARTIAL_DATA (job-problems returns one per job: the deployment ceiling is
// MAX_JOBS_PER_GROUP × JOB_GROUP_COUNT = 384 jobs, under it).
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import { PROBLEM_KINDS, problemBit } from '../../functions/job-health/problems.js';
import { JobHealthMetric } from '../../functions/job-health/publish.js';
import type { AlarmFactory } from './alarm-factory.js';
import { JOB_HEALTH_INTERVAL_MINUTES, type JobHealthCheck } from './job-health-check.js';
import { METRICS_NAMESPACE, SERVICE_NAME } from './metrics.js';

/** Two checks per period, so one late check never leaves a period empty. */
const PROBLEM_PERIOD = Duration.minutes(2 * JOB_HEALTH_INTERVAL_MINUTES);

/** `SELECT MAX(<metric>) FROM SCHEMA(...) GROUP BY <dimension>`: one time series per value of it. */
export function perDimensionQuery(metric: string, dimension: string): string {
  return `SELECT MAX(${metric}) FROM SCHEMA("${METRICS_NAMESPACE}", ${dimension}, service) WHERE service = '${SERVICE_NAME}' GROUP BY ${dimension} ORDER BY MAX() DESC`;
}

export function jobProblemsQuery(): cloudwatch.MathExpression {
  return new cloudwatch.MathExpression({
    expression: perDimensionQuery(JobHealthMetric.jobProblems, 'Job'),
    period: PROBLEM_PERIOD,
    label: 'JobProblems by job',
  });
}

export function problemKindsQuery(): cloudwatch.MathExpression {
  return new cloudwatch.MathExpression({
    expression: perDimensionQuery(JobHealthMetric.problemJobs, 'Problem'),
    period: PROBLEM_PERIOD,
    label: 'jobs with each problem',
  });
}

/** "1 watermark-stalled, 2 run-failed, …": how to read a JobProblems value. */
export function problemLegend(): string {
  return PROBLEM_KINDS.map((kind) => `${problemBit(kind)} ${kind}`).join(', ');
}

export function problemAlarms(scope: Construct, alarm: AlarmFactory): void {
  alarm(scope, 'JobProblems', 'job-problems', {
    metric: jobProblemsQuery(),
    threshold: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    // A job's series stops only when its check stops: the check's own heartbeat alarm owns that.
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    alarmDescription: `A sync job has a problem: each contributor is a job (dimension Job), its value the sum of its problems: ${problemLegend()}. The job-health check's log line "Job problem" says each in words (what the table is complete up to, the failed run's error, the denial causes, the key's days). problem-kinds names the problems too; the README's problem table says what to do for each.`,
  });
  alarm(scope, 'ProblemKinds', 'problem-kinds', {
    metric: problemKindsQuery(),
    threshold: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    alarmDescription: `At least one sync job has this problem: each contributor is a problem kind (dimension Problem), its value how many jobs have it; job-problems names the jobs. watermark-stalled is the gap: no run for 2 intervals, every run failing, or runs that succeed without moving what the table is complete up to. The README's problem table says what to do for each kind.`,
  });
}

/** The check publishes JobsChecked last, on success only: no data is a check that did not run or failed. */
export function healthCheckStoppedAlarm(scope: Construct, check: JobHealthCheck, alarm: AlarmFactory): void {
  alarm(scope, 'JobHealthCheckStopped', `job-health-check-${check.group}-stopped`, {
    metric: new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName: JobHealthMetric.jobsChecked,
      dimensionsMap: { service: SERVICE_NAME, Group: check.group },
      statistic: cloudwatch.Stats.SUM,
      period: PROBLEM_PERIOD,
    }),
    threshold: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    alarmDescription: `The job-health check of group ${check.group} has not completed for ${PROBLEM_PERIOD.toMinutes()} minutes (JobsChecked, missing data breaching): its jobs' problems, the gap included, are not being checked. See its log group and its dead-letter queue.`,
  });
}
