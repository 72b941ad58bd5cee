// Keeps what the job's last run found of its app key's expiry in the control table (`job#<name>`,
// `app-key-expiry`), where the job-health check reads it (functions/job-health/job-facts.ts): the check,
// not a per-job metric, turns it into the app-key-expiring and app-key-expiry-unknown problems.
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { controlKeys } from '../shared/tables.js';
import type { ExpiryFinding } from './expiry-report.js';

/** Where a finding goes; `unpublished` findings say nothing about the key and are not kept. */
export type ExpiryRecorder = (finding: ExpiryFinding) => Promise<void>;

export function dynamoDbExpiryRecorder(
  documentClient: DynamoDBDocumentClient,
  tableName: string,
  job: string,
  nowMs: () => number,
): ExpiryRecorder {
  return async (finding) => {
    if (finding.status === 'unpublished') return;
    await documentClient.send(
      new PutCommand({
        TableName: tableName,
        Item: {
          ...controlKeys.appKeyExpiry(job),
          status: finding.status,
          reportedAtMs: nowMs(),
          ...(finding.status === 'known' ? { expiresAtMs: finding.expiresAtMs } : { why: finding.why }),
        },
      }),
    );
  };
}
