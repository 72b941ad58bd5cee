// One ledger item per run in the control table, so "what happened at 04:00?" is a Query, not a log
// search. Items are unique per run and never contend, so they are written even when the lease was lost:
// that is exactly the run an operator needs to see. They expire through the table's TTL.
import { type DynamoDBDocumentClient, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { controlKeys, PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE } from '../shared/tables.js';
import type { Watermark } from './watermark.js';

export type RunOutcome = 'running' | 'succeeded' | 'skipped' | 'failed';

/**
 * What a run did: a scheduled sync, a repair after an audit, or a backfill of a historical window
 * (functions/reconcile/). Items written before kinds existed have none, and are syncs.
 */
export type RunKind = 'sync' | 'repair' | 'backfill';

export interface RunStart {
  readonly job: string;
  readonly runId: string;
  readonly startedAtMs: number;
  /** @default 'sync' (not written for a sync, so its items stay as they were) */
  readonly kind?: RunKind;
}

/** What a repair run's audit found and did (functions/reconcile/audit.ts). */
export interface AuditOutcome {
  readonly windowStartMs: number;
  readonly windowEndMs: number;
  readonly compared: number;
  readonly missing: number;
  readonly stale: number;
  readonly extra: number;
  readonly repaired: number;
  readonly pruned: number;
  /** False when the run stopped at its deadline; a later run continues from its cursor. */
  readonly complete: boolean;
}

export interface RunEnd {
  readonly outcome: Exclude<RunOutcome, 'running'>;
  readonly endedAtMs: number;
  readonly fence?: number;
  readonly recordsWritten?: number;
  readonly recordsAlreadyStored?: number;
  /** Records DynamoDB can never accept, kept in quarantine items instead (REJECTED_RECORDS=quarantine). */
  readonly recordsQuarantined?: number;
  readonly pages?: number;
  readonly watermarkBefore?: Watermark;
  readonly watermarkAfter?: Watermark;
  /** False when the run stopped at its safety margin with a backlog left for the next run. */
  readonly caughtUp?: boolean;
  /** End of the window the run read (epoch ms): the table is complete up to here when it caught up. */
  readonly windowEndMs?: number;
  /** Succeeded runs in a row, this one included, that ended `caughtUp: false` (succeeded runs only). */
  readonly runsBehindInARow?: number;
  /** What the endpoint showed of its stream semantics (bounds, order, cap), as the pager judged it. */
  readonly source?: Readonly<Record<string, string | number | undefined>>;
  /** Why the run skipped (e.g. the lock holder) or stopped early (e.g. the deadline). */
  readonly reason?: string;
  /** Classified causes of Access Denied answers met during the run. */
  readonly authFailureCauses?: readonly string[];
  /** Error class and message of a failed run (never a secret: errors are built without them). */
  readonly error?: { readonly name: string; readonly reason?: string; readonly message: string };
  /** A repair run's audit (kind `repair`). */
  readonly audit?: AuditOutcome;
}

/** A ledger item as read back: the run's start, and its end once it ended (`outcome` not 'running'). */
export interface LedgerRun extends Omit<RunEnd, 'outcome' | 'endedAtMs'> {
  readonly job: string;
  readonly runId: string;
  /** What ran: absent on syncs (and on every item written before kinds existed). */
  readonly kind?: RunKind;
  readonly startedAt: string;
  readonly outcome: RunOutcome;
  readonly endedAt?: string;
  readonly durationMs?: number;
}

export interface LedgerQuery {
  /** Runs that started at or after this instant (epoch ms). @default all kept runs */
  readonly sinceMs?: number;
  /** Runs that started before this instant (epoch ms). @default no end */
  readonly untilMs?: number;
  /** Only runs with this outcome (a filter on the Query, which still reads the others' capacity). */
  readonly outcome?: RunOutcome;
  /** At most this many runs, newest first. @default 100 */
  readonly limit?: number;
}

/**
 * The job's runs, newest first, by Query on its partition: ledger sort keys are `run#<startedAt ISO>#<runId>`,
 * so a time range is a key condition and no run outside it is read.
 */
export async function readLedgerRuns(
  documentClient: DynamoDBDocumentClient,
  tableName: string,
  job: string,
  query: LedgerQuery = {},
): Promise<LedgerRun[]> {
  const limit = query.limit ?? 100;
  const runs: LedgerRun[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await documentClient.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
        ...(query.outcome ? { FilterExpression: 'outcome = :outcome' } : {}),
        ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#sk': SORT_KEY },
        ExpressionAttributeValues: {
          ':pk': controlKeys.jobPartition(job),
          ':from': `run#${query.sinceMs === undefined ? '' : new Date(query.sinceMs).toISOString()}`,
          // '#' sorts before every digit, so `run#<until>` ends the range just before runs started then.
          ':to': query.untilMs === undefined ? 'run#\uffff' : `run#${new Date(query.untilMs).toISOString()}`,
          ...(query.outcome ? { ':outcome': query.outcome } : {}),
        },
        ScanIndexForward: false,
        Limit: Math.min(limit - runs.length, 100),
        ExclusiveStartKey,
      }),
    );
    for (const item of page.Items ?? []) runs.push(ledgerRunOf(item));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey && runs.length < limit);
  return runs;
}

function ledgerRunOf(item: Record<string, unknown>): LedgerRun {
  const { [PARTITION_KEY]: _pk, [SORT_KEY]: _sk, [TTL_ATTRIBUTE]: _ttl, ...run } = item;
  return run as unknown as LedgerRun;
}

export class RunLedger {
  constructor(
    private readonly documentClient: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly retentionDays: number,
  ) {}

  async start(run: RunStart): Promise<void> {
    await this.documentClient.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...this.key(run), ...this.identity(run), outcome: 'running' satisfies RunOutcome },
      }),
    );
  }

  /** Completes the run's item; writes the whole item if `start` never landed. */
  async end(run: RunStart, end: RunEnd): Promise<void> {
    const fields: Record<string, unknown> = {
      ...this.identity(run),
      ...end,
      endedAt: new Date(end.endedAtMs).toISOString(),
      durationMs: end.endedAtMs - run.startedAtMs,
    };
    delete fields.endedAtMs;
    const present = Object.entries(fields).filter(([, value]) => value !== undefined);
    await this.documentClient.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: this.key(run),
        UpdateExpression: `SET ${present.map((_, i) => `#f${i} = :v${i}`).join(', ')}`,
        ExpressionAttributeNames: Object.fromEntries(present.map(([name], i) => [`#f${i}`, name])),
        ExpressionAttributeValues: Object.fromEntries(present.map(([, value], i) => [`:v${i}`, value])),
      }),
    );
  }

  /**
   * `runsBehindInARow` of the newest earlier run that ended (skipped runs and runs still `running`, i.e.
   * crashed, are passed over, and so are repairs and backfills): its own count if it succeeded behind (`caughtUp: false`), else 0. Reads a
   * few items at a time, at most `maxItems`, so a burst of skips cannot hide the streak.
   */
  async runsBehindBefore(run: RunStart, maxItems = 100): Promise<number> {
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    let read = 0;
    do {
      const page = await this.documentClient.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :first AND :before',
          ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#sk': SORT_KEY },
          ExpressionAttributeValues: {
            ':pk': controlKeys.jobPartition(run.job),
            ':first': 'run#',
            ':before': `run#${new Date(run.startedAtMs).toISOString()}`,
          },
          ProjectionExpression: 'outcome, caughtUp, runsBehindInARow, kind',
          ScanIndexForward: false,
          Limit: 10,
          ExclusiveStartKey,
        }),
      );
      for (const item of page.Items ?? []) {
        if (item.outcome === 'skipped' || item.outcome === 'running') continue;
        // A repair or backfill between two syncs says nothing about whether the syncs keep up.
        if (item.kind !== undefined && item.kind !== 'sync') continue;
        return item.outcome === 'succeeded' && item.caughtUp === false
          ? Number(item.runsBehindInARow ?? 1)
          : 0;
      }
      read += page.Items?.length ?? 0;
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey && read < maxItems);
    return 0;
  }

  private identity(run: RunStart) {
    return {
      job: run.job,
      runId: run.runId,
      ...(run.kind === undefined || run.kind === 'sync' ? {} : { kind: run.kind }),
      startedAt: new Date(run.startedAtMs).toISOString(),
      [TTL_ATTRIBUTE]: Math.floor(run.startedAtMs / 1000) + this.retentionDays * 86_400,
    };
  }

  private key(run: RunStart) {
    return controlKeys.runLedger(run.job, new Date(run.startedAtMs).toISOString(), run.runId);
  }
}
