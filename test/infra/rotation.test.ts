// Automatic app-key rotation (issue 8): the rotation schedule on the job's secret, the rotation Lambda and
// the environment its loader accepts, its IAM statement by statement, the alarm, and cdk-nag on variants.
// Synthesized without bundling (stack.test.ts bundles the example, rotation function included).
import { readFileSync } from 'node:fs';
import type { CfnResource } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { loadRotationConfig } from '../../functions/rotate-key/rotation-config.js';
import { KEY_EXPIRY_ALARM_DAYS, keyExpiryAlarmDays } from '../../infra/aws/key-alarms.js';
import { rotationKeyNamePrefix } from '../../infra/aws/key-rotation.js';
import { REPOSITORY_ROOT } from '../../infra/aws/service-function.js';
import type { SyncWardenStack } from '../../infra/aws/stack.js';
import { parseConfig } from '../../infra/config/schema.js';
import {
  allPolicyStatements,
  exampleConfig,
  groupTemplateOf,
  only,
  policyStatementsOfRole,
  type Synthesized,
  secretArnPattern,
  synthesize,
  X_RAY,
} from './fixture.js';

type Json = Record<string, unknown>;

const exampleJob = () => (exampleConfig().jobs as Json[])[0] as Json;
/** The example's job alone (no clock-skew monitor), with its fields overridden. */
const variant = (overrides: Json, rotation: Json = {}): Synthesized =>
  synthesize({
    jobs: [
      {
        ...exampleJob(),
        skewTarget: undefined,
        ...overrides,
        rotation: { ...(exampleJob().rotation as Json), ...rotation },
      },
    ],
  });

const logicalIdIn = (stack: SyncWardenStack) => (construct: { node: { defaultChild?: unknown } }) =>
  stack.getLogicalId(construct.node.defaultChild as CfnResource);

const ADMIN_SECRET = 'syncwarden/thingworx-admin-key';
const ROTATION_ACTIONS = [
  'secretsmanager:DescribeSecret',
  'secretsmanager:GetSecretValue',
  'secretsmanager:PutSecretValue',
  'secretsmanager:UpdateSecretVersionStage',
];
const VIA_SECRETS_MANAGER = {
  StringEquals: {
    'kms:ViaService': { 'Fn::Join': ['', ['secretsmanager.', { Ref: 'AWS::Region' }, '.amazonaws.com']] },
  },
};

function nagFindings(stack: SyncWardenStack): string[] {
  const annotations = Annotations.fromStack(stack);
  return [
    ...annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-')),
    ...annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-')),
  ].map((finding) => `${finding.id}: ${String(finding.entry.data).split('\n')[0]}`);
}

describe('the example: a created secret rotated every 30 days', () => {
  const { stack, template, templates } = synthesize({ ...exampleConfig(), alarmEmail: 'ops@example.com' });
  const logicalId = logicalIdIn(stack);
  const [job] = stack.jobs;
  const [rotation] = stack.rotations;
  if (!job || !rotation) throw new Error('the example configures one job with rotation');
  const secret = { Ref: logicalId(job.node.findChild('AppKey')) };
  const rotator = rotation.function;
  const rotatorArn = { 'Fn::GetAtt': [logicalId(rotator.function), 'Arn'] };

  it('schedules rotation of the job secret by its rotation function every 30 days, first on deploy', () => {
    const schedule = only(template, 'AWS::SecretsManager::RotationSchedule');
    expect(schedule.resource.Properties).toEqual({
      SecretId: secret,
      RotationLambdaARN: rotatorArn,
      RotationRules: { AutomaticallyAfterDays: 30 },
      RotateImmediatelyOnUpdate: true,
    });
    const permission = only(template, 'AWS::Lambda::Permission', { FunctionName: rotatorArn });
    expect(schedule.resource.DependsOn).toEqual([permission.logicalId]);
  });

  it('lets only Secrets Manager, on behalf of this account and for the job secret only, invoke the rotation function', () => {
    const permission = only(template, 'AWS::Lambda::Permission', { FunctionName: rotatorArn });
    expect(permission.resource.Properties).toEqual({
      Action: 'lambda:InvokeFunction',
      FunctionName: rotatorArn,
      Principal: 'secretsmanager.amazonaws.com',
      SourceAccount: { Ref: 'AWS::AccountId' },
      SourceArn: secret,
    });
  });

  it('runs the rotation handler with the ServiceFunction defaults and a 60 s timeout', () => {
    const fn = template.toJSON().Resources[logicalId(rotator.function)];
    expect(fn.Properties).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Timeout: 60,
      MemorySize: 256,
      TracingConfig: { Mode: 'Active' },
      Role: { 'Fn::GetAtt': [logicalId(rotator.role), 'Arn'] },
      LoggingConfig: { LogGroup: { Ref: logicalId(rotator.logGroup) } },
      Description: 'syncwarden app-key rotation of job sensor-stream',
    });
    expect(template.toJSON().Resources[logicalId(rotator.role)].Properties.ManagedPolicyArns).toBeUndefined();
  });

  it('sets every variable rotation-config.ts reads, and its loader accepts them', () => {
    const env = template.toJSON().Resources[logicalId(rotator.function)].Properties.Environment
      .Variables as Record<string, string>;
    const source = readFileSync(`${REPOSITORY_ROOT}functions/rotate-key/rotation-config.ts`, 'utf8');
    const read = new Set([...source.matchAll(/'([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)'/g)].map((m) => m[1]));
    // Left to the loader's defaults: the grace is its minimum, the test read asks for one record.
    const notSet = new Set(['OLD_KEY_GRACE_SECONDS', 'ROTATION_TEST_PARAMS', 'ROTATION_IP_ALLOWLIST']);
    const expected = [...read].filter((name): name is string => !!name && !notSet.has(name));
    expect(Object.keys(env).sort()).toEqual([...expected, 'POWERTOOLS_SERVICE_NAME', 'NODE_OPTIONS'].sort());
    expect(env).toEqual({
      POWERTOOLS_SERVICE_NAME: 'syncwarden',
      NODE_OPTIONS: '--enable-source-maps',
      ENDPOINT_BASE_URL: 'https://thingworx.example.com',
      APP_KEY_HEADER: 'appKey',
      REQUEST_TIMEOUT_MS: '15000',
      ADMIN_SECRET_ID: ADMIN_SECRET,
      ROTATION_SECRET_ID: secret,
      ROTATION_JOB_NAME: 'sensor-stream',
      ROTATION_KEY_USER: 'SyncWardenReader',
      ROTATION_KEY_NAME_PREFIX: 'syncwarden-sensor-stream',
      ROTATION_INTERVAL_DAYS: '30',
      ROTATION_EXPIRY_MARGIN_HOURS: '168',
      ROTATION_TEST_THING: 'SensorStream',
      ROTATION_TEST_SERVICE: 'QueryStreamEntriesWithData',
      SYNC_TIMEOUT_SECONDS: '300',
    });
    // The secret's ARN is a deploy-time token here; CloudFormation passes the complete ARN.
    const arn =
      'arn:aws:secretsmanager:eu-west-1:123456789012:secret:SyncWarden/sensor-stream/app-key-AbC123';
    const config = loadRotationConfig({ ...env, ROTATION_SECRET_ID: arn });
    expect(config).toMatchObject({
      adminSecretId: ADMIN_SECRET,
      keyUser: 'SyncWardenReader',
      keyNamePrefix: 'syncwarden-sensor-stream',
      ipAllowlist: [],
      rotationIntervalMs: 30 * 86_400_000,
      secretId: arn,
      jobName: 'sensor-stream',
      expiryMarginMs: 7 * 24 * 3_600_000,
      // The key cache TTL (5 min) + the sync Lambda's 300 s timeout.
      oldKeyGraceMs: 600_000,
      testRead: { thing: 'SensorStream', service: 'QueryStreamEntriesWithData', params: { maxItems: 1 } },
    });
    expect(config.endpoint.baseUrl.href).toBe('https://thingworx.example.com/');
  });

  it('lets the rotation role rotate only the job secret and read only the admin secret', () => {
    expect(policyStatementsOfRole(template, logicalId(rotator.role))).toEqual([
      {
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [logicalId(rotator.logGroup), 'Arn'] },
      },
      { Sid: 'RotateOwnAppKey', Action: ROTATION_ACTIONS, Effect: 'Allow', Resource: secret },
      {
        Sid: 'ReadAdminAppKey',
        Action: 'secretsmanager:GetSecretValue',
        Effect: 'Allow',
        Resource: secretArnPattern(ADMIN_SECRET),
      },
      X_RAY,
    ]);
  });

  it('grants the admin secret to no other role, and GetRandomPassword to none', () => {
    const adminStatements = allPolicyStatements(template).filter((statement) =>
      JSON.stringify(statement.Resource).includes(ADMIN_SECRET),
    );
    expect(adminStatements.map((statement) => statement.Sid)).toEqual(['ReadAdminAppKey']);
    expect(JSON.stringify(template.toJSON())).not.toContain('GetRandomPassword');
  });

  it('alarms on the first failed rotation step, to the alarm topic', () => {
    const alarm = only(template, 'AWS::CloudWatch::Alarm', {
      AlarmName: 'SyncWarden-sensor-stream-key-rotation-failed',
    }).resource.Properties as Json;
    expect(alarm).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalId(rotator.function) } }],
      Statistic: 'Sum',
      Period: 300,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
      TreatMissingData: 'notBreaching',
      ActionsEnabled: true,
      AlarmActions: [{ Ref: logicalId(stack.alarmTopic.topic) }],
    });
    expect(alarm.AlarmDescription).toMatch(/AWSCURRENT did not move.*rotate-secret/);
  });

  it('gives the job-health check the key-expiry threshold, firing once the rotation is overdue', () => {
    const check = only(groupTemplateOf(templates, job.job), 'AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^syncwarden job-health check of group '),
    }).resource.Properties as { Environment: { Variables: Record<string, string> } };
    const [rules] = JSON.parse(check.Environment.Variables.JOB_HEALTH_JOBS as string) as Json[];
    // A new key lives 30 days + 7 d; rotation may come any hour of its day, so 6 days left means overdue.
    expect(rules).toMatchObject({ name: 'sensor-stream', keyExpiryAlarmDays: 6 });
  });
});

describe('the key-expiry threshold', () => {
  const config = (rotation?: Json) =>
    parseConfig(
      {
        jobs: [
          {
            name: 'orders',
            endpoint: { baseUrl: 'https://thingworx.example.com', thing: 'S' },
            secret: { create: true },
            ...(rotation ? { rotation } : {}),
          },
        ],
      },
      'test',
    ).jobs[0];

  it('stays 7 days for a key put by hand', () => {
    const job = config();
    if (!job) throw new Error('one job');
    expect(keyExpiryAlarmDays(job)).toBe(KEY_EXPIRY_ALARM_DAYS);
  });

  it.each([
    [48, 1],
    [72, 2],
    [24 * 30, 7],
  ])('is (margin - 1 day) for a rotated key with a %i-hour margin, at most 7: %d', (hours, days) => {
    const job = config({ everyDays: 30, keyUser: 'u', adminSecret: 'a', expiryMarginHours: hours });
    if (!job) throw new Error('one job');
    expect(keyExpiryAlarmDays(job)).toBe(days);
  });
});

describe('existing secrets and customer managed keys', () => {
  const rotationRole = ({ stack, template }: Synthesized) => {
    const [rotation] = stack.rotations;
    if (!rotation) throw new Error('expected a rotation');
    // Without the log statement (first) and X-Ray's (last, a policy of its own).
    return policyStatementsOfRole(template, logicalIdIn(stack)(rotation.function.role)).slice(1, -1);
  };
  const jobKey = 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555';
  const adminKey = 'arn:aws:kms:eu-west-1:123456789012:key/66666666-7777-8888-9999-000000000000';

  it('rotates a secret named in the configuration, any random suffix, and decrypts with each key', () => {
    const synthesized = variant(
      { secret: 'prod/thingworx-key', secretKmsKeyArn: jobKey },
      { adminSecretKmsKeyArn: adminKey, allowlist: ['203.0.113.7', '198.51.100.0/24'] },
    );
    expect(rotationRole(synthesized)).toEqual([
      {
        Sid: 'RotateOwnAppKey',
        Action: ROTATION_ACTIONS,
        Effect: 'Allow',
        Resource: secretArnPattern('prod/thingworx-key'),
      },
      {
        Sid: 'ReadAdminAppKey',
        Action: 'secretsmanager:GetSecretValue',
        Effect: 'Allow',
        Resource: secretArnPattern(ADMIN_SECRET),
      },
      {
        Sid: 'EncryptOwnAppKey',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Effect: 'Allow',
        Resource: jobKey,
        Condition: VIA_SECRETS_MANAGER,
      },
      {
        Sid: 'DecryptAdminAppKey',
        Action: 'kms:Decrypt',
        Effect: 'Allow',
        Resource: adminKey,
        Condition: VIA_SECRETS_MANAGER,
      },
    ]);
    synthesized.template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      SecretId: 'prod/thingworx-key',
    });
    synthesized.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ ROTATION_IP_ALLOWLIST: '203.0.113.7,198.51.100.0/24' }) },
    });
    expect(nagFindings(synthesized.stack)).toEqual([]);
  });

  it('names complete ARNs exactly, the suffix included (a name ending in -reader is no partial ARN)', () => {
    const job = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/key-AbC123';
    const admin = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/thingworx-reader';
    const [own, read] = rotationRole(variant({ secret: job }, { adminSecret: admin }));
    expect(own?.Resource).toBe(job);
    expect(read?.Resource).toBe(admin);
  });

  it('refuses a partial ARN before any resource is granted it', () => {
    const partial = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/admin';
    expect(() => variant({}, { adminSecret: partial })).toThrow(
      /partial ARN cannot be told from a complete one/,
    );
  });

  it('rotates each job that asks for it, and only those', () => {
    const { stack, template } = synthesize({
      jobs: [
        { ...exampleJob(), skewTarget: undefined },
        { ...exampleJob(), name: 'manual.keys', skewTarget: undefined, rotation: undefined },
        { ...exampleJob(), name: 'orders.v2', skewTarget: undefined },
      ],
    });
    expect(stack.rotations.map((rotation) => rotation.jobName)).toEqual(['sensor-stream', 'orders.v2']);
    template.resourceCountIs('AWS::SecretsManager::RotationSchedule', 2);
    expect(nagFindings(stack)).toEqual([]);
  });

  it('derives a key name prefix the rotation function accepts from any job name', () => {
    expect(rotationKeyNamePrefix('orders.v2')).toBe('syncwarden-orders_v2');
    const longest = rotationKeyNamePrefix(`a${'.'.repeat(63)}`);
    expect(longest).toHaveLength(64);
    expect(
      loadRotationConfig({
        ENDPOINT_BASE_URL: 'https://thingworx.example.com',
        ADMIN_SECRET_ID: ADMIN_SECRET,
        ROTATION_SECRET_ID: 'prod/key',
        ROTATION_JOB_NAME: 'orders.v2',
        ROTATION_KEY_USER: 'u',
        ROTATION_INTERVAL_DAYS: '1',
        ROTATION_TEST_THING: 'S',
        ROTATION_KEY_NAME_PREFIX: longest,
      }).keyNamePrefix,
    ).toBe(longest);
  });
});
