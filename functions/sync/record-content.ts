// A record's content as one short value, so DynamoDB can tell "the same entry, re-read" (nothing to
// write) from "the same entry, replaced in place at the source" (a ThingWorx upsert: same timestamp
// and source, new values) inside a condition expression, without sending the content twice.
// Every stored item carries this hash, so its text must never change: the loops below are written for
// speed (it runs once per record synced), and give the very text the plain map/filter/sort/join did.
import { hash } from 'node:crypto';

/** 128 bits of SHA-256 over the content with its keys sorted, base64url (22 characters). */
export function contentHash(data: unknown): string {
  // The one-shot hash: no Hash object per record. https://nodejs.org/api/crypto.html#cryptohashalgorithm-data-outputencoding
  return hash('sha256', canonicalJson(data), 'base64url').slice(0, 22);
}

/** JSON with object keys sorted at every depth: equal content gives equal text whatever the key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) {
    let text = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) text += ',';
      // A hole stays empty, as Array.prototype.map and join leave it (JSON rows have none).
      if (i in value) text += canonicalJson(value[i]);
    }
    return `${text}]`;
  }
  if (value && typeof value === 'object') {
    // The default sort compares UTF-16 code units, as `<` on two strings does.
    const keys = Object.keys(value).sort();
    let text = '{';
    for (const key of keys) {
      const inner = (value as Record<string, unknown>)[key];
      if (inner === undefined) continue;
      if (text.length > 1) text += ',';
      text += `${JSON.stringify(key)}:${canonicalJson(inner)}`;
    }
    return `${text}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
