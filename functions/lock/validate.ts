// Argument checks for the lock: a malformed value fails before any request, naming the field and
// what was expected, because a NaN lease or an empty job name would otherwise lock the wrong thing.
import { InvalidInputError } from '../shared/errors.js';
import type { Lease } from './lease.js';

/** Job names become part of the partition key (`job#<name>`) and appear in logs and metric dimensions. */
const MAX_JOB_NAME_LENGTH = 200;

export function requireJobName(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_JOB_NAME_LENGTH) {
    throw new InvalidInputError(
      field,
      `a non-empty string of at most ${MAX_JOB_NAME_LENGTH} characters`,
      show(value),
    );
  }
  if (/[\s\p{Cc}]/u.test(value)) {
    throw new InvalidInputError(field, 'a job name without whitespace or control characters', show(value));
  }
  return value;
}

export function requireNonEmptyString(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim().length === 0) {
    throw new InvalidInputError(field, 'a non-empty string', show(value));
  }
  return value;
}

/** Milliseconds as an integer >= 0 (0 is a real value, e.g. no invocation time left). */
export function requireNonNegativeIntegerMs(field: string, value: unknown): number {
  if (!isSafeInteger(value) || value < 0) {
    throw new InvalidInputError(field, 'an integer number of milliseconds >= 0', show(value));
  }
  return value;
}

export function requirePositiveIntegerMs(field: string, value: unknown): number {
  if (!isSafeInteger(value) || value <= 0) {
    throw new InvalidInputError(field, 'an integer number of milliseconds > 0', show(value));
  }
  return value;
}

/** A lease only ever comes from `acquire`; a malformed one is a caller bug, so say which field is wrong. */
export function requireLease(field: string, value: unknown): Lease {
  if (typeof value !== 'object' || value === null) {
    throw new InvalidInputError(field, 'a lease returned by acquire()', show(value));
  }
  const lease = value as Record<string, unknown>;
  requireJobName(`${field}.job`, lease.job);
  requireNonEmptyString(`${field}.owner`, lease.owner);
  if (!isSafeInteger(lease.fence) || lease.fence < 1) {
    throw new InvalidInputError(`${field}.fence`, 'an integer >= 1', show(lease.fence));
  }
  requireNonNegativeIntegerMs(`${field}.leaseUntilMs`, lease.leaseUntilMs);
  requireNonNegativeIntegerMs(`${field}.acquiredAtMs`, lease.acquiredAtMs);
  return value as Lease;
}

/** Number.isSafeInteger as a type guard: it is false for anything but a number. */
function isSafeInteger(value: unknown): value is number {
  return Number.isSafeInteger(value);
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  // typeof undefined is 'undefined' already; objects show only their type, so no contents reach a log.
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return typeof value;
}
