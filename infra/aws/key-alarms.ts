// When a job's app key counts as expiring: the job-health check's app-key-expiring problem, from the finding
// each run (skipped ones included) keeps in the control table (functions/app-key/expiry-record.ts).
import type { JobConfig } from '../config/schema.js';

/** Alarm when the app key expires within this many days. */
export const KEY_EXPIRY_ALARM_DAYS = 7;
/** Secrets Manager rotates at a random hour of the scheduled day: a rotation is late only after it. */
const ROTATION_WINDOW_HOURS = 24;

/**
 * Days to expiry below which the key counts as expiring. A rotated key has only `expiryMarginHours` left
 * when its rotation is due, so the alarm waits until the rotation is overdue (after the rotation day);
 * a fixed 7 days would fire before every rotation.
 */
export function keyExpiryAlarmDays(job: JobConfig): number {
  if (!job.rotation) return KEY_EXPIRY_ALARM_DAYS;
  const overdueDays = (job.rotation.expiryMarginHours - ROTATION_WINDOW_HOURS) / 24;
  return Math.min(KEY_EXPIRY_ALARM_DAYS, overdueDays);
}
