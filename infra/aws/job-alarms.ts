// The thresholds of a job's run problems, from its configuration: how long between runs, when its watermark
// counts as stalled, how many runs behind and how close to the timeout are too many. The job-health check
// applies them (functions/job-health/problems.ts, through job-health-check.ts#jobHealthRules); since issue 14
// they are no longer one CloudWatch alarm per job and kind, which cost ~$0.40 a job each.
import { DURATION_FRACTION_LIMIT, RUNS_BEHIND_LIMIT } from '../../functions/job-health/problems.js';
import type { JobConfig } from '../config/schema.js';

/** A run that takes more than this share of its timeout is near it. */
export const DURATION_ALARM_FRACTION = DURATION_FRACTION_LIMIT;
/**
 * Alarm when this many succeeded runs in a row ended `caughtUp: false`: one run behind is a backlog being
 * worked off; three mean the runs stop at the safety margin every time and the job cannot catch up within its
 * timeout.
 */
export const RUNS_BEHIND_ALARM_RUNS = RUNS_BEHIND_LIMIT;

/** The longest time between two runs; parseConfig (infra/config/schema.ts) derives it or requires it. */
export function intervalMinutesOf(job: JobConfig): number {
  const minutes = job.schedule.intervalMinutes;
  if (minutes === undefined) {
    throw new Error(
      `sync job ${job.name} has no schedule interval: configure it through parseConfig, which derives intervalMinutes or requires it`,
    );
  }
  return minutes;
}

/**
 * SyncLagSeconds above which the job's watermark counts as stalled: 2 schedule intervals plus the
 * job's overlap (sync.overlapMs; parseConfig fills in SYNC_DEFAULTS.overlapMs), the lateness the sync itself allows for. A run that catches up ends with a lag of
 * about its own duration, under its timeout and so under one interval (synth refuses a timeout as long as the
 * interval): only runs that stop early, or fail, without moving the watermark far enough get here.
 */
export function syncLagAlarmSeconds(job: JobConfig): number {
  return 2 * intervalMinutesOf(job) * 60 + job.sync.overlapMs / 1000;
}
