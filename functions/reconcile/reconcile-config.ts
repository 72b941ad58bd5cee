// The scheduled audit's configuration, read and validated once at cold start: the job's own sync
// configuration (the same variables its sync Lambda gets, loadSyncConfig) plus the audit's.
import { type Env, EnvReader } from '../shared/env.js';
import { InvalidInputError } from '../shared/errors.js';
import { loadSyncConfig, type SyncConfig } from '../sync/sync-config.js';

export interface AuditSettings {
  /** Write what the audit finds missing or stale. */
  readonly repair: boolean;
  /** Delete records the source no longer holds (only with repair). */
  readonly prune: boolean;
  /** The days audited end at midnight in this IANA time zone. */
  readonly timeZone: string;
  /** How many days before today's midnight each audit covers (plus the job's overlap before them). */
  readonly windowDays: number;
}

export interface ReconcileConfig {
  readonly sync: SyncConfig;
  readonly audit: AuditSettings;
}

export const AUDIT_DEFAULTS = Object.freeze({
  repair: true,
  prune: false,
  timeZone: 'UTC',
  windowDays: 1,
});

export function loadReconcileConfig(env: Env): ReconcileConfig {
  const read = new EnvReader(env);
  const repair = readBoolean(env, 'AUDIT_REPAIR', AUDIT_DEFAULTS.repair);
  const prune = readBoolean(env, 'AUDIT_PRUNE', AUDIT_DEFAULTS.prune);
  if (prune && !repair)
    throw new InvalidInputError('AUDIT_PRUNE', 'false when AUDIT_REPAIR is false', 'true');
  const timeZone = read.string('AUDIT_TIME_ZONE', AUDIT_DEFAULTS.timeZone);
  // The first Intl.DateTimeFormat of a process loads ICU's zone data, about 20 ms of cold start
  // (bench:bundle): skip it for UTC, which every implementation supports (ECMA-402
  // requires "UTC"); any other zone is checked here, a cost its first audit would pay anyway.
  try {
    if (timeZone !== 'UTC') new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    throw new InvalidInputError(
      'AUDIT_TIME_ZONE',
      'an IANA time zone such as Europe/Berlin',
      JSON.stringify(timeZone),
    );
  }
  const audit = Object.freeze({
    repair,
    prune,
    timeZone,
    windowDays: read.integer('AUDIT_WINDOW_DAYS', { default: AUDIT_DEFAULTS.windowDays, min: 1, max: 31 }),
  });
  return Object.freeze({ sync: loadSyncConfig(env), audit });
}

function readBoolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (!raw) return fallback;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw new InvalidInputError(name, 'true or false', JSON.stringify(env[name]));
}
