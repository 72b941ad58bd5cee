// The replacement rule is applied twice, by DynamoDB (replacingPut's condition) and by the store on a
// read-back (mayReplace): against DynamoDB Local, both give the same answer for every combination of a
// lower, equal or higher fence, timestamp and read time, with the same or other content.
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { mayReplace, recordItem, replacingPut } from '../../../functions/sync/record-item.js';
import { freshTables, type LocalDynamoDb } from '../../support/dynamodb.js';

const JOB = 'rule';
const STORED = { fence: 5, sourceTimestampMs: 100, readAtMs: 1_000, value: 'stored' };

const item = (key: string, v: typeof STORED) =>
  recordItem(
    { key, sourceTimestampMs: v.sourceTimestampMs, data: { value: v.value } },
    { job: JOB, runId: `fence-${v.fence}`, fence: v.fence },
    { readAtMs: v.readAtMs, syncedAtMs: v.readAtMs },
  );

/** True when DynamoDB took the put, false when its condition failed. */
async function conditionHolds(db: LocalDynamoDb, put: ReturnType<typeof replacingPut>) {
  try {
    await db.documentClient.send(new PutCommand(put));
    return true;
  } catch (error) {
    if ((error as Error).name === 'ConditionalCheckFailedException') return false;
    throw error;
  }
}

describe('the replacement rule, as DynamoDB applies it and as the store does', () => {
  let db: LocalDynamoDb;
  beforeAll(async () => {
    db = await freshTables('rule');
  });

  const around = (n: number, step: number) => [n - step, n, n + step];
  const cases = around(STORED.fence, 1).flatMap((fence) =>
    around(STORED.sourceTimestampMs, 1).flatMap((sourceTimestampMs) =>
      around(STORED.readAtMs, 1).flatMap((readAtMs) =>
        ['stored', 'other'].map((value) => ({ fence, sourceTimestampMs, readAtMs, value })),
      ),
    ),
  );

  it('agrees with mayReplace in all 54 combinations, and replaces exactly the 14 newer versions', async () => {
    const answers = await Promise.all(
      cases.map(async (incoming, i) => {
        const key = `case-${i}`;
        const stored = item(key, STORED);
        await db.documentClient.send(new PutCommand({ TableName: db.tables.recordsTable, Item: stored }));
        const newer = item(key, incoming);
        return {
          incoming,
          byDynamoDb: await conditionHolds(db, replacingPut(db.tables.recordsTable, newer)),
          byStore: mayReplace(stored, newer),
        };
      }),
    );

    const disagreements = answers.filter((a) => a.byDynamoDb !== a.byStore);
    expect(disagreements).toEqual([]);
    // Under an equal or higher fence (2 of 3): a newer timestamp (3 read times × 2 contents), or the same
    // timestamp with other content read later (1).
    expect(answers.filter((a) => a.byDynamoDb)).toHaveLength(2 * (6 + 1));
  });

  it('stores a record the table does not hold yet', async () => {
    expect(await conditionHolds(db, replacingPut(db.tables.recordsTable, item('absent', STORED)))).toBe(true);
  });
});
