// The deployment configuration's shape after parsing: what the CDK constructs read. The schema that
// checks raw input and applies the defaults is in schema.ts and the *-schema.ts modules.
import type { ScheduleConfig } from './schedule.js';

export type { ScheduleConfig } from './schedule.js';

/** Where a job's app key lives: an existing secret (name or ARN), or one the stack creates with a placeholder. */
export type SecretConfig = string | CreatedSecretConfig;

/** A secret the stack creates with a placeholder value. */
export interface CreatedSecretConfig {
  readonly create: true;
  /**
   * Encrypt it with a customer managed KMS key the stack creates, whose key policy names the roles that
   * read or write it (infra/aws/secret-access.ts). @default false (the AWS managed key aws/secretsmanager)
   */
  readonly customerManagedKey?: boolean | undefined;
}

export interface EndpointConfig {
  /** HTTPS base URL of the server, e.g. `https://thingworx.example.com`. */
  readonly baseUrl: string;
  /** ThingWorx Thing whose service is called. */
  readonly thing: string;
  /** @default 'QueryStreamEntriesWithData' */
  readonly service: string;
  /** Header the key travels in. @default 'appKey' */
  readonly keyHeader: string;
  /**
   * The app key's name on ThingWorx, for a secret that names no key (a plain string): lets a run ask the
   * server when the key expires. The secret's own `keyName` wins. @default - none
   */
  readonly keyName?: string | undefined;
  /** Timeout of one request. @default 15000 */
  readonly requestTimeoutMs: number;
  /** Forward proxy (CONNECT) to reach the server through; its credentials go in the job's secret. @default - direct */
  readonly proxy?: ProxyConfig | undefined;
  /** PEM file of extra CAs, trusted besides Node's roots; relative to where `cdk` runs. @default - none */
  readonly caFile?: string | undefined;
}

export interface ProxyConfig {
  /** `http://` or `https://` host and port of the proxy, no credentials. */
  readonly url: string;
  /** Hosts reached directly (NO_PROXY entries). @default [] */
  readonly noProxy: readonly string[];
}

/** Tuning passed to the sync Lambda's environment (see functions/sync/sync-config.ts). */
export interface SyncTuningConfig {
  /** @default 500 */
  readonly pageSize: number;
  /** @default 'timestamp' */
  readonly timestampField: string;
  /** @default ['id'] */
  readonly keyFields: readonly string[];
  /** Re-read this far behind the watermark for late records. @default 300000 */
  readonly overlapMs: number;
  /** Where the first run starts (ISO-8601). @default - the epoch */
  readonly initialStart?: string | undefined;
  /** Do not start with less invocation time left than this. @default 30000 */
  readonly minRemainingTimeMs: number;
  /** Stop fetching this close to the deadline. @default 20000 */
  readonly safetyMarginMs: number;
  /** The lease outlives the invocation's remaining time by this much. @default 45000 */
  readonly leaseMarginMs: number;
  /** Run ledger items expire (TTL) after this many days. @default 90 */
  readonly ledgerRetentionDays: number;
  /** A clock-skew measurement older than this no longer widens the window. @default 3600000 */
  readonly skewMaxAgeMs: number;
  /** The most the measured clock skew widens a window by. @default 900000 */
  readonly skewAllowanceCapMs: number;
  /** A record DynamoDB can never accept fails the run, or is quarantined. @default 'quarantine' */
  readonly rejectedRecords: 'fail' | 'quarantine';
}

/** Automatic rotation of a job's app key by a Secrets Manager rotation function (functions/rotate-key). */
export interface RotationConfig {
  /** Days between rotations; a new key lives this long plus `expiryMarginHours`. 1 to 1000. */
  readonly everyDays: number;
  /** ThingWorx user the new keys act as (the user the sync's key belongs to). */
  readonly keyUser: string;
  /** Existing secret (name or ARN) holding the admin app key allowed to create and delete keys. */
  readonly adminSecret: string;
  /** Customer managed KMS key of the admin secret, if it has one. @default - the AWS managed key */
  readonly adminSecretKmsKeyArn?: string | undefined;
  /** Client addresses allowed to use a new key. @default [] (any) */
  readonly allowlist: readonly string[];
  /** Thing read with the pending key before it becomes current. @default - the job's endpoint.thing */
  readonly testThing: string;
  /** Service of that read. @default 'QueryStreamEntriesWithData' */
  readonly testService: string;
  /** Life of a new key beyond `everyDays`, so a late or failed rotation leaves time to act. @default 48 */
  readonly expiryMarginHours: number;
}

export interface JobConfig {
  /** Letters, digits, `.`, `_`, `-`; at most 64. Partition `job#<name>` in both tables. */
  readonly name: string;
  readonly endpoint: EndpointConfig;
  readonly secret: SecretConfig;
  /** Customer managed KMS key of an existing secret, if it has one. @default - the AWS managed key */
  readonly secretKmsKeyArn?: string | undefined;
  /** @default { expression: 'rate(4 hours)', timezone: 'UTC' } */
  readonly schedule: ScheduleConfig;
  /** Lambda timeout, at most 900. @default 300 */
  readonly timeoutSeconds: number;
  /** @default 512 */
  readonly memoryMb: number;
  /** Clock-skew target that measures this endpoint; its last offset widens the overlap. @default - none */
  readonly skewTarget?: string | undefined;
  readonly sync: SyncTuningConfig;
  /** @default - no automatic rotation (the operator puts new keys by hand) */
  readonly rotation?: RotationConfig | undefined;
  /** @default { enabled: true, time: '02:00', timezone: the schedule's, repair: true, prune: false, windowDays: 1 } */
  readonly audit: AuditConfig;
}

/** The job's scheduled audit (functions/reconcile/scheduled-audit.ts): daily, of the days before it. */
export interface AuditConfig {
  /** @default true */
  readonly enabled: boolean;
  /** Daily time, `HH:MM`, in `timezone`. @default '02:00' */
  readonly time: string;
  /** IANA time zone of `time` and of the midnights the audited days end at. @default - the job's schedule.timezone */
  readonly timezone: string;
  /** Write what is missing or stale, under the job's lease. @default true */
  readonly repair: boolean;
  /** Delete records the source no longer holds (requires repair). @default false */
  readonly prune: boolean;
  /** Days audited before the latest midnight (plus the job's overlap). 1 to 31. @default 1 */
  readonly windowDays: number;
}

export interface SkewTargetConfig {
  /** Letters, digits, `.`, `_`, `-`. Partition `target#<name>` in the control table, metric dimension `Target`. */
  readonly name: string;
  /** URL whose `Date` header is measured. */
  readonly url: string;
  /** Alarm when |offset| + bound exceeds this. @default 5000 (the monitor's own default) */
  readonly toleranceMs: number;
}

export interface ClockSkewConfig {
  /** @default { expression: 'rate(5 minutes)', timezone: 'UTC' } */
  readonly schedule: ScheduleConfig;
  /** @default 60 */
  readonly timeoutSeconds: number;
  /** @default 256 */
  readonly memoryMb: number;
  /** Timeout of one Date probe. @default 3000 */
  readonly requestTimeoutMs: number;
  readonly targets: readonly SkewTargetConfig[];
  /** Target pairs whose offsets are compared (`PairwiseSkewMs`). @default [] */
  readonly pairs: readonly (readonly [string, string])[];
  /**
   * Extra requests per target that catch a server pool whose clocks disagree by less than 2 s
   * (SKEW_CONSISTENCY_CHECKS); 2 catches it on both sides. 0 to 2. @default 0
   */
  readonly consistencyChecks: number;
}

export interface SyncWardenConfig {
  /** @default 'SyncWarden' */
  readonly stackName: string;
  /** E-mail subscribed to the alarm topic. @default - no subscription */
  readonly alarmEmail?: string | undefined;
  /**
   * IAM role ARN that may still read and write the secrets the stack creates, besides the functions'
   * roles (the secrets' resource policies deny everyone else). @default - none
   */
  readonly breakGlassRoleArn?: string | undefined;
  /** Retention of every function's log group, a CloudWatch Logs retention value. @default 90 */
  readonly logRetentionDays: number;
  readonly jobs: readonly JobConfig[];
  /** @default - no clock-skew monitor */
  readonly clockSkew?: ClockSkewConfig | undefined;
}
