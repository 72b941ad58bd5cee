// A job's scheduled audit (functions/reconcile): whether it runs, when (a daily time in a time zone, which is
// also where the audited days end), and what it does with what it finds.
import { z } from 'zod';
import { AUDIT_DEFAULTS } from '../../functions/reconcile/reconcile-config.js';
import { integer } from './fields.js';
import { isKnownTimeZone } from './schedule.js';

export const AUDIT_CONFIG_DEFAULTS = Object.freeze({
  enabled: true,
  /** After midnight, so the day just ended is complete at the source and the sync has had its overlap. */
  time: '02:00',
  repair: AUDIT_DEFAULTS.repair,
  prune: AUDIT_DEFAULTS.prune,
  windowDays: AUDIT_DEFAULTS.windowDays,
});

const TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;

export const auditSchema = z
  .strictObject(
    {
      enabled: z.boolean().default(AUDIT_CONFIG_DEFAULTS.enabled),
      time: z
        .string()
        .regex(TIME, { error: 'expected a time of day as HH:MM (24 h), such as "02:00"' })
        .default(AUDIT_CONFIG_DEFAULTS.time),
      // Absent: the job's schedule time zone (parseConfig fills it in).
      timezone: z
        .string()
        .refine(isKnownTimeZone, { error: 'expected an IANA time zone such as "UTC" or "Europe/Berlin"' })
        .optional(),
      repair: z.boolean().default(AUDIT_CONFIG_DEFAULTS.repair),
      prune: z.boolean().default(AUDIT_CONFIG_DEFAULTS.prune),
      // The reconcile Lambda's own bound (functions/reconcile/reconcile-config.ts, AUDIT_WINDOW_DAYS).
      windowDays: integer(1, 31).default(AUDIT_CONFIG_DEFAULTS.windowDays),
    },
    {
      error: 'expected { "enabled"?, "time"? ("HH:MM"), "timezone"?, "repair"?, "prune"?, "windowDays"? }',
    },
  )
  .refine((audit) => !audit.prune || audit.repair, {
    error: '"prune" deletes only as part of a repair: set "repair": true, or "prune": false',
    path: ['prune'],
  })
  .default({ ...AUDIT_CONFIG_DEFAULTS });

/** The EventBridge Scheduler cron expression of a daily audit at `HH:MM` (evaluated in the audit's time zone). */
export function auditScheduleExpression(time: string): string {
  const [hours, minutes] = time.split(':').map(Number);
  return `cron(${minutes} ${hours} * * ? *)`;
}
