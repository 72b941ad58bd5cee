// bench:sync's capacity lines: what AWS would bill per new record and per re-read record, for syncwarden
// and the baselines (capacity-units.ts computes them), and a check of the computed write units against
// the ones DynamoDB Local reports for single PutItems, where the two follow the same rule.
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { trackCapacity } from './capacity-units.js';
import { instrumentedDynamoDb } from './instrumented-dynamodb.js';
import { newTables, toItem, type UnitFigure } from './sync-baselines.js';

const NEW_RECORD_WRITE_UNITS_TARGET = 1.0;
const REREAD_CAPACITY_UNITS_TARGET = 0.5;

const total = (units: UnitFigure['perNewRecord']) => units.writeUnits + units.readUnits;

/** Prints the two labelled lines scripts read (syncwarden's own figures), then every writer's. */
export function printUnits(figures: readonly UnitFigure[]): void {
  const syncwarden = figures.find((f) => f.method.startsWith('(a)'));
  if (!syncwarden) throw new Error('no syncwarden figure to print units for');
  const perNew = syncwarden.perNewRecord.writeUnits;
  const perReread = total(syncwarden.perRereadRecord);
  console.log(
    '\ncapacity units AWS would bill (on-demand; rules and assumptions in test/bench/capacity-units.ts):',
  );
  console.log(
    `write units per new record: ${perNew.toFixed(2)}   target <= ${NEW_RECORD_WRITE_UNITS_TARGET.toFixed(1)} ${perNew <= NEW_RECORD_WRITE_UNITS_TARGET ? 'met' : 'NOT MET'}`,
  );
  console.log(
    `capacity units per re-read record: ${perReread.toFixed(2)}   target <= ${REREAD_CAPACITY_UNITS_TARGET.toFixed(1)} ${perReread <= REREAD_CAPACITY_UNITS_TARGET ? 'met' : 'NOT MET'}`,
  );
  const header = ['writer', 'new: write', 'new: read', 're-read: write', 're-read: read', 're-read: total'];
  const rows = figures.map((f) => [
    f.method,
    f.perNewRecord.writeUnits.toFixed(2),
    f.perNewRecord.readUnits.toFixed(2),
    f.perRereadRecord.writeUnits.toFixed(2),
    f.perRereadRecord.readUnits.toFixed(2),
    total(f.perRereadRecord).toFixed(2),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  console.log(line(header));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const row of rows) console.log(line(row));
}

/**
 * Writes rows of the bench's own shape, padded to sizes around the 1 KB steps, one PutItem each, and
 * compares DynamoDB Local's ConsumedCapacity with the units computed from the item's size.
 */
export async function crossCheckPutUnits(
  endpoint: string,
  rows: readonly Record<string, unknown>[],
): Promise<void> {
  const tables = await newTables(endpoint);
  const db = instrumentedDynamoDb(endpoint);
  const capacity = trackCapacity(db.client, tables.recordsTable);
  const samples = [0, 300, 700, 900, 1_000, 1_100, 2_000, 3_000].flatMap((padding, i) =>
    rows.slice(i * 3, i * 3 + 3).map((row, j) => toItem({ ...row, padding: 'p'.repeat(padding) }, i * 3 + j)),
  );
  let agree = 0;
  const disagreements: string[] = [];
  for (const item of samples) {
    const before = capacity.totals().writeUnits;
    const answer = await db.documentClient.send(
      new PutCommand({ TableName: tables.recordsTable, Item: item, ReturnConsumedCapacity: 'TOTAL' }),
    );
    const computed = capacity.totals().writeUnits - before;
    const reported = answer.ConsumedCapacity?.CapacityUnits;
    if (reported === computed) agree++;
    else
      disagreements.push(`${JSON.stringify(item).length} B of JSON: computed ${computed}, Local ${reported}`);
  }
  console.log(
    `PutItem write units, computed vs DynamoDB Local: ${agree} of ${samples.length} agree${disagreements.length ? ` (${disagreements.slice(0, 4).join('; ')})` : ''}`,
  );
}
