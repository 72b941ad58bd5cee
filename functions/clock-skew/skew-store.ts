// Keeps each target's last measurement in the control table, where the sync reads it (last-skew.ts) to
// widen its overlap window. A measurement without a usable offset never overwrites the last good one.
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describeUrl } from '../endpoint/http-request.js';
import { controlKeys } from '../shared/tables.js';
import type { SkewMeasurement, SkewTarget } from './measure.js';

/** A target's item as `record` leaves it: the last good measurement, and the last failure if one came after. */
export interface StoredSkew {
  readonly target: string;
  readonly url?: string;
  readonly offsetMs?: number;
  readonly boundMs?: number;
  readonly toleranceMs?: number;
  readonly overTolerance?: boolean;
  /** ISO-8601: when the last good measurement was made. */
  readonly measuredAt?: string;
  readonly suspectedTimezone?: boolean;
  readonly measurementFailed?: boolean;
  readonly dateInconsistent?: boolean;
  readonly failureReason?: string;
  readonly failedAt?: string;
}

export class SkewStore {
  constructor(
    private readonly documentClient: DynamoDBDocumentClient,
    private readonly controlTable: string,
  ) {}

  /** The target's item, for operators (`syncwarden status`); the sync reads it through last-skew.ts. */
  async read(target: string): Promise<StoredSkew | undefined> {
    const { Item } = await this.documentClient.send(
      new GetCommand({ TableName: this.controlTable, Key: controlKeys.lastSkew(target) }),
    );
    if (!Item) return undefined;
    const pick = <T>(name: string, type: 'string' | 'number' | 'boolean') =>
      typeof Item[name] === type ? { [name]: Item[name] as T } : {};
    return {
      target,
      ...pick('url', 'string'),
      ...pick('offsetMs', 'number'),
      ...pick('boundMs', 'number'),
      ...pick('toleranceMs', 'number'),
      ...pick('overTolerance', 'boolean'),
      ...pick('measuredAt', 'string'),
      ...pick('suspectedTimezone', 'boolean'),
      ...pick('measurementFailed', 'boolean'),
      ...pick('dateInconsistent', 'boolean'),
      ...pick('failureReason', 'string'),
      ...pick('failedAt', 'string'),
    };
  }

  async record(target: SkewTarget, measurement: SkewMeasurement, recordedAtMs: number): Promise<void> {
    const Key = controlKeys.lastSkew(target.name);
    if (measurement.outcome === 'measured') {
      // A whole new item: clears the failure fields a previous attempt may have left.
      await this.documentClient.send(
        new PutCommand({
          TableName: this.controlTable,
          Item: {
            ...Key,
            url: describeUrl(target.url),
            offsetMs: measurement.offsetMs,
            boundMs: measurement.boundMs,
            absOffsetUpperMs: measurement.absOffsetUpperMs,
            toleranceMs: target.toleranceMs,
            overTolerance: measurement.overTolerance,
            requests: measurement.requests,
            measuredAt: measurement.measuredAt,
            dateInconsistent: false,
            suspectedTimezone: measurement.suspectedTimezone,
            measurementFailed: false,
          },
        }),
      );
      return;
    }
    // No usable offset: set only what this attempt found; offsetMs/boundMs/measuredAt stay the last good ones.
    const reason =
      measurement.outcome === 'failed'
        ? measurement.failureReason
        : `date-inconsistent:${measurement.inconsistencyReason}`;
    await this.documentClient.send(
      new UpdateCommand({
        TableName: this.controlTable,
        Key,
        UpdateExpression:
          'SET #url = :url, measurementFailed = :failed, dateInconsistent = :inconsistent, ' +
          'suspectedTimezone = :false, failureReason = :reason, failureDetail = :detail, failedAt = :failedAt, ' +
          'failedRequests = :requests',
        ExpressionAttributeNames: { '#url': 'url' },
        ExpressionAttributeValues: {
          ':url': describeUrl(target.url),
          ':failed': measurement.measurementFailed,
          ':inconsistent': measurement.dateInconsistent,
          ':false': false,
          ':reason': reason,
          ':detail': measurement.detail.slice(0, 500),
          ':failedAt': new Date(recordedAtMs).toISOString(),
          ':requests': measurement.requests,
        },
      }),
    );
  }
}
