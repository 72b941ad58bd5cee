// A record's key (its sort key in the records table) made from the row's key-field values, so that two
// different tuples of values never share one key. Keys were once the values joined with `#`, which made
// ("x#y", "z") and ("x", "y#z") one key, and 7 and "7" too: the second entry counted as already stored
// and was lost. The encoding keeps the old text wherever the old text was unambiguous, so the keys of
// almost every stored record stay as they were; the migration rule for the rest is `keyForStorage`.
//
// Encoding, part by part, joined with `#`:
//   - a number or boolean: its text, as before (`1700000000000`, `true`);
//   - a string: `\` and `#` escaped as `\\` and `\#`; a string that reads as a number or boolean
//     (`"7"`, `"true"`) is tagged `\s` (`\s7`), so it can never meet the number 7.
// Each part is decodable on its own (`decodeRecordKey`), which is what makes the key unambiguous.

/** What a key field may hold: the scalar JSON types (objects and null are refused by the row reader). */
export type KeyValue = string | number | boolean;

const SEPARATOR = '#';
const ESCAPE = '\\';
/** After ESCAPE, only ESCAPE or SEPARATOR follow in an escaped string: `s` is free to mark a tag. */
const STRING_TAG = `${ESCAPE}s`;

/** The record key of a row whose key fields hold `values`, in key-field order. */
export function encodeRecordKey(values: readonly KeyValue[]): string {
  return values.map(encodePart).join(SEPARATOR);
}

/** The key as syncwarden made it before this encoding: the values' text joined with `#`. */
export function legacyRecordKey(values: readonly KeyValue[]): string {
  return values.map(String).join(SEPARATOR);
}

function encodePart(value: KeyValue): string {
  if (typeof value !== 'string') return String(value);
  const escaped = value.replace(/[\\#]/g, (character) => `${ESCAPE}${character}`);
  return readsAsLiteral(value) ? `${STRING_TAG}${escaped}` : escaped;
}

/** True when the text is what a number or boolean prints as: untagged, it would be taken for one. */
function readsAsLiteral(text: string): boolean {
  return text === 'true' || text === 'false' || String(Number(text)) === text;
}

/** The values a key was made from; the inverse of `encodeRecordKey` (used by tests and operators' tools). */
export function decodeRecordKey(key: string): KeyValue[] {
  const parts: KeyValue[] = [];
  let text = '';
  let tagged = false;
  let escaped = false;
  const endPart = () => {
    parts.push(tagged ? text : literalOf(text));
    text = '';
    tagged = false;
  };
  for (let i = 0; i < key.length; i++) {
    const character = key[i] as string;
    if (escaped) {
      escaped = false;
      text += character;
    } else if (character === ESCAPE) {
      if (text === '' && !tagged && key[i + 1] === 's') {
        tagged = true;
        i++;
      } else {
        escaped = true;
      }
    } else if (character === SEPARATOR) {
      endPart();
    } else {
      text += character;
    }
  }
  endPart();
  return parts;
}

function literalOf(text: string): KeyValue {
  if (text === 'true') return true;
  if (text === 'false') return false;
  return readsAsLiteral(text) ? Number(text) : text;
}

/** The part of a record `keyForStorage` needs: its key, the legacy key when that differs, its time. */
export interface KeyedRecord {
  readonly key: string;
  /** The legacy key (`legacyRecordKey`), present only when it differs from `key`. */
  readonly legacyKey?: string;
  readonly sourceTimestampMs: number;
}

/**
 * The record as it is stored. A record whose key changed with the encoding, and whose source time is at
 * or before `legacyKeysUpToMs` (the newest source time a run before the upgrade could have stored),
 * keeps its legacy key: it may already be in the table under that key, and a re-read of the overlap
 * window after the upgrade must update that item, not add a twin of it. Every other record gets the
 * unambiguous key. `undefined` means no record was ever stored the old way (a job first run after it).
 */
export function keyForStorage<T extends KeyedRecord>(record: T, legacyKeysUpToMs: number | undefined): T {
  if (record.legacyKey === undefined || legacyKeysUpToMs === undefined) return record;
  if (record.sourceTimestampMs > legacyKeysUpToMs) return record;
  return { ...record, key: record.legacyKey };
}
