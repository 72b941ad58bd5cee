// Every alarm: its metric, threshold, comparison, missing-data rule and the topic it notifies; the topic,
// the dashboard and the outputs. Synthesized once without bundling (the code does not matter here).
import type { CfnResource } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { SyncMetric } from '../../functions/sync/sync-job.js';
import { RUNS_BEHIND_ALARM_RUNS } from '../../infra/aws/job-alarms.js';
import { groupId, groupOf } from '../../infra/config/job-groups.js';
import { exampleConfig, groupTemplateOf, only, secretArnPattern, synthesize } from './fixture.js';

const { stack, template, templates } = synthesize({ ...exampleConfig(), alarmEmail: 'ops@example.com' });
const [job] = stack.jobs;
if (!job) throw new Error('the example configuration has one job');
const logicalId = (construct: { node: { defaultChild?: unknown } }) =>
  stack.getLogicalId(construct.node.defaultChild as CfnResource);
const topic = { Ref: logicalId(stack.alarmTopic.topic) };
const jobDimension = { Job: 'sensor-stream' };

type Json = Record<string, unknown>;
const alarm = (name: string) =>
  only(template, 'AWS::CloudWatch::Alarm', { AlarmName: `SyncWarden-${name}` }).resource.Properties as Json;
/** As CloudFormation gets them: sorted by name (code-point order, so `service` comes last). */
const dimensions = (map: Record<string, string>) =>
  Object.entries({ service: 'syncwarden', ...map })
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([Name, Value]) => ({ Name, Value }));

describe('alarms', () => {
  it('every alarm notifies the alarm topic', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as { Properties: Json }[];
    // 12 per job (records-quarantined and app-key-expiry-unknown included), 2 for the example job's key rotation (failed step, admin key expiring), 5 for the clock-skew monitor (its target's skew, failed and inconsistent measurements; its Lambda errors and dead letters).
    expect(alarms.length).toBe(12 + 2 + 5);
    for (const { Properties } of alarms) {
      expect(Properties.AlarmActions).toEqual([topic]);
      expect(Properties.ActionsEnabled).toBe(true);
      expect(String(Properties.AlarmDescription).length).toBeGreaterThan(80);
    }
  });

  it.each([
    ['sensor-stream-run-failed', 'RunFailed', 'Sum', 300, 'GreaterThanOrEqualToThreshold', 1, 'notBreaching'],
    [
      'sensor-stream-records-quarantined',
      'RecordsQuarantined',
      'Sum',
      300,
      'GreaterThanOrEqualToThreshold',
      1,
      'notBreaching',
    ],
    ['sensor-stream-no-successful-run', 'RunSucceeded', 'Sum', 8 * 3600, 'LessThanThreshold', 1, 'breaching'],
    [
      'sensor-stream-repeated-lock-skips',
      'RunSkippedLockHeld',
      'Sum',
      8 * 3600,
      'GreaterThanOrEqualToThreshold',
      2,
      'notBreaching',
    ],
    // Once per run, hours apart: a 5-minute period, and missing data keeps the state between runs.
    // 2 intervals of 4 hours + the default 300 s overlap.
    ['sensor-stream-sync-lag', 'SyncLagSeconds', 'Maximum', 300, 'GreaterThanThreshold', 29_100, 'ignore'],
    [
      'sensor-stream-runs-behind',
      'RunsBehindInARow',
      'Maximum',
      300,
      'GreaterThanOrEqualToThreshold',
      3,
      'ignore',
    ],
    [
      'sensor-stream-duration-near-timeout',
      'RunDurationMs',
      'Maximum',
      300,
      'GreaterThanThreshold',
      240_000,
      'notBreaching',
    ],
    // The example rotates every 30 days with the 7-day margin: overdue once 6 days are left (test/infra/rotation.test.ts).
    [
      'sensor-stream-app-key-expiring',
      'AppKeyDaysToExpiry',
      'Minimum',
      3600,
      'LessThanThreshold',
      6,
      'ignore',
    ],
    // Any run that cannot know (a skipped run that did not look publishes nothing); the state holds between runs.
    [
      'sensor-stream-app-key-expiry-unknown',
      'AppKeyExpiryUnknown',
      'Maximum',
      3600,
      'GreaterThanOrEqualToThreshold',
      1,
      'ignore',
    ],
  ])(
    '%s: %s %s over %i s %s %d (missing data: %s)',
    (name, metricName, statistic, period, operator, threshold, missing) => {
      expect(alarm(name)).toMatchObject({
        Namespace: 'SyncWarden',
        MetricName: metricName,
        Dimensions: dimensions(jobDimension),
        Statistic: statistic,
        Period: period,
        EvaluationPeriods: 1,
        ComparisonOperator: operator,
        Threshold: threshold,
        TreatMissingData: missing,
      });
    },
  );

  it('every job has its own app-key-expiry-unknown alarm on its own metric, saying what to do', () => {
    const [first] = exampleConfig().jobs as Json[];
    const second = { ...first, name: 'second-stream', rotation: undefined, skewTarget: undefined };
    const twoJobs = synthesize({ ...exampleConfig(), jobs: [first, second] }).template;
    for (const name of ['sensor-stream', 'second-stream']) {
      const found = only(twoJobs, 'AWS::CloudWatch::Alarm', {
        AlarmName: `SyncWarden-${name}-app-key-expiry-unknown`,
      }).resource.Properties as Json;
      expect(found).toMatchObject({
        MetricName: 'AppKeyExpiryUnknown',
        Dimensions: dimensions({ Job: name }),
        Statistic: 'Maximum',
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Threshold: 1,
      });
      expect(found.AlarmDescription).toContain('"expiresAt"');
      expect(found.AlarmDescription).toContain('GetExpirationDate');
      expect(found.AlarmDescription).toContain(`${name}-app-key-expiring cannot fire`);
    }
  });

  it('the gap alarm says it treats missing data as breaching', () => {
    expect(alarm('sensor-stream-no-successful-run').AlarmDescription).toMatch(
      /2 schedule intervals \(8 hours\).*Missing data counts as breaching/,
    );
  });

  it('the lag and runs-behind alarms say what to do and leave "no runs at all" to the gap alarm', () => {
    const lag = String(alarm('sensor-stream-sync-lag').AlarmDescription);
    expect(lag).toMatch(
      /^Watermark stalled: .*more than 29100 s \(2 schedule intervals of 4 hours \+ the 300 s overlap\)/,
    );
    expect(lag).toMatch(/raise timeoutSeconds or pageSize/);
    expect(lag).toMatch(/no runs at all is the no-successful-run alarm's case/);
    const behind = String(alarm('sensor-stream-runs-behind').AlarmDescription);
    expect(behind).toMatch(/3 or more successful runs in a row with caughtUp: false.*300 s timeout/);
    expect(behind).toMatch(/no runs at all is the no-successful-run alarm's case/);
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

  it('Access Denied sums every AuthFailure cause except stale-key', () => {
    const properties = alarm('sensor-stream-access-denied');
    expect(properties).toMatchObject({
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
    });
    expect(properties.AlarmDescription).toMatch(/except "stale-key".*recovered/);
    const metrics = properties.Metrics as {
      Id: string;
      Expression?: string;
      MetricStat?: Json;
      ReturnData?: boolean;
    }[];
    const causes = metrics.flatMap((m) =>
      m.MetricStat
        ? [(m.MetricStat.Metric as { Dimensions: { Name: string; Value: string }[] }).Dimensions]
        : [],
    );
    expect(causes.map((d) => d.find((x) => x.Name === 'Cause')?.Value)).toEqual([
      'expired-key',
      'invalid-key',
      'permission-denied',
      'content-type-rejected',
      'proxy-auth',
      'cached-response',
      'clock-skew',
      'key-in-url',
      'unknown',
    ]);
    for (const dims of causes)
      expect(dims).toEqual(dimensions({ ...jobDimension, Cause: expect.any(String) }));
    for (const m of metrics.filter((m) => m.MetricStat)) {
      expect(m.MetricStat).toMatchObject({
        Metric: { Namespace: 'SyncWarden', MetricName: 'AuthFailure' },
        Period: 300,
        Stat: 'Sum',
      });
    }
    expect(metrics.find((m) => m.Expression)?.Expression).toBe(
      `SUM([${causes.map((_, i) => `cause${i}`).join(', ')}])`,
    );
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

describe('a job with a 90-minute interval and a 2-minute overlap', () => {
  const [example] = exampleConfig().jobs as Json[];
  const variant = synthesize({
    ...exampleConfig(),
    jobs: [
      {
        ...example,
        schedule: { expression: 'rate(90 minutes)', timezone: 'UTC' },
        sync: { overlapMs: 120_000 },
      },
    ],
  }).template;
  const variantAlarm = (name: string) =>
    only(variant, 'AWS::CloudWatch::Alarm', { AlarmName: `SyncWarden-${name}` }).resource.Properties as Json;

  it('alarms on a stalled watermark above 2 intervals + the overlap: 2 × 5400 s + 120 s', () => {
    const properties = variantAlarm('sensor-stream-sync-lag');
    expect(properties).toMatchObject({
      MetricName: 'SyncLagSeconds',
      Dimensions: dimensions(jobDimension),
      Statistic: 'Maximum',
      Period: 300,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 10_920,
      TreatMissingData: 'ignore',
    });
    expect(properties.AlarmDescription).toMatch(
      /more than 10920 s \(2 schedule intervals of 1 hour 30 minutes \+ the 120 s overlap\)/,
    );
  });

  it(`alarms when ${RUNS_BEHIND_ALARM_RUNS} succeeded runs in a row did not catch up, whatever the interval`, () => {
    expect(variantAlarm('sensor-stream-runs-behind')).toMatchObject({
      MetricName: 'RunsBehindInARow',
      Dimensions: dimensions(jobDimension),
      Statistic: 'Maximum',
      Period: 300,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 3,
      TreatMissingData: 'ignore',
    });
  });
});

describe('metric names', () => {
  const synthesized = JSON.stringify(template.toJSON());

  it.each(Object.entries(SyncMetric))(
    'the alarms or the dashboard watch what the sync publishes as SyncMetric.%s (%s)',
    (_, name) => {
      // A metric name as an alarm's MetricName ("...") or inside the dashboard body's JSON (\"...\").
      expect(synthesized).toMatch(new RegExp(`\\\\?"${name}\\\\?"`));
    },
  );
});

describe('alarm topic', () => {
  it("is encrypted with a rotating key CloudWatch may use for this account's alarms only, TLS only, and mails the configured address", () => {
    template.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: { 'Fn::GetAtt': [logicalId(stack.alarmTopic.key), 'Arn'] },
    });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          {
            Sid: 'CloudWatchAlarmsOfThisAccount',
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Resource: '*',
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          },
        ]),
      },
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: [
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ],
      },
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
      TopicArn: topic,
    });
  });
});

describe('dashboard and outputs', () => {
  const dashboardBody = (of: Template) =>
    JSON.stringify((only(of, 'AWS::CloudWatch::Dashboard').resource.Properties as Json).DashboardBody);

  it("shows skew with its bound on the parent's dashboard", () => {
    expect(dashboardBody(templates.parent)).toContain('thingworx: offset and bound (ms)');
  });

  it("shows runs, records, lag, duration against timeout and Access Denied by cause on its group's dashboard", () => {
    const body = dashboardBody(groupTemplateOf(templates, job.job));
    for (const title of [
      'sensor-stream: runs and outcomes',
      'sensor-stream: records synced',
      'sensor-stream: lag behind the source (s)',
      'sensor-stream: runs behind in a row',
      'sensor-stream: run duration vs timeout (ms)',
      'sensor-stream: Access Denied by cause',
      'sensor-stream: app key days to expiry',
    ]) {
      expect(body).toContain(title);
    }
    expect(body).toContain('\\"value\\":300000,\\"label\\":\\"timeout\\"');
    // Both per-run progress metrics, each with its alarm threshold drawn in.
    expect(body).toContain('\\"SyncLagSeconds\\"');
    expect(body).toContain('\\"RunsBehindInARow\\"');
    expect(body).toContain('\\"value\\":29100,\\"label\\":\\"stalled (alarm)\\"');
    expect(body).toContain('\\"value\\":3,\\"label\\":\\"cannot catch up (alarm)\\"');
    // Beside the days left: whether a run could tell them at all.
    expect(body).toContain('\\"AppKeyExpiryUnknown\\"');
  });

  it("outputs the topic ARN, the dashboard URLs (clock skew's, and each job group's) and the rotated secret", () => {
    template.hasOutput('AlarmTopicArn', { Value: topic });
    const skewDashboard = stack.monitoring?.dashboard;
    if (!skewDashboard) throw new Error('the example configures a clock-skew monitor');
    template.hasOutput('DashboardUrl', {
      Value: {
        'Fn::Join': [
          '',
          Match.arrayWith([
            '.console.aws.amazon.com/cloudwatch/home?region=',
            '#dashboards:name=',
            { Ref: logicalId(skewDashboard) },
          ]),
        ],
      },
    });
    const group = groupId(groupOf(job.job));
    // The group's dashboard, named after the deployment and the group, through its nested stack's output.
    templates.parent.hasOutput(`DashboardUrl${group}`, {
      Description: Match.stringLikeRegexp('sensor-stream'),
      Value: {
        'Fn::Join': [
          '',
          Match.arrayWith([
            '#dashboards:name=',
            {
              'Fn::GetAtt': [
                Match.stringLikeRegexp(`^${group}NestedStack`),
                Match.stringLikeRegexp(`^Outputs\\..*Monitoring${group}Dashboard`),
              ],
            },
          ]),
        ],
      },
    });
    groupTemplateOf(templates, job.job).hasResourceProperties('AWS::CloudWatch::Dashboard', {
      DashboardName: `SyncWarden-${group}`,
    });
    template.hasOutput('*', {
      Value: 'SyncWarden/sensor-stream/app-key',
      Description: Match.stringLikeRegexp('rotated every 30 days .*rotate-secret'),
    });
  });
});

describe('existing secrets', () => {
  const variant = (secret: string) =>
    synthesize({ jobs: [{ ...(exampleConfig().jobs as Json[])[0], skewTarget: undefined, secret }] })
      .template;
  const readStatement = (t: ReturnType<typeof variant>) =>
    Object.values(t.findResources('AWS::IAM::Policy'))
      .flatMap(
        (p) =>
          (p as { Properties: { PolicyDocument: { Statement: Json[] } } }).Properties.PolicyDocument
            .Statement,
      )
      .find((s) => s.Sid === 'ReadOwnAppKey');

  it('grants GetSecretValue on a secret named in the configuration, any random suffix, no VersionStage', () => {
    const t = variant('prod/thingworx-key');
    t.resourceCountIs('AWS::SecretsManager::Secret', 0);
    expect(readStatement(t)).toEqual({
      Sid: 'ReadOwnAppKey',
      Action: 'secretsmanager:GetSecretValue',
      Effect: 'Allow',
      Resource: secretArnPattern('prod/thingworx-key'),
    });
  });

  it('grants GetSecretValue on exactly a complete secret ARN', () => {
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/key-AbC123';
    expect(readStatement(variant(arn))?.Resource).toBe(arn);
  });
});
