// A job's automatic key rotation: its fields, and its limits against the job it rotates for.
import { z } from 'zod';
import { DEFAULTS } from './defaults.js';
import { existingSecret, type IssueReporter, integer, kmsKeyArn } from './fields.js';
import type { SecretConfig } from './types.js';

/** Secrets Manager rotates within a whole scheduled day: a new key must outlive that day by a margin. */
export const MIN_ROTATION_EXPIRY_MARGIN_HOURS = 48;

export const rotationSchema = z.strictObject(
  {
    everyDays: integer(1, 1000, "days; Secrets Manager's rotation schedule allows 1 to 1000"),
    keyUser: z
      .string({ error: 'expected the ThingWorx user the new keys act as' })
      .trim()
      .min(1, { error: 'expected the ThingWorx user the new keys act as' }),
    adminSecret: existingSecret('the admin key secret'),
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

/** The rotation function's own limits against the job it rotates for. */
export function checkRotation(
  job: { readonly secret: SecretConfig; readonly endpoint: { readonly requestTimeoutMs: number } },
  rotation: { readonly adminSecret: string },
  path: (string | number)[],
  issue: IssueReporter,
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
