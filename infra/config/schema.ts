// The deployment configuration (jobs, clock-skew targets, alarm e-mail): its shape, its defaults in one
// place, and the cross-field rules, checked at synth time with errors that name the offending field.

import { z } from 'zod';
import { SYNC_DEFAULTS } from '../../functions/sync/sync-config.js';
import {
  isKnownTimeZone,
  type ScheduleConfig,
  scheduleExpressionProblem,
  scheduleIntervalMinutes,
} from './schedule.js';

export type { ScheduleConfig } from './schedule.js';

/** Where a job's app key lives: an existing secret (name or ARN), or one the stack creates with a placeholder. */
export type SecretConfig = string | { readonly create: true };

export interface EndpointConfig {
  /** HTTPS base URL of the server, e.g. `https://thingworx.example.com`. */
  readonly baseUrl: string;
  /** ThingWorx Thing whose service is called. */
  readonly thing: string;
  /** @default 'QueryStreamEntriesWithData' */
  readonly service: string;
  /** Header the key travels in. @default 'appKey' */
  readonly keyHeader: string;
  /** Timeout of one request. @default 15000 */
  readonly requestTimeoutMs: number;
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
  /** Retention of every function's log group, a CloudWatch Logs retention value. @default 90 */
  readonly logRetentionDays: number;
  readonly jobs: readonly JobConfig[];
  /** @default - no clock-skew monitor */
  readonly clockSkew?: ClockSkewConfig | undefined;
}

/** The defaults, in one place; the sync's come from the sync Lambda's own (functions/sync/sync-config.ts). */
export const DEFAULTS = {
  stackName: 'SyncWarden',
  logRetentionDays: 90,
  jobSchedule: { expression: 'rate(4 hours)', timezone: 'UTC' },
  jobTimeoutSeconds: 300,
  jobMemoryMb: 512,
  endpoint: {
    service: SYNC_DEFAULTS.service,
    keyHeader: SYNC_DEFAULTS.keyHeader,
    requestTimeoutMs: SYNC_DEFAULTS.requestTimeoutMs,
  },
  sync: {
    pageSize: SYNC_DEFAULTS.pageSize,
    timestampField: SYNC_DEFAULTS.timestampField,
    keyFields: SYNC_DEFAULTS.keyFields,
    overlapMs: SYNC_DEFAULTS.overlapMs,
    minRemainingTimeMs: SYNC_DEFAULTS.minRemainingTimeMs,
    safetyMarginMs: SYNC_DEFAULTS.safetyMarginMs,
    leaseMarginMs: SYNC_DEFAULTS.leaseMarginMs,
    ledgerRetentionDays: SYNC_DEFAULTS.ledgerRetentionDays,
  },
  skewSchedule: { expression: 'rate(5 minutes)', timezone: 'UTC' },
  skewTimeoutSeconds: 60,
  skewMemoryMb: 256,
  skewRequestTimeoutMs: 3000,
  skewToleranceMs: 5000,
  /** Mirror functions/rotate-key/rotation-config.ts. */
  rotation: {
    allowlist: [],
    testService: 'QueryStreamEntriesWithData',
    expiryMarginHours: 48,
    timeoutSeconds: 60,
  },
} as const;

/** CloudWatch Logs accepts only these retention periods. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** Same rule as the sync Lambda's SYNC_JOB_NAME check (functions/sync/sync-config.ts). */
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const NAME_RULE = 'letters, digits, ".", "_" or "-", starting with a letter or digit, at most 64';
/** The gap alarm's window (2 intervals) must fit CloudWatch's 7-day evaluation range. */
const MAX_INTERVAL_MINUTES = (7 * 24 * 60) / 2;

const name = z.string({ error: 'expected a name (string)' }).regex(NAME_PATTERN, { error: NAME_RULE });
const integer = (min: number, max: number, note?: string) => {
  const error = `expected an integer from ${min} to ${max}${note ? ` (${note})` : ''}`;
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error });
};
const url = (rule: string, protocols: readonly string[]) =>
  z.string({ error: `expected ${rule}` }).refine(
    (value) => {
      try {
        const parsed = new URL(value);
        // Credentials in a URL end up in logs; keys travel in headers only.
        return protocols.includes(parsed.protocol) && parsed.username === '' && parsed.password === '';
      } catch {
        return false;
      }
    },
    { error: `expected ${rule}` },
  );

const schedule = (defaults: { readonly expression: string; readonly timezone: string }) =>
  z
    .strictObject({
      expression: z
        .string({ error: 'expected a rate() or cron() expression' })
        .default(defaults.expression)
        .superRefine((expression, ctx) => {
          const problem = scheduleExpressionProblem(expression);
          if (problem) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(expression)}: ${problem}` });
        }),
      timezone: z
        .string({ error: 'expected an IANA time zone such as "UTC" or "Europe/Berlin"' })
        .default(defaults.timezone)
        .refine(isKnownTimeZone, { error: 'expected an IANA time zone such as "UTC" or "Europe/Berlin"' }),
      intervalMinutes: integer(1, MAX_INTERVAL_MINUTES).optional(),
    })
    .default({ ...defaults });

const kmsKeyArn = z.string().regex(/^arn:aws[a-z-]*:kms:/, { error: 'expected a KMS key ARN' });

const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/;

/** Secrets Manager rotates within a whole scheduled day: a new key must outlive that day by a margin. */
export const MIN_ROTATION_EXPIRY_MARGIN_HOURS = 48;

const rotationSchema = z.strictObject(
  {
    everyDays: integer(1, 1000, "days; Secrets Manager's rotation schedule allows 1 to 1000"),
    keyUser: z
      .string({ error: 'expected the ThingWorx user the new keys act as' })
      .trim()
      .min(1, { error: 'expected the ThingWorx user the new keys act as' }),
    adminSecret: z
      .string({ error: "expected the admin key secret's name or ARN (a string)" })
      .trim()
      .min(1, { error: "expected the admin key secret's name or ARN (a string)" })
      .refine((value) => !value.startsWith('arn:') || SECRET_ARN.test(value), {
        error:
          'expected a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>)',
      }),
    adminSecretKmsKeyArn: kmsKeyArn.optional(),
    allowlist: z
      .array(
        z
          .string()
          .trim()
          .regex(/^[^,\s]+$/, { error: 'expected an address without "," or spaces, such as "203.0.113.7"' }),
        { error: 'expected a list of client addresses' },
      )
      .default([...DEFAULTS.rotation.allowlist]),
    testThing: z.string().trim().min(1, { error: 'expected a ThingWorx Thing name' }).optional(),
    testService: z.string().trim().min(1).default(DEFAULTS.rotation.testService),
    expiryMarginHours: integer(
      MIN_ROTATION_EXPIRY_MARGIN_HOURS,
      24 * 365,
      'hours; rotation may happen any time on its scheduled day, and the key-expiry alarm needs time after that',
    ).default(DEFAULTS.rotation.expiryMarginHours),
  },
  {
    // A typo keeps zod's "Unrecognized key" message; anything else (not an object) says what is expected.
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? undefined
        : 'expected { "everyDays", "keyUser", "adminSecret", "allowlist"?, ... }',
  },
);

const secret = z.union([z.string().trim().min(1), z.strictObject({ create: z.literal(true) })], {
  error:
    'expected an existing secret\'s name or ARN (a string), or { "create": true } for a placeholder secret',
});

const jobSchema = z.strictObject({
  name,
  endpoint: z.strictObject(
    {
      baseUrl: url('an https:// URL without credentials, such as "https://thingworx.example.com"', [
        'https:',
      ]),
      thing: z
        .string({ error: 'expected the ThingWorx Thing name' })
        .trim()
        .min(1, { error: 'expected the ThingWorx Thing name' }),
      service: z.string().trim().min(1).default(DEFAULTS.endpoint.service),
      keyHeader: z.string().trim().min(1).default(DEFAULTS.endpoint.keyHeader),
      requestTimeoutMs: integer(100, 900_000).default(DEFAULTS.endpoint.requestTimeoutMs),
    },
    { error: 'expected { "baseUrl", "thing", "service"? }' },
  ),
  secret,
  secretKmsKeyArn: kmsKeyArn.optional(),
  schedule: schedule(DEFAULTS.jobSchedule),
  timeoutSeconds: integer(1, 900, "seconds; Lambda's limit is 15 minutes").default(
    DEFAULTS.jobTimeoutSeconds,
  ),
  memoryMb: integer(128, 10_240).default(DEFAULTS.jobMemoryMb),
  skewTarget: name.optional(),
  sync: z
    .strictObject({
      pageSize: integer(1, 10_000).default(DEFAULTS.sync.pageSize),
      timestampField: z.string().trim().min(1).default(DEFAULTS.sync.timestampField),
      keyFields: z
        .array(
          z
            .string()
            .trim()
            .min(1)
            .regex(/^[^,]+$/, { error: 'a key field name cannot contain ","' }),
        )
        .min(1)
        .default([...DEFAULTS.sync.keyFields]),
      overlapMs: integer(0, 7 * 24 * 3_600_000).default(DEFAULTS.sync.overlapMs),
      initialStart: z
        .string()
        .refine((value) => Number.isFinite(Date.parse(value)), { error: 'expected an ISO-8601 date' })
        .optional(),
      minRemainingTimeMs: integer(0, 900_000).default(DEFAULTS.sync.minRemainingTimeMs),
      safetyMarginMs: integer(0, 900_000).default(DEFAULTS.sync.safetyMarginMs),
      leaseMarginMs: integer(0, 3_600_000).default(DEFAULTS.sync.leaseMarginMs),
      ledgerRetentionDays: integer(1, 3650).default(DEFAULTS.sync.ledgerRetentionDays),
    })
    .default({ ...DEFAULTS.sync, keyFields: [...DEFAULTS.sync.keyFields] }),
  rotation: rotationSchema.optional(),
});

const skewTargetSchema = z.strictObject({
  name,
  url: url('an https:// URL (no credentials) whose Date header is measured', ['https:']),
  toleranceMs: integer(1, 3_600_000).default(DEFAULTS.skewToleranceMs),
});

const clockSkewSchema = z.strictObject({
  schedule: schedule(DEFAULTS.skewSchedule),
  timeoutSeconds: integer(10, 900, "seconds; Lambda's limit is 15 minutes").default(
    DEFAULTS.skewTimeoutSeconds,
  ),
  memoryMb: integer(128, 10_240).default(DEFAULTS.skewMemoryMb),
  requestTimeoutMs: integer(100, 30_000).default(DEFAULTS.skewRequestTimeoutMs),
  targets: z.array(skewTargetSchema).min(1, { error: 'expected at least one target' }),
  pairs: z.array(z.tuple([name, name])).default([]),
  consistencyChecks: integer(
    0,
    2,
    'extra requests per target, aimed just outside the final interval',
  ).default(0),
});

export const configSchema = z
  .strictObject({
    $comment: z.string().optional(),
    stackName: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9-]{0,127}$/, { error: 'expected a CloudFormation stack name' })
      .default(DEFAULTS.stackName),
    alarmEmail: z.email({ error: 'expected an e-mail address' }).optional(),
    logRetentionDays: z
      .number()
      .refine((days) => (LOG_RETENTION_DAYS as readonly number[]).includes(days), {
        error: `expected one of ${LOG_RETENTION_DAYS.join(', ')}`,
      })
      .default(DEFAULTS.logRetentionDays),
    jobs: z
      .array(jobSchema, { error: 'expected a list of jobs' })
      .min(1, { error: 'expected at least one job: nothing to schedule' }),
    clockSkew: clockSkewSchema.optional(),
  })
  .superRefine((config, ctx) => {
    const issue = (path: (string | number)[], message: string) =>
      ctx.addIssue({ code: 'custom', path, message });
    for (const { index, value } of duplicates(config.jobs.map((job) => job.name))) {
      issue(
        ['jobs', index, 'name'],
        `duplicate job name ${JSON.stringify(value)}: each job needs its own name`,
      );
    }
    const targets = config.clockSkew?.targets ?? [];
    for (const { index, value } of duplicates(targets.map((target) => target.name))) {
      issue(['clockSkew', 'targets', index, 'name'], `duplicate target name ${JSON.stringify(value)}`);
    }
    const targetNames = new Set(targets.map((target) => target.name));
    config.clockSkew?.pairs.forEach(([a, b], index) => {
      if (a === b)
        issue(['clockSkew', 'pairs', index], `a pair compares two different targets, got ${a} twice`);
      for (const member of [a, b]) {
        if (!targetNames.has(member)) {
          issue(['clockSkew', 'pairs', index], `${JSON.stringify(member)} is not a clockSkew target`);
        }
      }
    });
    if (config.clockSkew) checkIntervalFits(config.clockSkew, ['clockSkew'], issue);
    config.jobs.forEach((job, index) => {
      const path = ['jobs', index];
      if (job.skewTarget !== undefined && !targetNames.has(job.skewTarget)) {
        issue([...path, 'skewTarget'], `${JSON.stringify(job.skewTarget)} is not one of clockSkew.targets`);
      }
      const timeoutMs = job.timeoutSeconds * 1000;
      for (const field of ['minRemainingTimeMs', 'safetyMarginMs'] as const) {
        if (job.sync[field] >= timeoutMs) {
          issue(
            [...path, 'sync', field],
            `${job.sync[field]} ms leaves no time to sync within timeoutSeconds (${job.timeoutSeconds} s); it must be shorter`,
          );
        }
      }
      if (job.endpoint.requestTimeoutMs >= timeoutMs) {
        issue(
          [...path, 'endpoint', 'requestTimeoutMs'],
          `${job.endpoint.requestTimeoutMs} ms must be shorter than timeoutSeconds (${job.timeoutSeconds} s)`,
        );
      }
      if (job.rotation) checkRotation(job, job.rotation, [...path, 'rotation'], issue);
      const intervalMinutes = checkIntervalFits(job, path, issue);
      // A run holds its lease for at most timeout + lease margin; longer than the interval, every run overlaps the next.
      const leaseMs = timeoutMs + job.sync.leaseMarginMs;
      if (intervalMinutes !== undefined && leaseMs >= intervalMinutes * 60_000) {
        issue(
          [...path, 'timeoutSeconds'],
          `timeoutSeconds (${job.timeoutSeconds} s) plus sync.leaseMarginMs (${job.sync.leaseMarginMs} ms) must be shorter than the schedule interval (${intervalMinutes} min), or each run would find the previous one still holding the lock`,
        );
      }
    });
  });

/** The rotation function's own limits against the job it rotates for. */
function checkRotation(
  job: { readonly secret: SecretConfig; readonly endpoint: { readonly requestTimeoutMs: number } },
  rotation: { readonly adminSecret: string },
  path: (string | number)[],
  issue: (path: (string | number)[], message: string) => void,
): void {
  if (typeof job.secret === 'string' && job.secret === rotation.adminSecret) {
    issue(
      [...path, 'adminSecret'],
      `${JSON.stringify(rotation.adminSecret)} is the job's own secret; the admin key (allowed to create and delete keys) needs its own secret that only the rotation function reads`,
    );
  }
  const rotationTimeoutMs = DEFAULTS.rotation.timeoutSeconds * 1000;
  if (job.endpoint.requestTimeoutMs >= rotationTimeoutMs) {
    issue(
      [...path.slice(0, -1), 'endpoint', 'requestTimeoutMs'],
      `${job.endpoint.requestTimeoutMs} ms must be shorter than the rotation function's ${DEFAULTS.rotation.timeoutSeconds} s timeout when rotation is on`,
    );
  }
}

/** Derives the interval (or reports that it must be given) for a job's or the monitor's schedule. */
function checkIntervalFits(
  owner: { readonly schedule: ScheduleConfig },
  path: (string | number)[],
  issue: (path: (string | number)[], message: string) => void,
): number | undefined {
  const { expression, intervalMinutes } = owner.schedule;
  if (scheduleExpressionProblem(expression)) return undefined; // reported on the expression itself
  const interval = intervalMinutes ?? scheduleIntervalMinutes(expression);
  if (interval === undefined) {
    issue(
      [...path, 'schedule', 'intervalMinutes'],
      `required for ${JSON.stringify(expression)}: the gap alarm needs the longest time between runs, which only rate() and daily cron expressions imply`,
    );
  } else if (interval > MAX_INTERVAL_MINUTES) {
    issue(
      [...path, 'schedule', 'expression'],
      `runs ${interval} min apart; the gap alarm (2 intervals) must fit CloudWatch's 7-day evaluation range, so at most ${MAX_INTERVAL_MINUTES} min`,
    );
  }
  return interval;
}

function duplicates(values: readonly string[]): { index: number; value: string }[] {
  return values.flatMap((value, index) => (values.indexOf(value) < index ? [{ index, value }] : []));
}

/** Thrown at synth time; lists every problem with the field that has it. */
export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`Invalid syncwarden configuration (${source}):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Validates raw configuration (from cdk.json context or a file) and applies the defaults. */
export function parseConfig(raw: unknown, source: string): SyncWardenConfig {
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    throw new ConfigError(
      source,
      result.error.issues.map((issue) => `${describePath(raw, issue.path)}: ${issue.message}`),
    );
  }
  const { $comment: _comment, ...config } = result.data;
  const withInterval = (schedule: ScheduleConfig): ScheduleConfig => ({
    ...schedule,
    intervalMinutes: schedule.intervalMinutes ?? scheduleIntervalMinutes(schedule.expression),
  });
  return deepFreeze({
    ...config,
    jobs: config.jobs.map(({ rotation, ...job }) => ({
      ...job,
      schedule: withInterval(job.schedule),
      ...(rotation ? { rotation: { ...rotation, testThing: rotation.testThing ?? job.endpoint.thing } } : {}),
    })),
    ...(config.clockSkew
      ? {
          clockSkew: {
            ...config.clockSkew,
            schedule: withInterval(config.clockSkew.schedule),
            pairs: config.clockSkew.pairs.map(([a, b]) => [a, b] as const),
          },
        }
      : {}),
  });
}

/** `jobs[0] ("orders").schedule.expression`: the job or target name makes the path readable. */
function describePath(raw: unknown, path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(configuration)';
  let text = '';
  let node: unknown = raw;
  for (const key of path) {
    text += typeof key === 'number' ? `[${key}]` : `${text ? '.' : ''}${String(key)}`;
    node = node && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[key] : undefined;
    const named = node && typeof node === 'object' ? (node as { name?: unknown }).name : undefined;
    if (typeof key === 'number' && typeof named === 'string') text += ` (${JSON.stringify(named)})`;
  }
  return text;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
