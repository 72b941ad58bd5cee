// The configuration's defaults and fixed lists, in one place.
import { DEFAULT_EXPIRY_MARGIN_HOURS } from '../../functions/rotate-key/rotation-config.js';
import { SYNC_DEFAULTS } from '../../functions/sync/sync-config.js';

/** The defaults, in one place; the sync's come from the sync Lambda's own (functions/sync/sync-config.ts). */
export const DEFAULTS = {
  stackName: 'SyncWarden',
  logRetentionDays: 90,
  jobSchedule: { expression: 'rate(4 hours)', timezone: 'UTC' },
  jobTimeoutSeconds: 300,
  jobMemoryMb: 512,
  endpoint: {
    service: SYNC_DEFAULTS.service,
    keyHeader: SYNC_DEFAULTS.keyHeader,
    requestTimeoutMs: SYNC_DEFAULTS.requestTimeoutMs,
  },
  sync: {
    pageSize: SYNC_DEFAULTS.pageSize,
    timestampField: SYNC_DEFAULTS.timestampField,
    keyFields: SYNC_DEFAULTS.keyFields,
    overlapMs: SYNC_DEFAULTS.overlapMs,
    minRemainingTimeMs: SYNC_DEFAULTS.minRemainingTimeMs,
    safetyMarginMs: SYNC_DEFAULTS.safetyMarginMs,
    leaseMarginMs: SYNC_DEFAULTS.leaseMarginMs,
    ledgerRetentionDays: SYNC_DEFAULTS.ledgerRetentionDays,
  },
  skewSchedule: { expression: 'rate(5 minutes)', timezone: 'UTC' },
  skewTimeoutSeconds: 60,
  skewMemoryMb: 256,
  skewRequestTimeoutMs: 3000,
  skewToleranceMs: 5000,
  /** Mirror functions/rotate-key/rotation-config.ts. */
  rotation: {
    allowlist: [],
    testService: 'QueryStreamEntriesWithData',
    expiryMarginHours: DEFAULT_EXPIRY_MARGIN_HOURS,
    timeoutSeconds: 60,
  },
} as const;

/** CloudWatch Logs accepts only these retention periods. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;
