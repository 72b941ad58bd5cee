// The Scheduler event of a sync Lambda: it names the job, so a schedule pointed at the wrong function
// fails loudly instead of syncing the wrong thing.
import { InvalidInputError } from '../shared/errors.js';

export interface SyncEvent {
  readonly job: string;
}

export function parseSyncEvent(event: unknown, expectedJob: string): SyncEvent {
  const job = (event as { job?: unknown } | null)?.job;
  if (typeof job !== 'string' || job !== expectedJob) {
    throw new InvalidInputError(
      'event.job',
      `"${expectedJob}" (this function syncs that job only; event shape { "job": "<name>" })`,
      job === undefined ? 'no job' : JSON.stringify(job),
    );
  }
  return { job };
}
