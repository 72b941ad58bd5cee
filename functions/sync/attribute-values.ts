// A record item (record-item.ts) as DynamoDB AttributeValues, built by the store itself for its INSERTs
// instead of by the document client's marshalling: the same attribute values, at a fraction of the CPU.
// lib-dynamodb copies every command input before it marshalls it, and util-dynamodb's convertToAttr asks
// each value's `.constructor.name` and compares numbers as strings; on a 10 ms DynamoDB that was about a
// fifth of the sync's CPU per record (issue 14, row (e) of bench:sync).
// The values are exactly what the document client sends with `removeUndefinedValues` (dependencies.ts):
// strings, booleans, null, numbers in the safe-integer range, arrays and plain objects are converted here
// by marshall's own rules (which values it skips, its key order, its `{}` maps); anything else, and every
// value marshall refuses (NaN, an unsafe integer), goes to util-dynamodb's convertToAttr itself, so it
// converts or fails as it always did, with the same message (records-store.ts tells refusals by it).
// marshall's rules: https://github.com/aws/aws-sdk-js-v3/blob/main/packages/util-dynamodb/src/convertToAttr.ts
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { convertToAttr, type marshallOptions } from '@aws-sdk/util-dynamodb';

/**
 * The document client's options (dependencies.ts), as its commands complete them: lib-dynamodb sets
 * `convertTopLevelContainer` (an attribute that is an object is a map, `{ M: ... }`).
 */
const DOCUMENT_CLIENT_OPTIONS: marshallOptions = {
  removeUndefinedValues: true,
  convertTopLevelContainer: true,
};

/** One value as the document client would send it. */
export function toAttributeValue(value: unknown): AttributeValue {
  switch (typeof value) {
    case 'string':
      return { S: value };
    case 'boolean':
      return { BOOL: value };
    case 'number':
      // NaN and ±Infinity fail both comparisons: marshall refuses them, as it does unsafe integers.
      if (value <= Number.MAX_SAFE_INTEGER && value >= Number.MIN_SAFE_INTEGER) return { N: String(value) };
      break;
    case 'object':
      if (value === null) return { NULL: true };
      if (Array.isArray(value)) return { L: toAttributeList(value) };
      if (isPlainForMarshall(value)) return { M: toAttributeMap(value) };
      break;
  }
  return convertToAttr(value, DOCUMENT_CLIENT_OPTIONS);
}

/**
 * The attributes of an item (or the entries of a map) as the document client would send them: every
 * enumerable key, in `for...in` order, but those holding undefined or a function, as marshall has it.
 */
export function toAttributeMap(item: object): Record<string, AttributeValue> {
  // A plain `{}` assigned to, as marshall builds its maps, so that even a `__proto__` key (which
  // stored-data.ts escapes before it gets here) would fare as it does there.
  const map: Record<string, AttributeValue> = {};
  for (const key in item) {
    const value = (item as Record<string, unknown>)[key];
    if (value !== undefined && typeof value !== 'function') map[key] = toAttributeValue(value);
  }
  return map;
}

function toAttributeList(values: readonly unknown[]): AttributeValue[] {
  const list: AttributeValue[] = [];
  for (const value of values) {
    if (value !== undefined && typeof value !== 'function') list.push(toAttributeValue(value));
  }
  return list;
}

/**
 * marshall's test for an object it stores as a map, word for word: no constructor (a prototype-free
 * object, as stored-data.ts builds), or one named `Object`. A Set, a Map, bytes or a class instance fail
 * it and go to convertToAttr.
 */
function isPlainForMarshall(value: object): boolean {
  const made = (value as { constructor?: { name?: unknown } }).constructor;
  return !made || made.name === 'Object';
}
