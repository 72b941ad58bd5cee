// Issue 13 items 3 and 6 in the template: the resource policy on each secret the stack creates (deny the value
// actions to all but the roles that need them, the break-glass role, nothing that locks out CloudFormation),
// the optional customer managed key naming the same roles, the admin secret policy the operator applies by
// hand, and the daily admin-key check with its alarm.
import type { CfnResource } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ADMIN_KEY_CHECK_EVENT } from '../../functions/rotate-key/admin-key-check.js';
import type { SyncWardenStack } from '../../infra/aws/stack.js';
import { exampleConfig, only, type Synthesized, synthesize } from './fixture.js';

type Json = Record<string, unknown>;

const BREAK_GLASS = 'arn:aws:iam::123456789012:role/incident-response';
const exampleJob = () => (exampleConfig().jobs as Json[])[0] as Json;
const jobAlone = (overrides: Json = {}, config: Json = {}): Synthesized =>
  synthesize({ jobs: [{ ...exampleJob(), skewTarget: undefined, ...overrides }], ...config });

const logicalIdIn = (stack: SyncWardenStack) => (construct: { node: { defaultChild?: unknown } }) =>
  stack.getLogicalId(construct.node.defaultChild as CfnResource);

function parts(stack: SyncWardenStack) {
  const logicalId = logicalIdIn(stack);
  const [job] = stack.jobs;
  if (!job) throw new Error('one job');
  const rotation = stack.rotations[0];
  const audit = stack.audits[0];
  return {
    job,
    rotation,
    secret: { Ref: logicalId(job.node.findChild('AppKey')) },
    syncRole: { 'Fn::GetAtt': [logicalId(job.function.role), 'Arn'] },
    auditRole: audit ? { 'Fn::GetAtt': [logicalId(audit.function.role), 'Arn'] } : undefined,
    rotationRole: rotation ? { 'Fn::GetAtt': [logicalId(rotation.function.role), 'Arn'] } : undefined,
  };
}

function nagFindings(stack: SyncWardenStack): string[] {
  const annotations = Annotations.fromStack(stack);
  return [
    ...annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-')),
    ...annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-')),
  ].map((finding) => `${finding.id}: ${String(finding.entry.data).split('\n')[0]}`);
}

const denyAllBut = (sid: string, action: string | string[], roles: unknown[]) => ({
  Sid: sid,
  Effect: 'Deny',
  Principal: { AWS: '*' },
  Action: action,
  Resource: '*',
  Condition: { ArnNotEquals: { 'aws:PrincipalArn': roles } },
});

describe('the resource policy of a created, rotated secret', () => {
  const { stack, template } = synthesize(exampleConfig());
  const { secret, syncRole, auditRole, rotationRole } = parts(stack);

  it('denies reading the value to all but the sync and rotation roles, and writing it to all but the rotation', () => {
    const policy = only(template, 'AWS::SecretsManager::ResourcePolicy').resource.Properties as Json;
    expect(policy).toEqual({
      SecretId: secret,
      BlockPublicPolicy: true,
      ResourcePolicy: {
        Version: '2012-10-17',
        Statement: [
          denyAllBut('ReadOnlyByItsFunctions', 'secretsmanager:GetSecretValue', [
            syncRole,
            auditRole,
            rotationRole,
          ]),
          denyAllBut(
            'WriteOnlyByItsRotation',
            ['secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage'],
            [rotationRole],
          ),
        ],
      },
    });
  });

  it('denies no management action, so CloudFormation can still update, rotate and re-policy the secret', () => {
    const policy = only(template, 'AWS::SecretsManager::ResourcePolicy').resource.Properties as {
      ResourcePolicy: { Statement: { Action: string | string[] }[] };
    };
    const denied = policy.ResourcePolicy.Statement.flatMap((statement) => [statement.Action].flat());
    for (const kept of [
      'secretsmanager:DescribeSecret',
      'secretsmanager:UpdateSecret',
      'secretsmanager:RotateSecret',
      'secretsmanager:PutResourcePolicy',
      'secretsmanager:DeleteResourcePolicy',
      'secretsmanager:DeleteSecret',
      'secretsmanager:TagResource',
    ]) {
      expect(denied).not.toContain(kept);
    }
    expect(denied.some((action) => action.includes('*'))).toBe(false);
  });
});

describe('variants', () => {
  it('leaves writes of a secret without rotation to identity policies: the operator fills it', () => {
    const { stack, template } = jobAlone({ rotation: undefined });
    const { syncRole, auditRole } = parts(stack);
    const policy = only(template, 'AWS::SecretsManager::ResourcePolicy').resource.Properties as Json;
    expect((policy.ResourcePolicy as Json).Statement).toEqual([
      denyAllBut('ReadOnlyByItsFunctions', 'secretsmanager:GetSecretValue', [syncRole, auditRole]),
    ]);
    expect(nagFindings(stack)).toEqual([]);
  });

  it('spares the configured break-glass role in every deny', () => {
    const { stack, template } = jobAlone({}, { breakGlassRoleArn: BREAK_GLASS });
    const { syncRole, auditRole, rotationRole } = parts(stack);
    const policy = only(template, 'AWS::SecretsManager::ResourcePolicy').resource.Properties as Json;
    expect((policy.ResourcePolicy as Json).Statement).toEqual([
      denyAllBut('ReadOnlyByItsFunctions', 'secretsmanager:GetSecretValue', [
        syncRole,
        auditRole,
        rotationRole,
        BREAK_GLASS,
      ]),
      denyAllBut(
        'WriteOnlyByItsRotation',
        ['secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage'],
        [rotationRole, BREAK_GLASS],
      ),
    ]);
  });

  it('puts no policy on an existing secret (the stack does not own it)', () => {
    const { template } = jobAlone({ secret: 'prod/thingworx-key' });
    template.resourceCountIs('AWS::SecretsManager::ResourcePolicy', 0);
  });

  it('encrypts a created secret with its own rotating key whose policy names the same roles', () => {
    const { stack, template } = jobAlone(
      { secret: { create: true, customerManagedKey: true } },
      { breakGlassRoleArn: BREAK_GLASS },
    );
    const { job, syncRole, auditRole, rotationRole } = parts(stack);
    const key = job.secretKey;
    if (!key) throw new Error('expected the key');
    const keyId = logicalIdIn(stack)(key);
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      KmsKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
    });
    const viaSecretsManager = {
      StringEquals: {
        'kms:ViaService': { 'Fn::Join': ['', ['secretsmanager.', { Ref: 'AWS::Region' }, '.amazonaws.com']] },
      },
    };
    const keyPolicy = (template.toJSON().Resources[keyId].Properties as Json).KeyPolicy as {
      Statement: Json[];
    };
    expect(template.toJSON().Resources[keyId].Properties.EnableKeyRotation).toBe(true);
    expect(keyPolicy.Statement).toEqual(
      expect.arrayContaining([
        {
          Sid: 'DecryptTheAppKeyByItsFunctions',
          Effect: 'Allow',
          Principal: { AWS: [syncRole, auditRole, rotationRole] },
          Action: 'kms:Decrypt',
          Resource: '*',
          Condition: viaSecretsManager,
        },
        {
          Sid: 'EncryptNewAppKeysByItsRotation',
          Effect: 'Allow',
          Principal: { AWS: rotationRole },
          Action: 'kms:GenerateDataKey',
          Resource: '*',
          Condition: viaSecretsManager,
        },
        {
          Sid: 'BreakGlass',
          Effect: 'Allow',
          Principal: { AWS: BREAK_GLASS },
          Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
          Resource: '*',
          Condition: viaSecretsManager,
        },
      ]),
    );
    expect(nagFindings(stack)).toEqual([]);
  });

  it('refuses a break-glass principal that is not a role', () => {
    expect(() => jobAlone({}, { breakGlassRoleArn: 'arn:aws:iam::123456789012:user/alice' })).toThrow(
      /breakGlassRoleArn: expected an IAM role ARN/,
    );
  });
});

describe('the admin secret', () => {
  it('outputs the resource policy to apply to it: reads only by the rotation role and break-glass', () => {
    const { stack, template } = jobAlone({}, { breakGlassRoleArn: BREAK_GLASS });
    const { rotation } = parts(stack);
    if (!rotation) throw new Error('the example rotates');
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown; Description: string }>;
    const [output] = Object.entries(outputs).filter(([id]) => id.includes('AdminSecretPolicy'));
    expect(output?.[1].Description).toMatch(/put-resource-policy --block-public-policy/);
    const rendered = JSON.stringify(output?.[1].Value);
    expect(rendered).toContain('ReadOnlyByItsFunctions');
    expect(rendered).toContain(logicalIdIn(stack)(rotation.function.role));
    expect(rendered).toContain(BREAK_GLASS);
    expect(rendered).not.toContain('PutSecretValue');
  });
});

describe('the daily admin key check', () => {
  const { stack, template } = synthesize({ ...exampleConfig(), alarmEmail: 'ops@example.com' });
  const { rotation } = parts(stack);
  if (!rotation) throw new Error('the example rotates');
  const rotator = { 'Fn::GetAtt': [logicalIdIn(stack)(rotation.function.function), 'Arn'] };

  it('invokes the rotation function once a day with the check event, on time', () => {
    const schedule = only(template, 'AWS::Scheduler::Schedule', {
      Description: 'syncwarden: daily admin key expiry check of job sensor-stream',
    }).resource.Properties as Json;
    expect(schedule).toMatchObject({
      ScheduleExpression: 'rate(1 day)',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: { Arn: rotator, Input: JSON.stringify(ADMIN_KEY_CHECK_EVENT) },
    });
  });

  it('alarms when the admin key expires within 7 days, and when no check reported for two days', () => {
    const alarm = only(template, 'AWS::CloudWatch::Alarm', {
      AlarmName: 'SyncWarden-sensor-stream-admin-key-expiring',
    }).resource.Properties as Json;
    expect(alarm).toMatchObject({
      Namespace: 'SyncWarden',
      MetricName: 'AdminKeyDaysToExpiry',
      Dimensions: [
        { Name: 'Job', Value: 'sensor-stream' },
        { Name: 'service', Value: 'syncwarden' },
      ],
      Statistic: 'Minimum',
      Period: 86_400,
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 7,
      TreatMissingData: 'breaching',
      AlarmActions: [{ Ref: logicalIdIn(stack)(stack.alarmTopic.topic) }],
    });
    expect(alarm.AlarmDescription).toMatch(/missing data breaches/);
  });
});
