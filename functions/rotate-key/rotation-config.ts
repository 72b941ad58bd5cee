// The rotation Lambda's configuration, read and validated once at cold start from its environment.
// Errors name the variable and what was expected, so a misconfigured function fails before any step.
import { DEFAULT_KEY_CACHE_TTL_MS } from '../app-key/cached-key-source.js';
import { readTransportConfig, type TransportConfig } from '../endpoint/proxy-config.js';
import { type Env, EnvReader } from '../shared/env.js';
import { InvalidInputError } from '../shared/errors.js';
import { isCompleteSecretArn } from './secret-identity.js';

const MS_PER_SECOND = 1_000;
const MS_PER_HOUR = 60 * 60 * MS_PER_SECOND;
const MS_PER_DAY = 24 * MS_PER_HOUR;
/** Lambda's maximum timeout: the safe assumption when the sync function's timeout is not given. */
const MAX_LAMBDA_TIMEOUT_SECONDS = 900;
/**
 * A week: a rotation that fails on a Friday evening still leaves the key working over the weekend and the
 * days after, while the key-expiry alarm (which fires once the rotation is overdue) gives notice.
 */
export const DEFAULT_EXPIRY_MARGIN_HOURS = 7 * 24;
// Key names become URL path segments and ThingWorx entity names: keep to characters both accept.
const KEY_NAME_PREFIX_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

export interface RotationConfig {
  readonly endpoint: {
    readonly baseUrl: URL;
    /** Header the key travels in. */
    readonly keyHeader: string;
    readonly requestTimeoutMs: number;
    /** Forward proxy and extra CAs, as the sync's (functions/endpoint/proxy-config.ts). */
    readonly transport: TransportConfig;
  };
  /** Secret holding the admin app key, the only credential allowed to create and delete keys. */
  readonly adminSecretId: string;
  /** The one secret this function rotates (name or complete ARN); events naming another are refused. */
  readonly secretId: string;
  /** The job the rotated key belongs to: the `Job` dimension of `AdminKeyDaysToExpiry`. */
  readonly jobName: string;
  /** ThingWorx user the new keys act as (the sync's user). */
  readonly keyUser: string;
  /** New keys are named `<prefix>-<ClientRequestToken>`. */
  readonly keyNamePrefix: string;
  /** Addresses allowed to use a new key; empty means any. */
  readonly ipAllowlist: readonly string[];
  /** Must match the rotation schedule; a new key lives this long plus `expiryMarginMs`. */
  readonly rotationIntervalMs: number;
  /** Extra life beyond the interval, so a late or failed rotation leaves time to act before expiry. */
  readonly expiryMarginMs: number;
  /** How long the replaced key keeps working after finishSecret: at least key cache TTL + sync timeout. */
  readonly oldKeyGraceMs: number;
  /** The cheap authenticated read testSecret makes with the pending key. */
  readonly testRead: {
    readonly thing: string;
    readonly service: string;
    readonly params: Readonly<Record<string, unknown>>;
  };
}

export function loadRotationConfig(env: Env): RotationConfig {
  const read = new EnvReader(env);
  const keyNamePrefix = read.string('ROTATION_KEY_NAME_PREFIX', 'syncwarden');
  if (!KEY_NAME_PREFIX_PATTERN.test(keyNamePrefix)) {
    throw new InvalidInputError(
      'ROTATION_KEY_NAME_PREFIX',
      'a letter, then letters, digits, "_" or "-" (at most 64)',
      JSON.stringify(keyNamePrefix),
    );
  }
  const secretId = read.string('ROTATION_SECRET_ID');
  if (secretId.startsWith('arn:') && !isCompleteSecretArn(secretId)) {
    throw new InvalidInputError(
      'ROTATION_SECRET_ID',
      'the secret\'s name, or its complete ARN ending in "-" and the 6 random characters Secrets Manager appends',
      JSON.stringify(secretId),
    );
  }
  const syncTimeoutSeconds = read.integer('SYNC_TIMEOUT_SECONDS', {
    default: MAX_LAMBDA_TIMEOUT_SECONDS,
    min: 1,
    max: MAX_LAMBDA_TIMEOUT_SECONDS,
  });
  // A warm sync may hold the old key for one cache TTL and then use it for one whole invocation.
  const minGraceSeconds = Math.ceil(DEFAULT_KEY_CACHE_TTL_MS / MS_PER_SECOND) + syncTimeoutSeconds;
  const oldKeyGraceSeconds = read.integer('OLD_KEY_GRACE_SECONDS', {
    default: minGraceSeconds,
    min: minGraceSeconds,
  });

  const config: RotationConfig = {
    endpoint: {
      baseUrl: read.url('ENDPOINT_BASE_URL'),
      keyHeader: read.string('APP_KEY_HEADER', 'appKey'),
      requestTimeoutMs: read.integer('REQUEST_TIMEOUT_MS', { default: 15_000, min: 100, max: 900_000 }),
      transport: readTransportConfig(read),
    },
    adminSecretId: read.string('ADMIN_SECRET_ID'),
    secretId,
    jobName: read.string('ROTATION_JOB_NAME'),
    keyUser: read.string('ROTATION_KEY_USER'),
    keyNamePrefix,
    ipAllowlist: read.list('ROTATION_IP_ALLOWLIST', []),
    rotationIntervalMs: read.integer('ROTATION_INTERVAL_DAYS', { min: 1, max: 1000 }) * MS_PER_DAY,
    expiryMarginMs:
      read.integer('ROTATION_EXPIRY_MARGIN_HOURS', { default: DEFAULT_EXPIRY_MARGIN_HOURS, min: 1 }) *
      MS_PER_HOUR,
    oldKeyGraceMs: oldKeyGraceSeconds * MS_PER_SECOND,
    testRead: {
      thing: read.string('ROTATION_TEST_THING'),
      service: read.string('ROTATION_TEST_SERVICE', 'QueryStreamEntriesWithData'),
      params: jsonObject(read, 'ROTATION_TEST_PARAMS', { maxItems: 1 }),
    },
  };
  return deepFreeze(config);
}

function jsonObject(
  read: EnvReader,
  name: string,
  fallback: Record<string, unknown>,
): Record<string, unknown> {
  const raw = read.optionalString(name);
  if (raw === undefined) return fallback;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new InvalidInputError(name, 'a JSON object such as {"maxItems": 1}', JSON.stringify(raw));
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InvalidInputError(name, 'a JSON object such as {"maxItems": 1}', JSON.stringify(raw));
  }
  return parsed as Record<string, unknown>;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !(value instanceof URL)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
