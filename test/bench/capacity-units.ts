// What DynamoDB on AWS would bill, in capacity units, for the requests a client sends: DynamoDB Local
// answers ReturnConsumedCapacity for some operations but not as AWS bills them (it reports 1 unit per
// item of a TransactWriteItems, where AWS charges 2, and nothing for BatchExecuteStatement), so the
// units are computed here from item sizes and operation types, by AWS's published rules:
// - item size: attribute names and values in UTF-8; a number takes about 1 byte per 2 significant digits
//   plus 1; a boolean or null 1 byte; a list or map 3 bytes plus 1 byte per element, plus the elements
//   (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html);
// - writes: 1 write unit per 1 KB of the item, rounded up; a conditional write whose condition fails
//   still consumes write units (at least 1); a transactional write consumes 2 per 1 KB; BatchWriteItem
//   and BatchExecuteStatement bill each item as the single-item operation would
//   (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html);
// - reads: an eventually consistent read is 0.5 read units per 4 KB of the *whole* item (a projection
//   does not reduce it), each item of a BatchGetItem rounded on its own; a key not found still costs the
//   minimum, 0.5 (same page).
// - a global secondary index: a write that puts an item into the index (a new item defining the index's
//   key) costs one more write of the *index* item's size (table keys, index key, projected attributes); one
//   that changes the index key costs two (delete and put); one that changes only projected attributes, one
//   (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.ThroughputConsiderations.Writes).
//   An item that leaves the index (its new version lacks the index key) costs one more write, the delete.
//   The records table has the audit's sparse index (RECORDS_BY_SOURCE_TIME in functions/shared/tables.ts):
//   only the items that carry its key are billed for it, in every writer's figures.
// Assumptions where the pages are silent, printed with the figures: a failed conditional write or a
// refused INSERT (DuplicateItem) is billed at the size of the item sent, and a cancelled transaction is
// billed as a completed one.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PARTITION_KEY, RECORDS_BY_SOURCE_TIME, SORT_KEY } from '../../functions/shared/tables.js';

type AttributeValue = Record<string, unknown>;
type Item = Record<string, AttributeValue>;

/** The size in bytes DynamoDB counts for an item (its marshalled attribute values). */
export function itemSizeBytes(item: Item): number {
  return Object.entries(item).reduce((sum, [name, value]) => sum + utf8(name) + valueSize(value), 0);
}

function valueSize(value: AttributeValue): number {
  const [type, inner] = Object.entries(value)[0] ?? ['NULL', true];
  switch (type) {
    case 'S':
      return utf8(String(inner));
    case 'N':
      return numberSize(String(inner));
    case 'B':
      return (inner as Uint8Array).byteLength;
    case 'BOOL':
    case 'NULL':
      return 1;
    case 'SS':
      return (inner as string[]).reduce((sum, s) => sum + utf8(s), 0);
    case 'NS':
      return (inner as string[]).reduce((sum, n) => sum + numberSize(n), 0);
    case 'L':
      return 3 + (inner as AttributeValue[]).reduce((sum, element) => sum + valueSize(element) + 1, 0);
    case 'M':
      return (
        3 +
        Object.entries(inner as Item).reduce(
          (sum, [name, element]) => sum + utf8(name) + valueSize(element) + 1,
          0,
        )
      );
    default:
      throw new Error(`No size rule for attribute type ${type}`);
  }
}

/** About 1 byte per 2 significant digits, plus 1; at most 21 bytes. */
function numberSize(text: string): number {
  const digits = text
    .replace(/^-/, '')
    .replace(/[eE].*$/, '')
    .replace('.', '')
    .replace(/^0+/, '')
    .replace(/0+$/, '');
  return Math.min(21, Math.ceil(Math.max(1, digits.length) / 2) + 1);
}

const utf8 = (text: string) => Buffer.byteLength(text, 'utf8');
const writeUnits = (bytes: number) => Math.max(1, Math.ceil(bytes / 1024));
const eventualReadUnits = (bytes: number) => 0.5 * Math.max(1, Math.ceil(bytes / 4096));

export interface CapacityTotals {
  writeUnits: number;
  readUnits: number;
}

/**
 * Adds what AWS would bill for each request on `tableName` to the totals, and remembers the size of
 * every item written, because a read-back's answer (projected) does not carry it.
 */
export function trackCapacity(client: DynamoDBClient, tableName: string): { totals(): CapacityTotals } {
  const totals: CapacityTotals = { writeUnits: 0, readUnits: 0 };
  const sizes = new Map<string, number>();
  /** The index key of every item in the index, to tell a new index item, a changed key and a changed projection. */
  const indexKeys = new Map<string, string>();
  const keyOf = (item: Item) => `${JSON.stringify(item.pk)}|${JSON.stringify(item.sk)}`;
  const wrote = (item: Item, factor = 1) => {
    const bytes = itemSizeBytes(item);
    totals.writeUnits += factor * writeUnits(bytes);
    return bytes;
  };
  /** What the index costs for a write of `item` that the table took. */
  const indexed = (item: Item) => {
    const indexKey = item[RECORDS_BY_SOURCE_TIME.sortKey];
    if (indexKey === undefined) {
      if (indexKeys.delete(keyOf(item))) totals.writeUnits += 1; // the index item's delete
      return;
    }
    const indexItem = Object.fromEntries(
      [PARTITION_KEY, SORT_KEY, RECORDS_BY_SOURCE_TIME.sortKey, ...RECORDS_BY_SOURCE_TIME.projected]
        .filter((name) => item[name] !== undefined)
        .map((name) => [name, item[name] as AttributeValue]),
    );
    const before = indexKeys.get(keyOf(item));
    const now = JSON.stringify(indexKey);
    totals.writeUnits +=
      (before !== undefined && before !== now ? 2 : 1) * writeUnits(itemSizeBytes(indexItem));
    indexKeys.set(keyOf(item), now);
  };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as Record<string, unknown>;
      const operation = String(context.commandName).replace(/Command$/, '');
      let output: Record<string, unknown> | undefined;
      let failed: unknown;
      try {
        const result = await next(args);
        output = result.output as unknown as Record<string, unknown>;
        return result;
      } catch (error) {
        failed = error;
        throw error;
      } finally {
        bill(operation, input, output, failed);
      }
    },
    { step: 'serialize', name: 'benchCapacityUnits', priority: 'low' },
  );

  function bill(
    operation: string,
    input: Record<string, unknown>,
    output: Record<string, unknown> | undefined,
    failed: unknown,
  ) {
    const conditionFailed = (failed as Error | undefined)?.name === 'ConditionalCheckFailedException';
    if (operation === 'PutItem' && input.TableName === tableName && (!failed || conditionFailed)) {
      const item = input.Item as Item;
      const bytes = wrote(item);
      if (!failed) {
        sizes.set(keyOf(item), bytes);
        indexed(item);
      }
    } else if (operation === 'BatchExecuteStatement' && output) {
      const statements = input.Statements as { Statement: string; Parameters: AttributeValue[] }[];
      const responses = (output.Responses ?? []) as { Error?: { Code?: string }; TableName?: string }[];
      statements.forEach((statement, index) => {
        if (!statement.Statement.includes(`"${tableName}"`)) return;
        const code = responses[index]?.Error?.Code;
        if (code && code !== 'DuplicateItem' && code !== 'ConditionalCheckFailed') return; // not processed
        const names = [...statement.Statement.matchAll(/'([^']+)': \?/g)].map((m) => m[1] as string);
        const item = Object.fromEntries(
          names.map((name, i) => [name, statement.Parameters[i] as AttributeValue]),
        );
        const bytes = wrote(item);
        if (!code) {
          sizes.set(keyOf(item), bytes);
          indexed(item);
        }
      });
    } else if (operation === 'BatchWriteItem' && output) {
      const requests =
        (input.RequestItems as Record<string, { PutRequest?: { Item: Item } }[]>)[tableName] ?? [];
      const unprocessed = new Set(
        (
          (output.UnprocessedItems as Record<string, { PutRequest?: { Item: Item } }[]>)?.[tableName] ?? []
        ).map((r) => keyOf(r.PutRequest?.Item ?? {})),
      );
      for (const request of requests) {
        const item = request.PutRequest?.Item;
        if (!item || unprocessed.has(keyOf(item))) continue;
        sizes.set(keyOf(item), wrote(item));
        indexed(item);
      }
    } else if (operation === 'TransactWriteItems') {
      for (const action of input.TransactItems as { Put?: { TableName: string; Item: Item } }[]) {
        if (action.Put?.TableName !== tableName) continue;
        const bytes = wrote(action.Put.Item, 2);
        if (!failed) {
          sizes.set(keyOf(action.Put.Item), bytes);
          indexed(action.Put.Item);
        }
      }
    } else if (operation === 'BatchGetItem' && output) {
      const keys = ((input.RequestItems as Record<string, { Keys: Item[] }>)[tableName]?.Keys ??
        []) as Item[];
      const unprocessed = new Set(
        ((output.UnprocessedKeys as Record<string, { Keys: Item[] }>)?.[tableName]?.Keys ?? []).map(keyOf),
      );
      for (const key of keys) {
        if (!unprocessed.has(keyOf(key))) totals.readUnits += eventualReadUnits(sizes.get(keyOf(key)) ?? 0);
      }
    }
  }

  return { totals: () => ({ ...totals }) };
}
