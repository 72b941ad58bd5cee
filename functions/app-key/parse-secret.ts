// Turns a stored secret string into an AppKey. Accepts `{"appKey", "expiresAt"?, "keyName"?}` or a
// plain string that is the key alone. Errors name the secret and the problem, never the value:
// JSON.parse's own message quotes the input, so it is never passed on as a cause.
import type { AppKey } from './key-source.js';
import { MalformedSecretError } from './key-source.js';

// ISO-8601 date-time with an explicit offset; a zone-less time would be read in the Lambda's zone.
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;
// Characters an HTTP header value cannot carry; such a key would fail on every request.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const NOT_HEADER_SAFE = /[\u0000-\u0008\u000a-\u001f\u007f]/;

export function parseSecretValue(secret: string, raw: string, versionId: string): AppKey {
  const text = raw.trim();
  if (text === '') throw new MalformedSecretError(secret, 'the value is empty');
  if (!text.startsWith('{')) return { appKey: checkedKey(secret, text), versionId };

  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new MalformedSecretError(
      secret,
      'the value starts with "{" but is not valid JSON; expected {"appKey": "...", "expiresAt"?: "ISO-8601", "keyName"?: "..."}',
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new MalformedSecretError(secret, 'expected a JSON object');
  }
  const fields = parsed as Record<string, unknown>;

  if (!('appKey' in fields)) throw new MalformedSecretError(secret, 'the JSON has no "appKey" field');
  if (typeof fields.appKey !== 'string') {
    throw new MalformedSecretError(secret, `"appKey" must be a string, got ${typeName(fields.appKey)}`);
  }
  const key: AppKey = { appKey: checkedKey(secret, fields.appKey.trim()), versionId };

  const expiresAt = parseExpiresAt(secret, fields.expiresAt);
  const keyName = parseKeyName(secret, fields.keyName);
  return {
    ...key,
    ...(expiresAt === undefined ? {} : { expiresAt }),
    ...(keyName === undefined ? {} : { keyName }),
  };
}

function checkedKey(secret: string, key: string): string {
  if (key === '') throw new MalformedSecretError(secret, '"appKey" is empty');
  if (NOT_HEADER_SAFE.test(key)) {
    throw new MalformedSecretError(
      secret,
      '"appKey" contains control characters that an HTTP header cannot carry',
    );
  }
  return key;
}

function parseExpiresAt(secret: string, value: unknown): Date | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    throw new MalformedSecretError(secret, `"expiresAt" must be an ISO-8601 string, got ${typeName(value)}`);
  }
  const epochMs = Date.parse(value);
  // The expiry is not secret, so quoting it helps the operator find the typo.
  if (!ISO_DATE_TIME.test(value) || Number.isNaN(epochMs)) {
    throw new MalformedSecretError(
      secret,
      `"expiresAt" is not an ISO-8601 date-time with a zone (e.g. 2025-01-31T12:00:00Z): ${JSON.stringify(value)}`,
    );
  }
  return new Date(epochMs);
}

function parseKeyName(secret: string, value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    throw new MalformedSecretError(secret, `"keyName" must be a string, got ${typeName(value)}`);
  }
  return value;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'array' : typeof value;
}
