// Where the scheduled audit of a job stands, one control-table item per job (`job#<name>` /
// `audit-state`): the window in progress and its cursor when an invocation ran out of time, and the end
// of the last window it completed (AuditLagSeconds, and "nothing to do" until the next day begins).
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { controlKeys } from '../shared/tables.js';
import type { AuditWindow } from './audit-day.js';

export interface AuditState {
  /** The window being audited and where to go on, when the last invocation did not finish it. */
  readonly inProgress?: AuditWindow & { readonly cursor: string };
  /** End (epoch ms) of the newest window audited to its end. */
  readonly lastCompletedWindowEndMs?: number;
  /** That window's outcome, for the job-health check (functions/job-health/audit-problems.ts). */
  readonly lastCompleted?: {
    readonly atMs: number;
    /** Missing plus stale records the repair did not write (all of them with repair off). */
    readonly leftAfterRepair: number;
    readonly repaired: number;
  };
  /** When the state was first saved: an audit that never completes is overdue from then. */
  readonly firstSavedAtMs?: number;
}

export class AuditStateStore {
  constructor(
    private readonly documentClient: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async read(job: string): Promise<AuditState> {
    const { Item } = await this.documentClient.send(
      new GetCommand({ TableName: this.tableName, Key: controlKeys.auditState(job), ConsistentRead: true }),
    );
    if (!Item) return {};
    return {
      ...(typeof Item.cursor === 'string'
        ? { inProgress: { fromMs: Number(Item.fromMs), toMs: Number(Item.toMs), cursor: Item.cursor } }
        : {}),
      ...(typeof Item.lastCompletedWindowEndMs === 'number'
        ? { lastCompletedWindowEndMs: Item.lastCompletedWindowEndMs }
        : {}),
      ...(typeof Item.lastCompletedAtMs === 'number'
        ? {
            lastCompleted: {
              atMs: Item.lastCompletedAtMs,
              leftAfterRepair: Number(Item.lastCompletedLeftAfterRepair ?? 0),
              repaired: Number(Item.lastCompletedRepaired ?? 0),
            },
          }
        : {}),
      ...(typeof Item.firstSavedAtMs === 'number' ? { firstSavedAtMs: Item.firstSavedAtMs } : {}),
    };
  }

  /** Replaces the job's state; only the job's scheduled audit writes it (with repair, under the lease). */
  async save(job: string, state: AuditState, nowMs: number): Promise<void> {
    await this.documentClient.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...controlKeys.auditState(job),
          ...(state.inProgress
            ? {
                fromMs: state.inProgress.fromMs,
                toMs: state.inProgress.toMs,
                cursor: state.inProgress.cursor,
              }
            : {}),
          ...(state.lastCompletedWindowEndMs === undefined
            ? {}
            : { lastCompletedWindowEndMs: state.lastCompletedWindowEndMs }),
          ...(state.lastCompleted
            ? {
                lastCompletedAtMs: state.lastCompleted.atMs,
                lastCompletedLeftAfterRepair: state.lastCompleted.leftAfterRepair,
                lastCompletedRepaired: state.lastCompleted.repaired,
              }
            : {}),
          firstSavedAtMs: state.firstSavedAtMs ?? nowMs,
          updatedAt: new Date(nowMs).toISOString(),
        },
      }),
    );
  }
}
