// Reads what the control table says about one job, for the rules of problems.ts: its watermark, its newest
// run ledger items, its app key's last expiry finding and its scheduled audit's state. Read-only, in the job's own partition (`job#<name>`).
import { type DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { controlKeys, PARTITION_KEY, SORT_KEY } from '../shared/tables.js';
import type { AuditFact } from './audit-problems.js';
import type { JobFacts, KeyExpiryFact, LedgerRun } from './problems.js';

/**
 * Ledger items read per job, newest first: enough for two intervals of skips at the shortest schedule and
 * for the newest ended run behind a burst of skips.
 */
export const LEDGER_ITEMS_READ = 25;

export async function readJobFacts(
  documentClient: DynamoDBDocumentClient,
  tableName: string,
  job: string,
): Promise<JobFacts> {
  const [watermark, expiry, audit, ledger] = await Promise.all([
    documentClient.send(new GetCommand({ TableName: tableName, Key: controlKeys.watermark(job) })),
    documentClient.send(new GetCommand({ TableName: tableName, Key: controlKeys.appKeyExpiry(job) })),
    documentClient.send(new GetCommand({ TableName: tableName, Key: controlKeys.auditState(job) })),
    documentClient.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :run)',
        ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#sk': SORT_KEY },
        ExpressionAttributeValues: { ':pk': controlKeys.jobPartition(job), ':run': 'run#' },
        ScanIndexForward: false,
        Limit: LEDGER_ITEMS_READ,
      }),
    ),
  ]);
  return {
    watermarkMs: watermark.Item ? Number(watermark.Item.timestampMs) : undefined,
    runs: (ledger.Items ?? []).map(ledgerRun),
    keyExpiry: expiry.Item ? keyExpiryFact(expiry.Item) : undefined,
    audit: audit.Item ? auditFact(audit.Item) : undefined,
  };
}

function ledgerRun(item: Record<string, unknown>): LedgerRun {
  const error = item.error as { name?: string; message?: string } | undefined;
  return {
    outcome: item.outcome as LedgerRun['outcome'],
    startedAtMs: Date.parse(String(item.startedAt)),
    endedAtMs: typeof item.endedAt === 'string' ? Date.parse(item.endedAt) : undefined,
    caughtUp: typeof item.caughtUp === 'boolean' ? item.caughtUp : undefined,
    windowEndMs: optionalNumber(item.windowEndMs),
    runsBehindInARow: optionalNumber(item.runsBehindInARow),
    recordsQuarantined: optionalNumber(item.recordsQuarantined),
    durationMs: optionalNumber(item.durationMs),
    authFailureCauses: Array.isArray(item.authFailureCauses) ? item.authFailureCauses.map(String) : undefined,
    error: error ? `${error.name ?? 'Error'}: ${error.message ?? ''}` : undefined,
  };
}

function keyExpiryFact(item: Record<string, unknown>): KeyExpiryFact {
  return item.status === 'known'
    ? { status: 'known', expiresAtMs: Number(item.expiresAtMs) }
    : { status: 'unknown', why: String(item.why ?? 'the last run could not tell') };
}

/** functions/reconcile/audit-state.ts writes these. */
function auditFact(item: Record<string, unknown>): AuditFact {
  return {
    lastCompletedAtMs: optionalNumber(item.lastCompletedAtMs),
    leftAfterRepair: optionalNumber(item.lastCompletedLeftAfterRepair),
    repaired: optionalNumber(item.lastCompletedRepaired),
    firstSavedAtMs: optionalNumber(item.firstSavedAtMs),
  };
}

function optionalNumber(value: unknown): number | undefined {
  return value === undefined || value === null ? undefined : Number(value);
}
