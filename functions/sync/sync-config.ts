// The sync Lambda's configuration, read and validated once at cold start from its environment.

import { baseUrlProblem, type ConfigProblem, keyHeaderProblem } from '../endpoint/endpoint-rules.js';
import { readTransportConfig, type TransportConfig } from '../endpoint/proxy-config.js';
import { DEFAULT_LEASE_MARGIN_MS, DEFAULT_MIN_REMAINING_TIME_MS } from '../lock/lease-lock.js';
import { type Env, EnvReader } from '../shared/env.js';
import { InvalidInputError } from '../shared/errors.js';
import type { TableNames } from '../shared/tables.js';

export interface SyncConfig {
  readonly job: string;
  readonly tables: TableNames;
  readonly endpoint: {
    readonly baseUrl: URL;
    readonly thing: string;
    readonly service: string;
    /** Header the key travels in. */
    readonly keyHeader: string;
    readonly requestTimeoutMs: number;
    /** Forward proxy and extra CAs; the proxy's credentials and more CAs come with the key from the secret. */
    readonly transport: TransportConfig;
  };
  /** Exactly one of these names where the app key comes from. */
  readonly appKey: { readonly secretId: string } | { readonly file: string };
  /** The key's name on ThingWorx when the secret names none: the run can then ask the server its expiry. */
  readonly appKeyName: string | undefined;
  readonly pageSize: number;
  readonly timestampField: string;
  readonly keyFields: readonly string[];
  /** Re-read this far behind the watermark for late records (plus the measured clock skew). */
  readonly overlapMs: number;
  /** Where the first run starts when the job has no watermark yet (epoch ms). */
  readonly initialStartMs: number;
  /** Do not start when less invocation time than this is left. */
  readonly minRemainingTimeMs: number;
  /** Stop fetching when the deadline is this close; the backlog is caught up by later runs. */
  readonly safetyMarginMs: number;
  readonly leaseMarginMs: number;
  /** Skew target whose last measured offset widens the overlap, when the monitor measures this endpoint. */
  readonly skewTarget: string | undefined;
  /** A skew measurement older than this is ignored: the monitor has stopped measuring, so it says nothing now. */
  readonly skewMaxAgeMs: number;
  /** The most the measured skew may widen a window by; an offset past it is a clock to fix, not to read around. */
  readonly skewAllowanceCapMs: number;
  /** What a record DynamoDB can never accept does to the run: fails it, or goes to quarantine (quarantine.ts). */
  readonly rejectedRecords: RejectedRecordsPolicy;
  /** S3 bucket for quarantined rows too large for an item; without one such a row fails the run. */
  readonly quarantineBucket: string | undefined;
  readonly ledgerRetentionDays: number;
}

export const REJECTED_RECORDS_POLICIES = ['fail', 'quarantine'] as const;
export type RejectedRecordsPolicy = (typeof REJECTED_RECORDS_POLICIES)[number];

/** The defaults, in one place: the CDK configuration (infra/config/schema.ts) uses them too. */
export const SYNC_DEFAULTS = Object.freeze({
  service: 'QueryStreamEntriesWithData',
  keyHeader: 'appKey',
  requestTimeoutMs: 15_000,
  pageSize: 500,
  timestampField: 'timestamp',
  // A ThingWorx stream keys its entries by (timestamp, source): an entry added again with both replaces
  // the stored one, possibly under a new id. Keyed the same way, the record follows the entry.
  keyFields: Object.freeze(['timestamp', 'source']),
  overlapMs: 300_000,
  minRemainingTimeMs: DEFAULT_MIN_REMAINING_TIME_MS,
  safetyMarginMs: 20_000,
  leaseMarginMs: DEFAULT_LEASE_MARGIN_MS,
  ledgerRetentionDays: 90,
  skewMaxAgeMs: 3_600_000,
  // Beyond what NTP drift explains (the skew alarm's tolerance is seconds); 15 minutes is a time zone.
  skewAllowanceCapMs: 900_000,
  // A quarantined row is kept whole and alarmed on, so the job goes on without losing it.
  rejectedRecords: 'quarantine' as RejectedRecordsPolicy,
});

const JOB_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export function loadSyncConfig(env: Env): SyncConfig {
  const read = new EnvReader(env);
  const job = read.string('SYNC_JOB_NAME');
  if (!JOB_NAME_PATTERN.test(job)) {
    throw new InvalidInputError(
      'SYNC_JOB_NAME',
      'letters, digits, ".", "_" or "-", at most 64',
      JSON.stringify(job),
    );
  }
  const secretId = read.optionalString('APP_KEY_SECRET_ID');
  const file = read.optionalString('APP_KEY_FILE');
  if (Boolean(secretId) === Boolean(file)) {
    throw new InvalidInputError('APP_KEY_SECRET_ID / APP_KEY_FILE', 'exactly one of the two to be set');
  }
  const config: SyncConfig = {
    job,
    tables: {
      controlTable: read.string('CONTROL_TABLE_NAME'),
      recordsTable: read.string('RECORDS_TABLE_NAME'),
    },
    endpoint: {
      baseUrl: checked('ENDPOINT_BASE_URL', read.url('ENDPOINT_BASE_URL'), baseUrlProblem),
      thing: read.string('ENDPOINT_THING'),
      service: read.string('ENDPOINT_SERVICE', SYNC_DEFAULTS.service),
      keyHeader: checked(
        'APP_KEY_HEADER',
        read.string('APP_KEY_HEADER', SYNC_DEFAULTS.keyHeader),
        keyHeaderProblem,
      ),
      requestTimeoutMs: read.integer('REQUEST_TIMEOUT_MS', {
        default: SYNC_DEFAULTS.requestTimeoutMs,
        min: 100,
        max: 900_000,
      }),
      transport: readTransportConfig(read),
    },
    appKey: secretId ? { secretId } : { file: file as string },
    appKeyName: read.optionalString('APP_KEY_NAME'),
    pageSize: read.integer('PAGE_SIZE', { default: SYNC_DEFAULTS.pageSize, min: 1, max: 10_000 }),
    timestampField: read.string('TIMESTAMP_FIELD', SYNC_DEFAULTS.timestampField),
    keyFields: read.list('KEY_FIELDS', SYNC_DEFAULTS.keyFields),
    overlapMs: read.integer('OVERLAP_MS', { default: SYNC_DEFAULTS.overlapMs, min: 0 }),
    initialStartMs: read.optionalDateMs('INITIAL_START') ?? 0,
    minRemainingTimeMs: read.integer('MIN_REMAINING_TIME_MS', {
      default: SYNC_DEFAULTS.minRemainingTimeMs,
      min: 0,
    }),
    safetyMarginMs: read.integer('SAFETY_MARGIN_MS', { default: SYNC_DEFAULTS.safetyMarginMs, min: 0 }),
    leaseMarginMs: read.integer('LEASE_MARGIN_MS', { default: SYNC_DEFAULTS.leaseMarginMs, min: 0 }),
    skewTarget: read.optionalString('SKEW_TARGET'),
    skewMaxAgeMs: read.integer('SKEW_MAX_AGE_MS', { default: SYNC_DEFAULTS.skewMaxAgeMs, min: 1_000 }),
    skewAllowanceCapMs: read.integer('SKEW_ALLOWANCE_CAP_MS', {
      default: SYNC_DEFAULTS.skewAllowanceCapMs,
      min: 0,
    }),
    rejectedRecords: readRejectedRecords(read.string('REJECTED_RECORDS', SYNC_DEFAULTS.rejectedRecords)),
    quarantineBucket: read.optionalString('QUARANTINE_BUCKET'),
    ledgerRetentionDays: read.integer('LEDGER_RETENTION_DAYS', {
      default: SYNC_DEFAULTS.ledgerRetentionDays,
      min: 1,
      max: 3650,
    }),
  };
  return deepFreeze(config);
}

function readRejectedRecords(value: string): RejectedRecordsPolicy {
  if ((REJECTED_RECORDS_POLICIES as readonly string[]).includes(value)) return value as RejectedRecordsPolicy;
  throw new InvalidInputError(
    'REJECTED_RECORDS',
    REJECTED_RECORDS_POLICIES.join(' or '),
    JSON.stringify(value),
  );
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !(value instanceof URL)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** The value, or an error naming the variable when `problemOf` finds one (at cold start, before any lock). */
function checked<T>(name: string, value: T, problemOf: (value: T) => ConfigProblem | undefined): T {
  const problem = problemOf(value);
  if (problem) throw new InvalidInputError(name, problem.expected, problem.got);
  return value;
}
