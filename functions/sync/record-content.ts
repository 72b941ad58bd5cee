// A record's content as one short value, so DynamoDB can tell "the same entry, re-read" (nothing to
// write) from "the same entry, replaced in place at the source" (a ThingWorx upsert: same timestamp
// and source, new values) inside a condition expression, without sending the content twice.
import { createHash } from 'node:crypto';

/** 128 bits of SHA-256 over the content with its keys sorted, base64url (22 characters). */
export function contentHash(data: unknown): string {
  return createHash('sha256').update(canonicalJson(data)).digest('base64url').slice(0, 22);
}

/** JSON with object keys sorted at every depth: equal content gives equal text whatever the key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, inner]) => inner !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, inner]) => `${JSON.stringify(key)}:${canonicalJson(inner)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
