// The job-health check's configuration, read and validated once at cold start: the control table, the
// group it checks (JOB_HEALTH_GROUP, a dimension of its own heartbeat) and each job's rules
// (JOB_HEALTH_JOBS, written by infra/aws/job-health-check.ts from the deployment's configuration).
import { type Env, EnvReader } from '../shared/env.js';
import { InvalidInputError } from '../shared/errors.js';
import type { JobHealthRules } from './problems.js';

export interface JobHealthConfig {
  readonly controlTable: string;
  readonly group: string;
  readonly jobs: readonly JobHealthRules[];
}

const JOBS_SHAPE =
  'a JSON array like [{"name": "orders", "intervalMinutes": 240, "overlapMs": 300000, "timeoutSeconds": 600, "keyExpiryAlarmDays": 7, "initialStartMs": 0}]';
const NUMBER_FIELDS = [
  'intervalMinutes',
  'overlapMs',
  'timeoutSeconds',
  'keyExpiryAlarmDays',
  'initialStartMs',
] as const;

export function loadJobHealthConfig(env: Env): JobHealthConfig {
  const reader = new EnvReader(env);
  const raw = reader.string('JOB_HEALTH_JOBS');
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new InvalidInputError('JOB_HEALTH_JOBS', JOBS_SHAPE, 'text that is not JSON');
  }
  if (!Array.isArray(parsed) || parsed.length === 0) {
    throw new InvalidInputError('JOB_HEALTH_JOBS', JOBS_SHAPE, JSON.stringify(parsed));
  }
  const jobs = parsed.map((entry: Record<string, unknown>) => {
    const valid =
      typeof entry?.name === 'string' &&
      entry.name.length > 0 &&
      NUMBER_FIELDS.every((field) => typeof entry[field] === 'number' && Number.isFinite(entry[field]));
    if (!valid) throw new InvalidInputError('JOB_HEALTH_JOBS', JOBS_SHAPE, JSON.stringify(entry));
    return Object.freeze({ ...entry }) as unknown as JobHealthRules;
  });
  return Object.freeze({
    controlTable: reader.string('CONTROL_TABLE_NAME'),
    group: reader.string('JOB_HEALTH_GROUP'),
    jobs: Object.freeze(jobs),
  });
}
