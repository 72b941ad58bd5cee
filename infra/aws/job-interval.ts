// The longest time between two runs of a job, which the job-health check's thresholds are built on (its gap
// waits 2 intervals plus the overlap: functions/job-health/problems.ts#lagLimitSeconds). The per-job run
// alarms that used it before issue 14's monitoring (~$0.40 a job and kind each) are the check's problems now.
import type { JobConfig } from '../config/schema.js';

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
