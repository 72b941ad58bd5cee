// Turns endpoint rows into keyed, timestamped records, rejecting rows the sync cannot place: a row
// without its timestamp or key fields fails the run (naming the row and field) rather than being
// skipped, because skipping it would be a silent gap.
import { SyncWardenError } from '../shared/errors.js';
import { encodeRecordKey, type KeyValue, legacyRecordKey } from './record-key.js';
import type { SourceRecord } from './records-store.js';

export interface RowShape {
  /** Field holding the source timestamp (epoch ms or ISO-8601). */
  readonly timestampField: string;
  /** Fields whose values together identify a record. */
  readonly keyFields: readonly string[];
}

export class BadSourceRowError extends SyncWardenError {
  constructor(message: string) {
    super(message, 'bad-source-row');
  }
}

export function toSourceRecord(row: unknown, rowIndex: number, shape: RowShape): SourceRecord {
  if (typeof row !== 'object' || row === null || Array.isArray(row)) {
    throw new BadSourceRowError(
      `Row ${rowIndex} is not an object (got ${row === null ? 'null' : typeof row})`,
    );
  }
  const fields = row as Record<string, unknown>;
  const keyParts = shape.keyFields.map((field) => {
    const value = fields[field];
    // An empty part is a value (a ThingWorx entry may have an empty source); a missing one is not.
    if (value === undefined || value === null) {
      throw new BadSourceRowError(`Row ${rowIndex} has no value in key field "${field}"`);
    }
    if (typeof value === 'object') {
      throw new BadSourceRowError(
        `Row ${rowIndex}: key field "${field}" must be a string or number, got an object`,
      );
    }
    return value as KeyValue;
  });
  if (keyParts.every((part) => part === '')) {
    throw new BadSourceRowError(`Row ${rowIndex} has only empty key fields (${shape.keyFields.join(', ')})`);
  }
  // Unambiguous, unlike the values joined with '#' (see record-key.ts); the old key rides along for the upgrade.
  const key = encodeRecordKey(keyParts);
  const legacyKey = legacyRecordKey(keyParts);
  return {
    key,
    ...(legacyKey === key ? {} : { legacyKey }),
    sourceTimestampMs: parseTimestamp(fields[shape.timestampField], rowIndex, key, shape),
    data: fields,
  };
}

function parseTimestamp(value: unknown, rowIndex: number, key: string, shape: RowShape): number {
  const where = `Row ${rowIndex} (key ${key}): timestamp field "${shape.timestampField}"`;
  if (value === undefined || value === null || value === '')
    throw new BadSourceRowError(`${where} is missing`);
  const ms = typeof value === 'number' ? value : typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(ms)) {
    throw new BadSourceRowError(
      `${where} must be epoch milliseconds or an ISO-8601 date, got ${JSON.stringify(value)}`,
    );
  }
  return Math.trunc(ms);
}
