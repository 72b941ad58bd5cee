// The secret value a rotation writes: the shared app key format (functions/app-key/parse-secret.ts)
// plus `previousKeyName`, the key this one replaced, so the rotation after next can delete it, and the
// connection fields the operator put beside the key (proxy credentials, extra CAs), carried over as
// they were: a rotation replaces the key, not the way to the server.
// Parsing reuses the shared parser and adds only that field; the sync ignores it.
import type { AppKey } from '../app-key/key-source.js';
import { MalformedSecretError } from '../app-key/key-source.js';
import { parseSecretValue } from '../app-key/parse-secret.js';

export interface RotatedKeyValue {
  readonly appKey: string;
  readonly keyName: string;
  /** ISO-8601 UTC. */
  readonly expiresAt: string;
  readonly previousKeyName?: string;
  /** The current version's `proxy` and `caCertificatesPem`, unchanged (connectionFieldsOf). */
  readonly connection?: { readonly proxy?: unknown; readonly caCertificatesPem?: unknown };
}

export interface RotatedAppKey extends AppKey {
  readonly previousKeyName?: string;
}

export function serializeRotatedKey(value: RotatedKeyValue): string {
  return JSON.stringify({
    appKey: value.appKey,
    keyName: value.keyName,
    expiresAt: value.expiresAt,
    ...(value.previousKeyName === undefined ? {} : { previousKeyName: value.previousKeyName }),
    ...value.connection,
  });
}

/** Parses any version of the secret: a plain key, the shared JSON, or the JSON a rotation wrote. */
export function parseRotatedKey(secret: string, raw: string, versionId: string): RotatedAppKey {
  const key = parseSecretValue(secret, raw, versionId);
  const text = raw.trim();
  if (!text.startsWith('{')) return key;
  // parseSecretValue accepted it, so it is a JSON object.
  const previousKeyName = (JSON.parse(text) as Record<string, unknown>).previousKeyName;
  if (previousKeyName === undefined || previousKeyName === null) return key;
  if (typeof previousKeyName !== 'string' || previousKeyName === '') {
    throw new MalformedSecretError(secret, '"previousKeyName" must be a non-empty string');
  }
  return { ...key, previousKeyName };
}
