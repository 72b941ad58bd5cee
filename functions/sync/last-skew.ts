// Reads the skew monitor's last measurement of a target from the control table, so the sync can widen
// its overlap window by the endpoint's measured clock offset and its bound.
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { controlKeys } from '../shared/tables.js';
import type { MeasuredSkew } from './sync-job.js';

export async function readLastSkew(
  documentClient: DynamoDBDocumentClient,
  controlTable: string,
  target: string,
): Promise<MeasuredSkew | undefined> {
  const { Item } = await documentClient.send(
    new GetCommand({ TableName: controlTable, Key: controlKeys.lastSkew(target) }),
  );
  if (typeof Item?.offsetMs !== 'number' || typeof Item.boundMs !== 'number') return undefined;
  return { offsetMs: Item.offsetMs, boundMs: Item.boundMs };
}
