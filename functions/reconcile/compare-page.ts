// Compares one page of source entries with the records the table holds over the same span of source
// time, by record key and content hash. Pure: the audit feeds it a page and the index's records of that
// span, so only one page of each side is ever held.
import { contentHash } from '../sync/record-content.js';
import type { SourceRecord } from '../sync/records-store.js';
import type { IndexedRecord } from './stored-window.js';

/** A source entry the table holds other content for, under `storedKey` (its key or its legacy key). */
export interface StaleRecord {
  readonly record: SourceRecord;
  readonly storedKey: string;
}

export interface PageDifferences {
  /** In the source, not in the table. */
  readonly missing: SourceRecord[];
  /** In both, with other content. */
  readonly stale: StaleRecord[];
  /** In the table, not in the source: deleted or re-keyed upstream. */
  readonly extra: IndexedRecord[];
}

/**
 * `stored` must be the table's records of exactly the source-time span the page covers (complete
 * timestamp groups, so an entry of that span is either in the page or not in the source at all).
 * A record stored before the upgrade to unambiguous keys may sit under its legacy key (record-key.ts).
 */
export function comparePage(
  records: readonly SourceRecord[],
  stored: readonly IndexedRecord[],
): PageDifferences {
  const byKey = new Map(stored.map((record) => [record.key, record]));
  const missing: SourceRecord[] = [];
  const stale: StaleRecord[] = [];
  for (const record of records) {
    const storedKey = storedKeyOf(record, byKey);
    const held = storedKey === undefined ? undefined : byKey.get(storedKey);
    if (storedKey === undefined || !held) {
      missing.push(record);
      continue;
    }
    byKey.delete(storedKey);
    if (
      held.contentHash !== contentHash(record.data) ||
      held.sourceTimestampMs !== record.sourceTimestampMs
    ) {
      stale.push({ record, storedKey });
    }
  }
  return { missing, stale, extra: [...byKey.values()] };
}

function storedKeyOf(record: SourceRecord, byKey: ReadonlyMap<string, IndexedRecord>): string | undefined {
  if (byKey.has(record.key)) return record.key;
  if (record.legacyKey !== undefined && byKey.has(record.legacyKey)) return record.legacyKey;
  return undefined;
}
