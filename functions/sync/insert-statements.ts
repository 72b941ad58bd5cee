// New records go in as PartiQL INSERTs, 25 to a BatchExecuteStatement call: each statement is a write of
// its own, billed as one PutItem (1 write unit per KB), and refused (DuplicateItem) when the item exists,
// so an INSERT can never replace anything. TransactWriteItems, which the store used before, bills 2 units
// per KB for every item, and one stored item cancels the other 99.
// INSERT and DuplicateItem: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ql-reference.insert.html
// Per-statement errors in a 200 answer: https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchExecuteStatement.html
// The statements go as the low-level command, their parameters as AttributeValues built by
// attribute-values.ts (the same values the document client would send, for much less CPU); sent through
// the document client, which passes a low-level command on untouched.
import { BatchExecuteStatementCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { toAttributeMap } from './attribute-values.js';
import type { RecordItem } from './record-item.js';

/** Statements per BatchExecuteStatement call (DynamoDB allows 25). */
export const INSERT_BATCH_SIZE = 25;

/** What became of one INSERT. */
export type InsertOutcome =
  | { readonly kind: 'inserted' }
  /** The table holds the item already: a replay after a crash, or a read-back that lagged. */
  | { readonly kind: 'exists' }
  /** DynamoDB can never accept the item (a key over 1 KB, an item collection over its limit). */
  | { readonly kind: 'rejected'; readonly why: string }
  /** Throttled, in conflict or failed inside DynamoDB: the same statement may succeed later. */
  | { readonly kind: 'retry'; readonly code: string };

/** Codes no retry can clear. */
const PERMANENT = new Set(['ValidationError', 'ItemCollectionSizeLimitExceeded']);
/** Codes that say the run itself is misconfigured: retrying would only delay the failure. */
const FATAL = new Set(['AccessDenied', 'ResourceNotFound']);

/** Sends one INSERT per item in a single call and says what became of each, in the items' order. */
export async function insertItems(
  documentClient: DynamoDBDocumentClient,
  tableName: string,
  items: readonly RecordItem[],
): Promise<InsertOutcome[]> {
  const answer = await documentClient.send(
    new BatchExecuteStatementCommand({
      Statements: items.map((item) => {
        const attributes = toAttributeMap(item);
        return {
          Statement: insertStatement(tableName, Object.keys(attributes)),
          Parameters: Object.values(attributes),
        };
      }),
    }),
  );
  return items.map((_, index) => {
    const response = answer.Responses?.[index];
    // DynamoDB answers every statement; one it did not answer is not known written: send it again.
    if (!response) return { kind: 'retry', code: 'NoResponse' };
    const error = response.Error;
    const code = error?.Code;
    if (!code) return { kind: 'inserted' };
    // ConditionalCheckFailed cannot come from an INSERT; if it ever does, the conditional put decides.
    if (code === 'DuplicateItem' || code === 'ConditionalCheckFailed') return { kind: 'exists' };
    if (PERMANENT.has(code))
      return { kind: 'rejected', why: `${code}${error.Message ? ` (${error.Message})` : ''}` };
    if (FATAL.has(code)) {
      throw new Error(
        `DynamoDB refused to insert into ${tableName}: ${code}${error.Message ? ` (${error.Message})` : ''}`,
      );
    }
    return { kind: 'retry', code };
  });
}

/**
 * `INSERT INTO "table" VALUE {'a': ?, ...}`: the names are syncwarden's own attribute names (record-item.ts)
 * and the table name can hold only [A-Za-z0-9_.-], so neither needs escaping; every value is a parameter.
 * Items come in a few shapes only (an optional attribute or two), so each statement is built once.
 */
function insertStatement(tableName: string, attributeNames: readonly string[]): string {
  const shape = `${tableName}\n${attributeNames.join('\n')}`;
  let statement = statements.get(shape);
  if (statement === undefined) {
    statement = `INSERT INTO "${tableName}" VALUE {${attributeNames.map((name) => `'${name}': ?`).join(', ')}}`;
    statements.set(shape, statement);
  }
  return statement;
}

/**
 * Built statements by table and shape. Bounded by what recordItem can make: its attributes are fixed but
 * for two optional ones (record-item.ts), so four shapes a records table.
 */
const statements = new Map<string, string>();
