// Turns a stored secret string into an AppKey. Accepts `{"appKey", "expiresAt"?, "keyName"?,
// "proxy"?: {"username", "password"}, "caCertificatesPem"?}` or a plain string that is the key alone.
// Errors name the secret and the field, never a value: JSON.parse's own message quotes the input, so
// it is never passed on as a cause.
import { ProxyCredentials } from '../endpoint/proxy-route.js';
import { parsePemCertificates } from '../endpoint/tls-trust.js';
import { InvalidInputError } from '../shared/errors.js';
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
      'the value starts with "{" but is not valid JSON; expected {"appKey": "...", "expiresAt"?: "ISO-8601", "keyName"?: "...", ' +
        '"proxy"?: {"username": "...", "password": "..."}, "caCertificatesPem"?: "-----BEGIN CERTIFICATE-----..."}',
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
  const proxyCredentials = parseProxyCredentials(secret, fields.proxy);
  const caCertificatesPem = parseCaCertificates(secret, fields.caCertificatesPem);
  return {
    ...key,
    ...(expiresAt === undefined ? {} : { expiresAt }),
    ...(keyName === undefined ? {} : { keyName }),
    ...(proxyCredentials === undefined ? {} : { proxyCredentials }),
    ...(caCertificatesPem === undefined ? {} : { caCertificatesPem }),
  };
}

/**
 * The connection fields of a stored secret value (`proxy`, `caCertificatesPem`) as stored, for a writer
 * that replaces the key (the rotation) to carry into the new version: without them the next run would
 * meet the proxy with no credentials. Empty for a plain-string value or one without them.
 */
export function connectionFieldsOf(raw: string): { proxy?: unknown; caCertificatesPem?: unknown } {
  const text = raw.trim();
  if (!text.startsWith('{')) return {};
  try {
    const { proxy, caCertificatesPem } = JSON.parse(text) as Record<string, unknown>;
    return {
      ...(proxy === undefined ? {} : { proxy }),
      ...(caCertificatesPem === undefined ? {} : { caCertificatesPem }),
    };
  } catch {
    return {}; // parseSecretValue reports the malformed value; nothing to carry over
  }
}

const PROXY_SHAPE = '{"username": "...", "password": "..."}';

/** The forward proxy's credentials; neither the username nor the password is ever quoted in an error. */
function parseProxyCredentials(secret: string, value: unknown): ProxyCredentials | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new MalformedSecretError(
      secret,
      `"proxy" must be an object ${PROXY_SHAPE}, got ${typeName(value)}`,
    );
  }
  const { username, password, ...rest } = value as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) {
    throw new MalformedSecretError(
      secret,
      `"proxy" has unknown fields ${unknown.map((name) => JSON.stringify(name)).join(', ')}; expected ${PROXY_SHAPE}`,
    );
  }
  for (const [name, field] of [
    ['username', username],
    ['password', password],
  ] as const) {
    if (typeof field !== 'string' || field === '') {
      throw new MalformedSecretError(
        secret,
        `"proxy.${name}" must be a non-empty string, got ${field === '' ? 'an empty string' : typeName(field)}`,
      );
    }
    if (NOT_HEADER_SAFE.test(field)) {
      throw new MalformedSecretError(
        secret,
        `"proxy.${name}" contains control characters that a Proxy-Authorization header cannot carry`,
      );
    }
  }
  // RFC 7617 §2: a user-id containing a colon cannot be told apart from the password.
  if ((username as string).includes(':')) {
    throw new MalformedSecretError(secret, '"proxy.username" must not contain ":" (Basic authentication)');
  }
  return new ProxyCredentials(username as string, password as string);
}

function parseCaCertificates(secret: string, value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    throw new MalformedSecretError(
      secret,
      `"caCertificatesPem" must be a string of PEM certificates, got ${typeName(value)}`,
    );
  }
  try {
    parsePemCertificates('caCertificatesPem', value);
  } catch (error) {
    if (error instanceof InvalidInputError) throw new MalformedSecretError(secret, error.message);
    throw error;
  }
  return value;
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
