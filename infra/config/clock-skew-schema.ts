// The clock-skew monitor's fields: its targets, the pairs compared, and its Lambda's size.
import { z } from 'zod';
import { DEFAULTS } from './defaults.js';
import { integer, name, schedule, url } from './fields.js';

const skewTargetSchema = z.strictObject({
  name,
  url: url('an https:// URL (no credentials) whose Date header is measured', ['https:']),
  toleranceMs: integer(1, 3_600_000).default(DEFAULTS.skewToleranceMs),
});

export const clockSkewSchema = z.strictObject({
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
