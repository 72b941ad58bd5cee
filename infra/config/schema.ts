// The deployment configuration (jobs, clock-skew targets, alarm e-mail): the whole schema, the cross-field
// rules, checked at synth time with errors that name the offending field, and parseConfig. The shape is
// in types.ts, the defaults in defaults.ts, the fields of a job, its rotation and the skew monitor in
// their own *-schema.ts modules.

import { z } from 'zod';
import { clockSkewSchema } from './clock-skew-schema.js';
import { DEFAULTS, LOG_RETENTION_DAYS } from './defaults.js';
import { checkIntervalFits } from './fields.js';
import { jobSchema } from './job-schema.js';
import { checkRotation } from './rotation-schema.js';
import { type ScheduleConfig, scheduleIntervalMinutes } from './schedule.js';
import type { SyncWardenConfig } from './types.js';

export { DEFAULTS } from './defaults.js';
export type * from './types.js';

export const configSchema = z
  .strictObject({
    $comment: z.string().optional(),
    stackName: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9-]{0,127}$/, { error: 'expected a CloudFormation stack name' })
      .default(DEFAULTS.stackName),
    alarmEmail: z.email({ error: 'expected an e-mail address' }).optional(),
    breakGlassRoleArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/, {
        error:
          'expected an IAM role ARN (arn:aws:iam::<account>:role/<name>), not a user or an assumed-role session',
      })
      .optional(),
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
    jobs: config.jobs.map(({ rotation, audit, ...job }) => ({
      ...job,
      schedule: withInterval(job.schedule),
      audit: { ...audit, timezone: audit.timezone ?? job.schedule.timezone },
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
