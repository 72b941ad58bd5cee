// Which records the audit can read in source-time order from the records table itself, and which need
// the index by source time. With the default key fields (`timestamp`, then `source`) a record's key starts
// with its source time in epoch milliseconds, 13 digits from 2001 to 2286, so the table's own sort order
// (UTF-8 bytes of the key) is source-time order and a key-range Query on the job's partition reads a time
// window. Only the records whose key does not start that way carry the index's key attribute, so only they
// are written to the index: a sparse index, which costs nothing for the default layout.
// Sparse indexes: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-indexes-general-sparse-indexes.html
// Sort-key order of strings (UTF-8 bytes): https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html

/** The epoch milliseconds whose decimal text is exactly 13 digits: 2001-09-09 to 2286-11-20. */
const FIRST_13_DIGIT_MS = 1_000_000_000_000;
const LAST_13_DIGIT_MS = 9_999_999_999_999;

/** record-key.ts joins the parts of a key with this; a number part never holds it. */
const KEY_PART_SEPARATOR = '#';
/** The character after the separator in byte order: a bound above every key `<ms>#...` of that ms. */
const ABOVE_SEPARATOR = '$';

/**
 * True when the key starts with the record's own source time as a 13-digit number part (`1700000000000`
 * or `1700000000000#...`). Such keys sort by source time whatever follows, so the audit reads them from
 * the table (`sourceTimeKeyRange`); every other record is indexed. The writer and the audit both decide
 * by this one function, so each record is found in exactly one of the two places.
 */
export function keySortsBySourceTime(key: string, sourceTimestampMs: number): boolean {
  if (!Number.isInteger(sourceTimestampMs)) return false;
  if (sourceTimestampMs < FIRST_13_DIGIT_MS || sourceTimestampMs > LAST_13_DIGIT_MS) return false;
  const lead = String(sourceTimestampMs);
  return key.startsWith(lead) && (key.length === lead.length || key[lead.length] === KEY_PART_SEPARATOR);
}

/**
 * The sort-key range that holds every key `keySortsBySourceTime` accepts for a source time in
 * [startMs, endMs], or undefined when no 13-digit time falls in the window. The range holds other keys too
 * (`17000000000001`, `1700000000000x`): the reader keeps only those `keySortsBySourceTime` accepts.
 */
export function sourceTimeKeyRange(
  startMs: number,
  endMs: number,
): { low: string; high: string } | undefined {
  const low = Math.max(Math.ceil(startMs), FIRST_13_DIGIT_MS);
  const high = Math.min(Math.floor(endMs), LAST_13_DIGIT_MS);
  if (low > high) return undefined;
  return { low: String(low), high: `${high}${ABOVE_SEPARATOR}` };
}
