// One job's state as `syncwarden status` reports it, read through the stores that write it (the lock item,
// the watermark, the run ledger, the skew monitor's item): this module knows no attribute names of its own.
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { SkewStore, type StoredSkew } from '../../functions/clock-skew/skew-store.js';
import { type LockItemSnapshot, lockItemFromDocument } from '../../functions/lock/lock-item.js';
import { type AuditState, AuditStateStore } from '../../functions/reconcile/audit-state.js';
import { controlKeys } from '../../functions/shared/tables.js';
import { type LedgerRun, readLedgerRuns } from '../../functions/sync/run-ledger.js';
import { type Watermark, WatermarkStore } from '../../functions/sync/watermark.js';
import type { AlarmState, Target } from './target.js';

export interface LockStatus extends LockItemSnapshot {
  /** `free`: released or never taken; `held`: a lease still running; `expired`: a holder that never released. */
  readonly state: 'free' | 'held' | 'expired';
}

export interface JobStatus {
  readonly job: string;
  readonly lock: LockStatus;
  readonly watermark?: Watermark & { readonly lagMs: number };
  /** The newest ledger item (it may be a skip, or a run still going). */
  readonly lastRun?: LedgerRun;
  /** The newest run that succeeded, when the newest run is not one. */
  readonly lastSucceededRun?: LedgerRun;
  readonly skewTarget?: string;
  readonly skew?: StoredSkew;
  /** Where the job's scheduled audit stands; absent when it never ran (audit off, or not deployed yet). */
  readonly audit?: AuditState;
  /** Only for a deployed stack. */
  readonly alarms?: readonly AlarmState[];
}

export async function readJobStatus(target: Target, job: string, nowMs: number): Promise<JobStatus> {
  const { documentClient, tables } = target;
  const { config } = await target.job(job);
  const [lockItem, watermark, [lastRun], audit] = await Promise.all([
    documentClient.send(
      new GetCommand({ TableName: tables.controlTable, Key: controlKeys.lock(job), ConsistentRead: true }),
    ),
    new WatermarkStore(documentClient, tables.controlTable).read(job),
    readLedgerRuns(documentClient, tables.controlTable, job, { limit: 1 }),
    new AuditStateStore(documentClient, tables.controlTable).read(job),
  ]);
  const lastSucceededRun =
    lastRun && lastRun.outcome !== 'succeeded'
      ? (
          await readLedgerRuns(documentClient, tables.controlTable, job, { outcome: 'succeeded', limit: 1 })
        )[0]
      : undefined;
  const skew = config.skewTarget
    ? await new SkewStore(documentClient, tables.controlTable).read(config.skewTarget)
    : undefined;
  const alarms = target.alarmStates ? await target.alarmStates(job) : undefined;
  return {
    job,
    lock: lockStatus(lockItem.Item ? lockItemFromDocument(lockItem.Item) : {}, nowMs),
    ...(watermark ? { watermark: { ...watermark, lagMs: Math.max(0, nowMs - watermark.timestampMs) } } : {}),
    ...(lastRun ? { lastRun } : {}),
    ...(lastSucceededRun ? { lastSucceededRun } : {}),
    ...(config.skewTarget ? { skewTarget: config.skewTarget } : {}),
    ...(skew ? { skew } : {}),
    ...(Object.keys(audit).length > 0 ? { audit } : {}),
    ...(alarms ? { alarms } : {}),
  };
}

function lockStatus(item: LockItemSnapshot, nowMs: number): LockStatus {
  if (item.owner === undefined) return { ...item, state: 'free' };
  return { ...item, state: (item.leaseUntilMs ?? 0) > nowMs ? 'held' : 'expired' };
}
