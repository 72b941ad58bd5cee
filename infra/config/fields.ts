// Field rules shared by the configuration's schemas: names, bounded integers, URLs, schedules, ARNs.
import { z } from 'zod';
import type { ScheduleConfig } from './schedule.js';
import { isKnownTimeZone, scheduleExpressionProblem, scheduleIntervalMinutes } from './schedule.js';

/** Reports one problem at a path of the raw configuration. */
export type IssueReporter = (path: (string | number)[], message: string) => void;

/** Same rule as the sync Lambda's SYNC_JOB_NAME check (functions/sync/sync-config.ts). */
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const NAME_RULE = 'letters, digits, ".", "_" or "-", starting with a letter or digit, at most 64';
/** The gap alarm's window (2 intervals) must fit CloudWatch's 7-day evaluation range. */
export const MAX_INTERVAL_MINUTES = (7 * 24 * 60) / 2;

export const name = z.string({ error: 'expected a name (string)' }).regex(NAME_PATTERN, { error: NAME_RULE });
export const integer = (min: number, max: number, note?: string) => {
  const error = `expected an integer from ${min} to ${max}${note ? ` (${note})` : ''}`;
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error });
};
export const url = (rule: string, protocols: readonly string[]) =>
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

export const schedule = (defaults: { readonly expression: string; readonly timezone: string }) =>
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

export const kmsKeyArn = z.string().regex(/^arn:aws[a-z-]*:kms:/, { error: 'expected a KMS key ARN' });

/**
 * A complete secret ARN: the name, "-" and the 6 random characters Secrets Manager appends. A partial ARN
 * (no suffix) cannot be told from a complete one whose name ends in "-" and 6 characters ("…:secret:
 * prod/thingworx-reader"), so the configuration takes either the name or the complete ARN, never a partial
 * ARN (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_DescribeSecret.html, SecretId).
 */
export const COMPLETE_SECRET_ARN =
  /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}$/;
/** What CreateSecret accepts as a name: ASCII letters, digits and /_+=.@- (at most 512). */
const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;

/**
 * What is wrong with a string that should name an existing secret: its name, or its complete ARN as
 * `aws secretsmanager describe-secret --query ARN` prints it. Undefined when it is fine. Every secret the
 * configuration names (a job's `secret`, `rotation.adminSecret`) is checked with it.
 */
export function existingSecretProblem(value: string, what: string): string | undefined {
  if ((value.startsWith('arn:') ? COMPLETE_SECRET_ARN : SECRET_NAME).test(value)) return undefined;
  return `${JSON.stringify(value)}: expected ${what}: the secret's name (letters, digits and /_+=.@-), or its complete ARN ending in "-" and the 6 random characters Secrets Manager appends (aws secretsmanager describe-secret --secret-id <name> --query ARN); a partial ARN cannot be told from a complete one, so give the name instead`;
}

/** A string naming an existing secret (see existingSecretProblem). */
export const existingSecret = (what: string) =>
  z
    .string({ error: `expected ${what}'s name or complete ARN (a string)` })
    .trim()
    .superRefine((value, ctx) => {
      const problem = existingSecretProblem(value, what);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    });

/** Derives the interval (or reports that it must be given) for a job's or the monitor's schedule. */
export function checkIntervalFits(
  owner: { readonly schedule: ScheduleConfig },
  path: (string | number)[],
  issue: IssueReporter,
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
