// Every alarm of the example deployment: the topic it notifies, a description that fits, an evaluation range
// CloudWatch accepts; each job's alarms on AWS's own metrics of its resources; the clock-skew monitor's.
// The problem alarms over every job have their own file (problem-alarms.test.ts).
import { describe, expect, it } from 'vitest';
import { exampleConfig, synthesize } from './fixture.js';
import { alarm, dimensions, example, type Json, job, logicalId, topic } from './monitoring-fixture.js';

const { template } = example;

describe('alarms', () => {
  it('every alarm notifies the alarm topic', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as { Properties: Json }[];
    // The example job's 2 (Lambda errors, dead letters) and its rotation's 2 (failed step, admin key
    // expiring); its group's health-check heartbeat; the deployment's 2 problem alarms; the clock-skew
    // monitor's 5 (its target's skew, failed and inconsistent measurements; its Lambda errors and dead letters).
    expect(alarms.length).toBe(2 + 2 + 1 + 2 + 5);
    for (const { Properties } of alarms) {
      expect(Properties.AlarmActions).toEqual([topic]);
      expect(Properties.ActionsEnabled).toBe(true);
      expect(String(Properties.AlarmDescription).length).toBeGreaterThan(80);
    }
  });

  it("every description fits CloudWatch's 1,024 characters, even for a 64-character job name", () => {
    const [example] = exampleConfig().jobs as Json[];
    const longName = synthesize({
      ...exampleConfig(),
      jobs: [{ ...example, name: 'j'.repeat(64) }],
    }).template;
    const alarms = Object.values(longName.findResources('AWS::CloudWatch::Alarm')) as { Properties: Json }[];
    for (const { Properties } of alarms) {
      expect(String(Properties.AlarmDescription).length, String(Properties.AlarmName)).toBeLessThanOrEqual(
        1024,
      );
    }
  });

  it("every alarm fits CloudWatch's evaluation range: period × evaluation periods ≤ 1 day under a 1-hour period, ≤ 7 days otherwise", () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as { Properties: Json }[];
    for (const { Properties } of alarms) {
      const metrics = (Properties.Metrics ?? []) as { MetricStat?: { Period: number } }[];
      const periods = [Properties.Period, ...metrics.map((m) => m.MetricStat?.Period)].filter(
        (p): p is number => typeof p === 'number',
      );
      for (const period of periods) {
        const range = period * Number(Properties.EvaluationPeriods);
        expect(range, String(Properties.AlarmName)).toBeLessThanOrEqual(period < 3600 ? 86_400 : 604_800);
      }
    }
  });

  it("every alarm fits CloudWatch's evaluation range: ≤ 3 hours for a Metrics Insights query, ≤ 1 day under a 1-hour period, ≤ 7 days otherwise", () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as { Properties: Json }[];
    for (const { Properties } of alarms) {
      const metrics = (Properties.Metrics ?? []) as {
        MetricStat?: { Period: number };
        Period?: number;
        Expression?: string;
      }[];
      const insights = metrics.some((m) => /^SELECT /.test(m.Expression ?? ''));
      const periods = [Properties.Period, ...metrics.map((m) => m.MetricStat?.Period ?? m.Period)].filter(
        (p): p is number => typeof p === 'number',
      );
      expect(periods.length, String(Properties.AlarmName)).toBeGreaterThan(0);
      for (const period of periods) {
        const range = period * Number(Properties.EvaluationPeriods);
        const limit = insights ? 3 * 3600 : period < 3600 ? 86_400 : 604_800;
        expect(range, String(Properties.AlarmName)).toBeLessThanOrEqual(limit);
      }
    }
  });

  it('leaves no alarm per job on a custom metric of the sync: what is wrong with a job is its JobProblems', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as { Properties: Json }[];
    const perJobCustom = alarms.filter(
      ({ Properties }) =>
        Properties.Namespace === 'SyncWarden' &&
        JSON.stringify(Properties.Dimensions ?? []).includes('"Job"') &&
        Properties.MetricName !== 'AdminKeyDaysToExpiry',
    );
    expect(perJobCustom.map(({ Properties }) => Properties.AlarmName)).toEqual([]);
  });

  it("the sync Lambda's own errors and its DLQ alarm at the first occurrence", () => {
    expect(alarm('sensor-stream-lambda-errors')).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId(job.function.function) } }],
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    expect(alarm('sensor-stream-dead-letters')).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [
        {
          Name: 'QueueName',
          Value: { 'Fn::GetAtt': [logicalId(job.invocation.deadLetterQueue), 'QueueName'] },
        },
      ],
      Statistic: 'Maximum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });

  it('clock skew alarms per target on |offset| + bound over its tolerance, failed and inconsistent measurements', () => {
    expect(alarm('clock-skew-thingworx')).toMatchObject({
      Namespace: 'SyncWarden',
      MetricName: 'ClockAbsOffsetUpperMs',
      Dimensions: dimensions({ Target: 'thingworx' }),
      Statistic: 'Maximum',
      Period: 300,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 2000,
      TreatMissingData: 'notBreaching',
    });
    expect(alarm('clock-skew-thingworx-measurement-failed')).toMatchObject({
      MetricName: 'MeasurementFailed',
      Dimensions: dimensions({ Target: 'thingworx' }),
      Statistic: 'Sum',
      Threshold: 1,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
    });
    expect(alarm('clock-skew-thingworx-date-inconsistent')).toMatchObject({
      MetricName: 'DateInconsistent',
      Dimensions: dimensions({ Target: 'thingworx' }),
      Statistic: 'Sum',
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      TreatMissingData: 'notBreaching',
    });
    expect(alarm('clock-skew-lambda-errors')).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
    });
    expect(alarm('clock-skew-dead-letters')).toMatchObject({
      MetricName: 'ApproximateNumberOfMessagesVisible',
    });
  });
});
