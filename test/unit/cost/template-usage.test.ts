// How bench:cost reads a template's CloudWatch usage: alarms sorted into their price classes, Metrics
// Insights alarms by the series their query analyzes, dashboards by the metrics they show, and the
// straight-line extrapolation to a job count that cannot be synthesized.
import { describe, expect, it } from 'vitest';
import type { MetricSeries } from '../../../infra/cost/emitted-metrics.js';
import { extrapolateTemplateUsage } from '../../../infra/cost/estimate.js';
import { metricsAnalyzed } from '../../../infra/cost/metrics-insights.js';
import { type CfnTemplate, dashboardMetricCount, templateUsage } from '../../../infra/cost/template-usage.js';

const run = (job: string, name = 'RunFailed'): MetricSeries => ({
  namespace: 'SyncWarden',
  name,
  dimensions: { service: 'syncwarden', Job: job },
});
const SERIES: MetricSeries[] = [
  run('a'),
  run('b'),
  run('c'),
  run('a', 'RunSucceeded'),
  {
    namespace: 'SyncWarden',
    name: 'AuthFailure',
    dimensions: { service: 'syncwarden', Job: 'a', Cause: 'expired-key' },
  },
];

const alarm = (properties: Record<string, unknown>) => ({
  Type: 'AWS::CloudWatch::Alarm',
  Properties: properties,
});
const stat = (id: string, period: number) => ({
  Id: id,
  MetricStat: { Metric: { MetricName: 'AuthFailure', Namespace: 'SyncWarden' }, Period: period, Stat: 'Sum' },
  ReturnData: false,
});

describe('alarm price classes', () => {
  const template: CfnTemplate = {
    Resources: {
      Single: alarm({ MetricName: 'RunFailed', Period: 300 }),
      Fast: alarm({ MetricName: 'RunFailed', Period: 10 }),
      MathOfThree: alarm({
        Metrics: [
          { Id: 'e', Expression: 'SUM([m0, m1, m2])', ReturnData: true },
          stat('m0', 300),
          stat('m1', 300),
          stat('m2', 300),
        ],
      }),
      FastMath: alarm({
        Metrics: [{ Id: 'e', Expression: 'm0 + m1', ReturnData: true }, stat('m0', 30), stat('m1', 30)],
      }),
      Insights: alarm({
        Metrics: [
          {
            Id: 'q',
            Expression: 'SELECT MAX(RunFailed) FROM SCHEMA("SyncWarden", Job, service) GROUP BY Job',
            Period: 300,
            ReturnData: true,
          },
        ],
      }),
      Composite: { Type: 'AWS::CloudWatch::CompositeAlarm', Properties: { AlarmRule: 'ALARM(Single)' } },
      Topic: { Type: 'AWS::SNS::Topic' },
    },
  };

  it('counts one alarm metric per single-metric alarm and per metric a math expression reads, by resolution', () => {
    const usage = templateUsage([template], SERIES);
    // Single (1) + MathOfThree (3) at 300 s; Fast (1) + FastMath (2) under 60 s
    expect(usage.standardAlarmMetrics).toBe(4);
    expect(usage.highResolutionAlarmMetrics).toBe(3);
    expect(usage.alarms).toBe(5);
  });

  it('prices a Metrics Insights alarm by the series its query analyzes, and counts composites apart', () => {
    const usage = templateUsage([template], SERIES);
    expect(usage.metricsInsightsMetricsAnalyzed).toBe(3); // RunFailed of jobs a, b and c
    expect(usage.compositeAlarms).toBe(1);
    expect(usage.resources).toBe(7);
  });

  it('counts the resources of the largest stack apart from the total', () => {
    const other: CfnTemplate = { Resources: { Topic: { Type: 'AWS::SNS::Topic' } } };
    const usage = templateUsage([template, other], SERIES);
    expect(usage.resources).toBe(8);
    expect(usage.largestStackResources).toBe(7);
  });

  it('refuses an alarm it cannot price rather than guess', () => {
    const anomaly: CfnTemplate = {
      Resources: {
        A: alarm({ Metrics: [{ Id: 'b', Expression: 'ANOMALY_DETECTION_BAND(m0)' }, stat('m0', 300)] }),
      },
    };
    expect(() => templateUsage([anomaly], SERIES)).toThrow(/anomaly/);
  });
});

describe('Metrics Insights queries', () => {
  it('selects by metric name and the exact dimension set of SCHEMA', () => {
    expect(
      metricsAnalyzed('SELECT SUM(RunFailed) FROM SCHEMA("SyncWarden", service, Job)', SERIES, 'x'),
    ).toBe(3);
    // AuthFailure has a third dimension, Cause: SCHEMA without it selects nothing
    expect(
      metricsAnalyzed('SELECT SUM(AuthFailure) FROM SCHEMA("SyncWarden", service, Job)', SERIES, 'x'),
    ).toBe(0);
    // without SCHEMA, any dimension set
    expect(metricsAnalyzed('SELECT SUM(AuthFailure) FROM SyncWarden', SERIES, 'x')).toBe(1);
  });

  it('applies WHERE filters, = and !=', () => {
    const query = (where: string) =>
      `SELECT MAX(RunFailed) FROM SyncWarden WHERE ${where} GROUP BY Job LIMIT 10`;
    expect(metricsAnalyzed(query("Job != 'a'"), SERIES, 'x')).toBe(2);
    expect(metricsAnalyzed(query("Job = 'a' AND service = 'syncwarden'"), SERIES, 'x')).toBe(1);
  });

  it('fails, naming the alarm, on a query or a namespace it cannot read', () => {
    expect(() =>
      metricsAnalyzed('SELECT SUM(RunFailed) FROM SyncWarden WHERE Job LIKE "a%"', SERIES, 'gap'),
    ).toThrow(/gap/);
    expect(() => metricsAnalyzed('SELECT SUM(Errors) FROM "AWS/Lambda"', SERIES, 'errors')).toThrow(
      /AWS\/Lambda/,
    );
  });
});

describe('dashboards', () => {
  it('counts every metric of every widget, through the tokens of an Fn::Join body', () => {
    const body = {
      'Fn::Join': [
        '',
        [
          '{"widgets":[{"type":"metric","properties":{"region":"',
          { Ref: 'AWS::Region' },
          '","metrics":[["SyncWarden","RunFailed"],["SyncWarden","RunSucceeded"]]}},{"type":"text","properties":{"markdown":"x"}},{"type":"metric","properties":{"metrics":[["SyncWarden","LockHeldMs"]]}}]}',
        ],
      ],
    };
    expect(dashboardMetricCount(body)).toBe(3);
  });
});

describe('extrapolation', () => {
  it('continues the line through two job counts', () => {
    const usage = (jobs: number) => {
      // 18 alarms at 1 job, 13 more per job; 26 alarm metrics, 21 more per job; one dashboard
      const alarms = 18 + 13 * (jobs - 1);
      return {
        alarms,
        standardAlarmMetrics: 26 + 21 * (jobs - 1),
        highResolutionAlarmMetrics: 0,
        metricsInsightsMetricsAnalyzed: 0,
        compositeAlarms: 0,
        dashboardMetrics: [29 + 23 * (jobs - 1)],
        resources: 61 + 37 * (jobs - 1),
        largestStackResources: 61 + 37 * (jobs - 1),
      };
    };
    const at100 = extrapolateTemplateUsage({ jobs: 1, usage: usage(1) }, { jobs: 10, usage: usage(10) }, 100);
    // 135 alarms at 10 jobs + 90 × 13 = 1,305; 215 + 90 × 21 = 2,105 alarm metrics; 236 + 90 × 23 = 2,306 metrics shown
    expect(at100.alarms).toBe(1_305);
    expect(at100.standardAlarmMetrics).toBe(2_105);
    expect(at100.dashboardMetrics).toEqual([2_306]);
    expect(at100.resources).toBe(3_724); // 394 + 90 × 37
  });
});
