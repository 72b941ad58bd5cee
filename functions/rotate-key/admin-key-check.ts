// The daily admin-key check: EventBridge Scheduler invokes the rotation function with ADMIN_KEY_CHECK_EVENT
// (infra/aws/admin-key-check.ts) and it publishes `AdminKeyDaysToExpiry` (dimension `Job`) from the admin
// secret's `expiresAt`. Without it the admin key's expiry would only be noticed when a rotation, every
// `everyDays`, fails on it. It reads the admin secret only: no ThingWorx call, no key value in any output.
// An admin secret without `expiresAt` publishes nothing and says so: the alarm treats missing data as
// breaching, so "cannot tell" never looks healthy.
import { daysToExpiry } from '../app-key/key-expiry.js';
import type { KeySource } from '../app-key/key-source.js';
import type { Clock } from '../shared/clock.js';
import type { DimensionedMetricsSink, LogSink } from '../shared/observability.js';

/** What the schedule sends; anything else is a rotation event. */
export const ADMIN_KEY_CHECK_EVENT = Object.freeze({ check: 'admin-key-expiry' });
export const ADMIN_KEY_DAYS_TO_EXPIRY_METRIC = 'AdminKeyDaysToExpiry';

export function isAdminKeyCheckEvent(event: unknown): boolean {
  return (
    typeof event === 'object' &&
    event !== null &&
    (event as Record<string, unknown>).check === ADMIN_KEY_CHECK_EVENT.check
  );
}

export interface AdminKeyCheckDependencies {
  readonly adminKey: KeySource;
  readonly jobName: string;
  readonly clock: Clock;
  readonly logger: LogSink;
  readonly metrics: DimensionedMetricsSink;
}

/** Publishes the admin key's days to expiry; returns them (undefined when the secret has no `expiresAt`). */
export async function checkAdminKeyExpiry(deps: AdminKeyCheckDependencies): Promise<number | undefined> {
  const key = await deps.adminKey.refresh();
  const days = daysToExpiry(key, deps.clock.nowMs());
  const fields = { adminSecret: deps.adminKey.describe(), versionId: key.versionId, job: deps.jobName };
  if (days === undefined) {
    deps.logger.warn('The admin secret has no expiresAt; AdminKeyDaysToExpiry is not published', {
      ...fields,
      action:
        'put the admin key again with its "expiresAt" (ISO-8601), as ThingWorx shows it; until then the admin-key-expiring alarm stays in ALARM',
    });
    return undefined;
  }
  const rounded = Math.round(days * 100) / 100;
  const metric = deps.metrics.singleMetric();
  metric.addDimension('Job', deps.jobName);
  metric.addMetric('AdminKeyDaysToExpiry', 'None', rounded); // = ADMIN_KEY_DAYS_TO_EXPIRY_METRIC
  const log = days <= 0 ? deps.logger.error : deps.logger.info;
  log.call(deps.logger, days <= 0 ? 'The admin key has expired' : 'Admin key expiry checked', {
    ...fields,
    expiresAt: key.expiresAt?.toISOString(),
    daysToExpiry: rounded,
  });
  return days;
}
