// One sync job's fields: endpoint, secret, schedule, Lambda size, sync tuning, rotation and audit.
import { z } from 'zod';
import {
  baseUrlProblem,
  type ConfigProblem,
  keyHeaderProblem,
} from '../../functions/endpoint/endpoint-rules.js';
import { REJECTED_RECORDS_POLICIES, SYNC_DEFAULTS } from '../../functions/sync/sync-config.js';
import { auditSchema } from './audit-schema.js';
import { DEFAULTS } from './defaults.js';
import { existingSecretProblem, integer, kmsKeyArn, name, schedule, url } from './fields.js';
import { JOB_GROUP_COUNT } from './job-groups.js';
import { rotationSchema } from './rotation-schema.js';
import { caFileSchema, proxySchema } from './transport-schema.js';

const secret = z
  .union(
    [
      z.string().trim(),
      z.strictObject({ create: z.literal(true), customerManagedKey: z.boolean().optional() }),
    ],
    {
      error:
        'expected an existing secret\'s name or complete ARN (a string), or { "create": true, "customerManagedKey"?: boolean } for a placeholder secret',
    },
  )
  .superRefine((value, ctx) => {
    const problem =
      typeof value === 'string' ? existingSecretProblem(value, "the job's app key secret") : undefined;
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
export const jobSchema = z.strictObject({
  name,
  endpoint: z.strictObject(
    {
      baseUrl: url('an https:// URL without credentials, such as "https://thingworx.example.com"', [
        'https:',
      ]).superRefine((value, ctx) => {
        // The scheme and credentials are url()'s to report; what is left here is a query or fragment.
        const parsed = URL.canParse(value) ? new URL(value) : undefined;
        if (parsed?.protocol === 'https:') reportProblem(ctx, baseUrlProblem(parsed));
      }),
      thing: z
        .string({ error: 'expected the ThingWorx Thing name' })
        .trim()
        .min(1, { error: 'expected the ThingWorx Thing name' }),
      service: z.string().trim().min(1).default(DEFAULTS.endpoint.service),
      keyHeader: z
        .string()
        .trim()
        .min(1)
        .superRefine((value, ctx) => reportProblem(ctx, keyHeaderProblem(value)))
        .default(DEFAULTS.endpoint.keyHeader),
      keyName: z.string().trim().min(1).optional(),
      requestTimeoutMs: integer(100, 900_000).default(DEFAULTS.endpoint.requestTimeoutMs),
      proxy: proxySchema.optional(),
      caFile: caFileSchema.optional(),
    },
    {
      error:
        'expected { "baseUrl", "thing", "service"?, "keyHeader"?, "keyName"?, "requestTimeoutMs"?, "proxy"?, "caFile"? }',
    },
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
      skewMaxAgeMs: integer(1_000, 7 * 24 * 3_600_000).default(SYNC_DEFAULTS.skewMaxAgeMs),
      skewAllowanceCapMs: integer(0, 7 * 24 * 3_600_000).default(SYNC_DEFAULTS.skewAllowanceCapMs),
      rejectedRecords: z.enum(REJECTED_RECORDS_POLICIES).default(SYNC_DEFAULTS.rejectedRecords),
    })
    .default({
      ...DEFAULTS.sync,
      keyFields: [...DEFAULTS.sync.keyFields],
      skewMaxAgeMs: SYNC_DEFAULTS.skewMaxAgeMs,
      skewAllowanceCapMs: SYNC_DEFAULTS.skewAllowanceCapMs,
      rejectedRecords: SYNC_DEFAULTS.rejectedRecords,
    }),
  rotation: rotationSchema.optional(),
  audit: auditSchema,
  group: integer(
    0,
    JOB_GROUP_COUNT - 1,
    "the nested stack the job's resources live in, instead of the one its name hashes to",
  ).optional(),
});

/** The cold-start loader's own endpoint rules (functions/endpoint/endpoint-rules.ts), at synth. */
function reportProblem(ctx: z.RefinementCtx, problem: ConfigProblem | undefined): void {
  if (problem) ctx.addIssue({ code: 'custom', message: `expected ${problem.expected}, got ${problem.got}` });
}
