// What of an answer may go into logs and errors: the headers that can explain a denial, and body text
// with every form of the key redacted before it is cut to a snippet.
import type { AppKey } from '../app-key/key-source.js';

/** Headers by which a cache says it answered instead of the server. */
export const CACHE_STATUS_HEADERS = ['x-cache', 'x-cache-status', 'cf-cache-status'] as const;

/** Response headers that can explain a denial; everything else is left out of logs. */
const EVIDENCE_HEADERS = [
  'date',
  'age',
  'via',
  ...CACHE_STATUS_HEADERS,
  'proxy-authenticate',
  'www-authenticate',
  'content-type',
  'location',
  'server',
  'retry-after',
] as const;

const REDACTED = '[REDACTED]';

/** Replaces every form of the key (raw, URL-encoded) in a text. */
export function redact(text: string, ...keys: readonly (AppKey | undefined)[]): string {
  let redacted = text;
  for (const key of keys) {
    if (!key) continue;
    for (const form of new Set([key.appKey, encodeURIComponent(key.appKey)])) {
      redacted = redacted.split(form).join(REDACTED);
    }
  }
  return redacted;
}

export function redactRecord(
  record: Readonly<Record<string, string>>,
  ...keys: readonly (AppKey | undefined)[]
): Record<string, string> {
  return Object.fromEntries(Object.entries(record).map(([name, value]) => [name, redact(value, ...keys)]));
}

export function pickEvidenceHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of EVIDENCE_HEADERS) {
    const value = headers[name];
    if (value !== undefined) picked[name] = value;
  }
  return picked;
}

/**
 * The start of a text, whitespace collapsed, at most `maxChars` (then "…"). Call it on already-redacted
 * text only: cutting first could leave a key prefix that no longer matches.
 */
export function snippet(redactedText: string, maxChars: number): string {
  const collapsed = redactedText
    .slice(0, maxChars * 4)
    .replace(/\s+/g, ' ')
    .trim();
  return collapsed.length > maxChars ? `${collapsed.slice(0, maxChars)}…` : collapsed;
}
