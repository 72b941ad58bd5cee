// `npm start -- --audit`: at the end of the session, the audit of what the session synced (from an hour
// before it started, the history the simulator made, up to where the sync's overlap begins), with the
// same code and configuration the reconciliation Lambda runs: one line beside the gap check.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type AuditReport, auditWindow } from '../../functions/reconcile/audit.js';
import { createReconcileDependencies } from '../../functions/reconcile/dependencies.js';
import type { Env } from '../../functions/shared/env.js';
import { loadSyncConfig } from '../../functions/sync/sync-config.js';

export async function auditSession(
  env: Env,
  documentClient: DynamoDBDocumentClient,
  window: { fromMs: number; toMs: number },
): Promise<AuditReport | undefined> {
  if (window.toMs <= window.fromMs) return undefined;
  const config = loadSyncConfig(env);
  const deps = createReconcileDependencies(config, { documentClient });
  return auditWindow(deps, { job: config.job, ...window, deadlineMs: Date.now() + 120_000 });
}

export function describeSessionAudit(report: AuditReport): string {
  const t = report.totals;
  const window = `[${new Date(report.fromMs).toISOString()}, ${new Date(report.toMs).toISOString()})`;
  return (
    `  audit ${window}: ${t.compared} source entries compared with ${t.tableRecords} records; ` +
    `missing ${t.missing}, stale ${t.stale}, extra ${t.extra} (${t.readRequests} DynamoDB reads` +
    `${report.complete ? '' : ', stopped at its time limit'})`
  );
}
