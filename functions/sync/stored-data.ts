// A source row as the records table stores it (the item's `data`), faithfully, whatever its field names.
// The document client (lib-dynamodb's marshall) tells a plain object from other types by its
// `.constructor.name`, so a row with a field named `constructor` fails with "Unsupported type passed", or
// worse, is stored as the string "[object Object]" when that field is `{ "name": "String" }`; it builds maps
// by assignment, so a `__proto__` field is lost; and DynamoDB refuses an empty attribute name (all three
// seen against DynamoDB Local; marshall's type checks:
// https://github.com/aws/aws-sdk-js-v3/blob/main/packages/util-dynamodb/src/convertToAttr.ts).
// Those names are escaped instead of dropped: `~` goes in front of each of them, and of every name that
// already starts with `~`, so `decodeStoredFieldNames` gives the row back exactly. A number beyond what a
// JavaScript number holds exactly goes as its text (a NumberValue), which marshall would otherwise refuse.
import { NumberValue } from '@aws-sdk/lib-dynamodb';

const ESCAPE = '~';
/** Field names the document client or DynamoDB cannot store as they are. */
const UNSTORABLE_NAMES = new Set(['', 'constructor', '__proto__']);

export interface StorableData {
  /** The row, ready for the document client. */
  readonly data: Record<string, unknown>;
  /** True when some field name was escaped: the item says so (`dataFieldNames`) for its readers. */
  readonly fieldNamesEscaped: boolean;
}

/** Item attribute telling a reader that `data`'s field names are escaped (`decodeStoredFieldNames`). */
export const ESCAPED_FIELD_NAMES = { attribute: 'dataFieldNames', value: 'escaped' } as const;

export function toStorableData(row: Readonly<Record<string, unknown>>): StorableData {
  // Most rows need neither: they go as they are, without the copy (once per record synced, that copy
  // was a good part of the sync's allocations). The check accepts only what the copy would give back
  // equal, attribute for attribute.
  if (objectPrototypeIsBare() && isStorableAsIs(row)) return { data: row, fieldNamesEscaped: false };
  let escaped = false;
  const convert = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(convert);
    if (typeof value === 'number' && !Number.isSafeInteger(value) && Number.isInteger(value)) {
      return NumberValue.from(String(BigInt(value)));
    }
    if (value && typeof value === 'object') {
      // A prototype-free object: no name set here can reach a prototype, however it is spelled.
      const object: Record<string, unknown> = Object.create(null);
      for (const [name, inner] of Object.entries(value)) {
        const stored = needsEscape(name) ? `${ESCAPE}${name}` : name;
        if (stored !== name) escaped = true;
        object[stored] = convert(inner);
      }
      return object;
    }
    return value;
  };
  const data = convert(row) as Record<string, unknown>;
  return { data, fieldNamesEscaped: escaped };
}

/**
 * True when `convert` would copy the value unchanged: no name to escape, no integer beyond what a number
 * holds exactly, and only arrays and plain objects (the copy turns any other object into a map of its
 * own fields; the document client would refuse it or store it otherwise).
 */
function isStorableAsIs(value: unknown): boolean {
  if (typeof value === 'number') return Number.isSafeInteger(value) || !Number.isInteger(value);
  if (Array.isArray(value)) return value.every(isStorableAsIs);
  if (value && typeof value === 'object') {
    const prototype = Object.getPrototypeOf(value);
    if (prototype !== Object.prototype && prototype !== null) return false;
    for (const name of Object.keys(value)) {
      if (needsEscape(name) || !isStorableAsIs((value as Record<string, unknown>)[name])) return false;
    }
    return true;
  }
  return true;
}

/**
 * The copy holds own fields only; the document client (and attribute-values.ts) read an object's fields
 * with `for...in`, which would also find enumerable fields added to Object.prototype. None is there unless
 * something polluted it; then every row goes through the copy, as before.
 */
function objectPrototypeIsBare(): boolean {
  for (const _ in Object.prototype) return false;
  return true;
}

function needsEscape(name: string): boolean {
  return UNSTORABLE_NAMES.has(name) || name.startsWith(ESCAPE);
}

/** The row as the source sent it, from a stored `data` whose field names were escaped. */
export function decodeStoredFieldNames(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decodeStoredFieldNames);
  if (value && typeof value === 'object' && !(value instanceof Set)) {
    const object: Record<string, unknown> = Object.create(null);
    for (const [name, inner] of Object.entries(value)) {
      object[name.startsWith(ESCAPE) ? name.slice(ESCAPE.length) : name] = decodeStoredFieldNames(inner);
    }
    return object;
  }
  return value;
}
