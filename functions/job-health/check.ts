// One job-health check of a group of jobs: read each job's facts, decide its problems (problems.ts), log
// them in words and publish them (publish.ts). A job whose facts cannot be read counts as stalled: a check
// that cannot see a job must not report it healthy.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '../shared/clock.js';
import type { DimensionedMetricsSink, LogSink } from '../shared/observability.js';
import type { JobHealthConfig } from './health-config.js';
import { readJobFacts } from './job-facts.js';
import { type JobFacts, type JobHealth, jobHealth, lagLimitSeconds } from './problems.js';
import { publishHealth } from './publish.js';

export interface JobHealthCheckDeps {
  readonly documentClient: DynamoDBDocumentClient;
  readonly metrics: DimensionedMetricsSink;
  readonly logger: LogSink;
  readonly clock: Clock;
  /** @default readJobFacts against the control table */
  readonly readFacts?: (job: string) => Promise<JobFacts>;
}

export async function runJobHealthCheck(
  config: JobHealthConfig,
  deps: JobHealthCheckDeps,
): Promise<JobHealth[]> {
  const read =
    deps.readFacts ?? ((job: string) => readJobFacts(deps.documentClient, config.controlTable, job));
  const nowMs = deps.clock.nowMs();
  const health = await Promise.all(
    config.jobs.map(async (rules): Promise<JobHealth> => {
      try {
        return jobHealth(rules, await read(rules.name), nowMs);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        deps.logger.error('Could not read the job from the control table', {
          job: rules.name,
          error: message,
        });
        return {
          job: rules.name,
          lagSeconds: Number.POSITIVE_INFINITY,
          lagLimitSeconds: lagLimitSeconds(rules),
          problems: ['watermark-stalled'],
          details: { 'watermark-stalled': `the control table could not be read: ${message}` },
        };
      }
    }),
  );
  // One line per job with a problem, one for all the healthy ones: a group of 12 healthy jobs logs ~1 KB a
  // check, 8,640 checks a month.
  const healthy = health.filter((job) => job.problems.length === 0).map((job) => job.job);
  if (healthy.length > 0) deps.logger.info('Jobs healthy', { jobs: healthy });
  for (const job of health.filter((checked) => checked.problems.length > 0)) {
    deps.logger.warn('Job problem', {
      job: job.job,
      lagSeconds: job.lagSeconds,
      lagLimitSeconds: job.lagLimitSeconds,
      problems: job.problems,
      details: job.details,
    });
  }
  publishHealth(deps.metrics, config.group, health);
  return health;
}
