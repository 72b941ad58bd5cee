// Reads the skew monitor's last measurement of a target from the control table, so the sync can widen
// its overlap window by the endpoint's measured clock offset and its bound. The item is kept until the
// next good measurement replaces it (a failed one leaves it), so it can be days old when the monitor
// stopped measuring: a measurement older than the allowed age says nothing about the clock now and is
// ignored (the window then gets no skew allowance), and the log says why.
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { LogSink } from '../shared/observability.js';
import { controlKeys } from '../shared/tables.js';
import type { MeasuredSkew } from './sync-job.js';

export interface SkewFreshness {
  /** Our clock now (epoch ms). */
  readonly nowMs: number;
  /** Measurements older than this (by their `measuredAt`) are ignored. */
  readonly maxAgeMs: number;
  readonly logger: LogSink;
}

/**
 * The target's last measured offset and bound, or undefined when there is none. With `freshness`, also
 * undefined when the measurement is older than `maxAgeMs` or has no readable `measuredAt`.
 */
export async function readLastSkew(
  documentClient: DynamoDBDocumentClient,
  controlTable: string,
  target: string,
  freshness?: SkewFreshness,
): Promise<MeasuredSkew | undefined> {
  const { Item } = await documentClient.send(
    new GetCommand({ TableName: controlTable, Key: controlKeys.lastSkew(target) }),
  );
  if (typeof Item?.offsetMs !== 'number' || typeof Item.boundMs !== 'number') return undefined;
  if (freshness) {
    const measuredAtMs = typeof Item.measuredAt === 'string' ? Date.parse(Item.measuredAt) : Number.NaN;
    const ageMs = freshness.nowMs - measuredAtMs;
    // A measurement from the future (beyond the allowed age) is as unusable as a stale one.
    if (!Number.isFinite(ageMs) || Math.abs(ageMs) > freshness.maxAgeMs) {
      freshness.logger.warn(
        'Ignoring the last clock-skew measurement: it is too old to describe the clock now',
        {
          target,
          measuredAt: Item.measuredAt,
          ageMs: Number.isFinite(ageMs) ? ageMs : undefined,
          maxAgeMs: freshness.maxAgeMs,
          offsetMs: Item.offsetMs,
          boundMs: Item.boundMs,
        },
      );
      return undefined;
    }
  }
  return { offsetMs: Item.offsetMs, boundMs: Item.boundMs };
}
