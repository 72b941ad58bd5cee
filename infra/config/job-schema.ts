// One sync job's fields: endpoint, secret, schedule, Lambda size and sync tuning.
import { z } from 'zod';
import { DEFAULTS } from './defaults.js';
import { integer, kmsKeyArn, name, schedule, url } from './fields.js';
import { rotationSchema } from './rotation-schema.js';

const secret = z.union([z.string().trim().min(1), z.strictObject({ create: z.literal(true) })], {
  error:
    'expected an existing secret\'s name or ARN (a string), or { "create": true } for a placeholder secret',
});

export const jobSchema = z.strictObject({
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
