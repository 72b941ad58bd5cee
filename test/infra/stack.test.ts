// The stack synthesized from the example configuration, bundled for real (esbuild), asserted resource by
// resource: tables, the sync Lambda and its environment contract, the schedule, IAM, cdk-nag, a snapshot.
import { readFileSync } from 'node:fs';
import type { CfnResource } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { loadSkewConfig } from '../../functions/clock-skew/skew-config.js';
import { loadSyncConfig } from '../../functions/sync/sync-config.js';
import { REPOSITORY_ROOT } from '../../infra/aws/service-function.js';
import { PLACEHOLDER_SECRET_VALUE } from '../../infra/aws/sync-job.js';
import {
  allPolicyStatements,
  exampleConfig,
  only,
  policyStatementsOfRole as statementsOfRole,
  synthesize,
  withoutAssetHashes,
  X_RAY,
} from './fixture.js';

const { stack, template, templates } = synthesize(exampleConfig(), { bundle: true });
const [job] = stack.jobs;
if (!job) throw new Error('the example configuration has one job');
const logicalId = (construct: { node: { defaultChild?: unknown } }) =>
  stack.getLogicalId(construct.node.defaultChild as CfnResource);
const ref = (construct: { node: { defaultChild?: unknown } }) => ({ Ref: logicalId(construct) });
const arnOf = (construct: { node: { defaultChild?: unknown } }) => ({
  'Fn::GetAtt': [logicalId(construct), 'Arn'],
});
const controlTable = arnOf(stack.tables.control);
const recordsTable = arnOf(stack.tables.records);

const policyStatementsOfRole = (roleLogicalId: string) => statementsOfRole(template, roleLogicalId);

describe('tables', () => {
  // The records table's sparse index by source time, for the audit's time-window reads of the records whose
  // key does not start with their source time (functions/shared/source-time-order.ts).
  const bySourceTime = {
    AttributeDefinitions: [{ AttributeName: 'auditTime', AttributeType: 'N' }],
    GlobalSecondaryIndexes: [
      {
        IndexName: 'byAuditTime',
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'auditTime', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['contentHash'] },
      },
    ],
  };
  it.each([
    ['control', stack.tables.control, { AttributeName: 'expireAt', Enabled: true }, undefined],
    ['records', stack.tables.records, undefined, bySourceTime],
  ] as const)(
    'the %s table is on-demand, encrypted, point-in-time recoverable and retained',
    (_, table, ttl, index) => {
      const resource = template.toJSON().Resources[logicalId(table)];
      expect(resource.DeletionPolicy).toBe('Retain');
      expect(resource.UpdateReplacePolicy).toBe('Retain');
      expect(resource.Properties).toEqual({
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
          ...(index?.AttributeDefinitions ?? []),
        ],
        ...(index ? { GlobalSecondaryIndexes: index.GlobalSecondaryIndexes } : {}),
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
        DeletionProtectionEnabled: true,
        ...(ttl ? { TimeToLiveSpecification: ttl } : {}),
      });
    },
  );
});

describe('sync Lambda', () => {
  const fn = template.toJSON().Resources[logicalId(job.function.function)];

  it('runs the bundled handler on arm64 nodejs22.x with X-Ray, its own role and log group', () => {
    expect(fn.Properties).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Timeout: 300,
      MemorySize: 512,
      TracingConfig: { Mode: 'Active' },
      Role: arnOf(job.function.role),
      LoggingConfig: { LogGroup: ref(job.function.logGroup) },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
    expect(
      template.toJSON().Resources[logicalId(job.function.role)].Properties.ManagedPolicyArns,
    ).toBeUndefined();
  });

  it('sets every variable sync-config.ts reads, and sync-config accepts them', () => {
    const env = fn.Properties.Environment.Variables as Record<string, unknown>;
    const source = readFileSync(`${REPOSITORY_ROOT}functions/sync/sync-config.ts`, 'utf8');
    const read = new Set([...source.matchAll(/read\.\w+\('([A-Z_]+)'/g)].map((m) => m[1]));
    // Set only when configured: the example has no initialStart and no endpoint.keyName (below).
    const notSet = new Set(['APP_KEY_FILE', 'INITIAL_START', 'APP_KEY_NAME']);
    const expected = [...read].filter((name) => name && !notSet.has(name));
    expect(Object.keys(env).sort()).toEqual([...expected, 'POWERTOOLS_SERVICE_NAME', 'NODE_OPTIONS'].sort());
    expect(env).toMatchObject({
      POWERTOOLS_SERVICE_NAME: 'syncwarden',
      NODE_OPTIONS: '--enable-source-maps',
      SYNC_JOB_NAME: 'sensor-stream',
      CONTROL_TABLE_NAME: ref(stack.tables.control),
      RECORDS_TABLE_NAME: ref(stack.tables.records),
      APP_KEY_SECRET_ID: { Ref: logicalId(job.node.findChild('AppKey')) },
    });
    const resolved = Object.fromEntries(
      Object.entries(env).map(([name, value]) => [
        name,
        typeof value === 'string' ? value : `resolved-${name}`,
      ]),
    );
    const config = loadSyncConfig(resolved);
    expect(config).toMatchObject({
      job: 'sensor-stream',
      endpoint: { thing: 'SensorStream', service: 'QueryStreamEntriesWithData', keyHeader: 'appKey' },
      appKey: { secretId: 'resolved-APP_KEY_SECRET_ID' },
      minRemainingTimeMs: 30_000,
      safetyMarginMs: 20_000,
      leaseMarginMs: 45_000,
      skewTarget: 'thingworx',
    });
    expect(config.endpoint.baseUrl.href).toBe('https://thingworx.example.com/');
  });

  it("passes endpoint.keyName as APP_KEY_NAME, which the sync takes as the key's name", () => {
    const [example] = exampleConfig().jobs as Record<string, Record<string, unknown>>[];
    const named = { ...example, endpoint: { ...example?.endpoint, keyName: 'sync-reader' } };
    const synthesized = synthesize({ ...exampleConfig(), jobs: [named] });
    const [namedJob] = synthesized.stack.jobs;
    const syncFn =
      synthesized.template.toJSON().Resources[
        synthesized.stack.getLogicalId(namedJob?.function.function.node.defaultChild as CfnResource)
      ];
    const env = syncFn.Properties.Environment.Variables as Record<string, unknown>;
    const resolved = Object.fromEntries(
      Object.entries(env).map(([name, value]) => [
        name,
        typeof value === 'string' ? value : `resolved-${name}`,
      ]),
    );
    expect(env.APP_KEY_NAME).toBe('sync-reader');
    expect(loadSyncConfig(resolved).appKeyName).toBe('sync-reader');
  });

  it('creates the placeholder secret the operator fills, and outputs its name', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'SyncWarden/sensor-stream/app-key',
      SecretString: PLACEHOLDER_SECRET_VALUE,
    });
    template.hasOutput('*', { Value: 'SyncWarden/sensor-stream/app-key' });
  });
});

describe('clock-skew Lambda', () => {
  it('gets the targets, tolerances and table the monitor reads, on its own 5-minute schedule', () => {
    const monitor = stack.clockSkewMonitor;
    if (!monitor) throw new Error('the example configures the monitor');
    const fn = template.toJSON().Resources[logicalId(monitor.function.function)];
    expect(fn.Properties).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], Timeout: 60 });
    const env = fn.Properties.Environment.Variables as Record<string, unknown>;
    expect(env).toEqual({
      POWERTOOLS_SERVICE_NAME: 'syncwarden',
      NODE_OPTIONS: '--enable-source-maps',
      CONTROL_TABLE_NAME: ref(stack.tables.control),
      SKEW_REQUEST_TIMEOUT_MS: '3000',
      SKEW_TARGETS: '[{"name":"thingworx","url":"https://thingworx.example.com","toleranceMs":2000}]',
    });
    const config = loadSkewConfig({ ...env, CONTROL_TABLE_NAME: 'control' } as Record<string, string>);
    expect(config.targets.map((t) => [t.name, t.toleranceMs])).toEqual([['thingworx', 2000]]);
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(5 minutes)',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: Match.objectLike({
        Arn: arnOf(monitor.function.function),
        DeadLetterConfig: { Arn: arnOf(monitor.invocation.deadLetterQueue) },
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 300 },
      }),
    });
  });
});

describe('schedule', () => {
  it('invokes the job every 4 hours in UTC with its name as input, a retry policy and a DLQ, no flexible window', () => {
    const schedule = only(template, 'AWS::Scheduler::Schedule', {
      Description: 'syncwarden: runs sync job sensor-stream',
    });
    expect(schedule.resource.Properties).toEqual({
      Description: 'syncwarden: runs sync job sensor-stream',
      ScheduleExpression: 'rate(4 hours)',
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
      Target: {
        Arn: arnOf(job.function.function),
        Input: '{"job":"sensor-stream"}',
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
        DeadLetterConfig: { Arn: arnOf(job.invocation.deadLetterQueue) },
        RoleArn: { 'Fn::GetAtt': [expect.any(String), 'Arn'] },
      },
    });
  });

  it('sends failed invocations to the same DLQ without Lambda retries', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: ref(job.function.function),
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: 3600,
      DestinationConfig: { OnFailure: { Destination: arnOf(job.invocation.deadLetterQueue) } },
    });
  });

  it('keeps dead letters 14 days, encrypted, TLS only', () => {
    expect(template.toJSON().Resources[logicalId(job.invocation.deadLetterQueue)].Properties).toEqual({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 1_209_600,
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [ref(job.invocation.deadLetterQueue)],
      PolicyDocument: {
        Statement: [
          {
            Action: 'sqs:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Resource: arnOf(job.invocation.deadLetterQueue),
          },
        ],
      },
    });
  });
});

describe('least privilege IAM', () => {
  it('lets the sync role touch only its own job items (Query included), its skew target read-only, and its own secret', () => {
    const ownJob = { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['job#sensor-stream'] } };
    expect(policyStatementsOfRole(logicalId(job.function.role))).toEqual([
      {
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Effect: 'Allow',
        Resource: arnOf(job.function.logGroup),
      },
      {
        Sid: 'OwnLockWatermarkAndLedger',
        Action: [
          'dynamodb:ConditionCheckItem',
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:Query',
          'dynamodb:UpdateItem',
        ],
        Effect: 'Allow',
        Resource: controlTable,
        Condition: ownJob,
      },
      {
        Sid: 'ReadSkewOfOwnTarget',
        Action: 'dynamodb:GetItem',
        Effect: 'Allow',
        Resource: controlTable,
        Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['target#thingworx'] } },
      },
      {
        Sid: 'WriteOwnRecords',
        Action: ['dynamodb:BatchGetItem', 'dynamodb:PartiQLInsert', 'dynamodb:PutItem'],
        Effect: 'Allow',
        Resource: recordsTable,
        Condition: ownJob,
      },
      {
        Sid: 'ReadOwnAppKey',
        Action: 'secretsmanager:GetSecretValue',
        Effect: 'Allow',
        Resource: { Ref: expect.stringMatching(/AppKey/) },
      },
      { Action: 'sqs:SendMessage', Effect: 'Allow', Resource: arnOf(job.invocation.deadLetterQueue) },
      // X-Ray's "*" is a policy of its own, one of the two places cdk-nag's IAM5 is suppressed.
      X_RAY,
      // The other: quarantined rows too large for an item go to the job's own prefix, write-only.
      {
        Action: 's3:PutObject',
        Effect: 'Allow',
        Resource: {
          'Fn::Join': [
            '',
            [
              { 'Fn::GetAtt': [expect.stringMatching(/^QuarantineBucket/), 'Arn'] },
              '/quarantine/sensor-stream/*',
            ],
          ],
        },
      },
    ]);
  });

  it('lets the schedule invoke exactly its function and write to its DLQ', () => {
    const schedule = only(template, 'AWS::Scheduler::Schedule', {
      Description: 'syncwarden: runs sync job sensor-stream',
    });
    const roleId = (schedule.resource.Properties as { Target: { RoleArn: { 'Fn::GetAtt': [string] } } })
      .Target.RoleArn['Fn::GetAtt'][0];
    expect(policyStatementsOfRole(roleId)).toEqual([
      { Action: 'lambda:InvokeFunction', Effect: 'Allow', Resource: arnOf(job.function.function) },
      { Action: 'sqs:SendMessage', Effect: 'Allow', Resource: arnOf(job.invocation.deadLetterQueue) },
    ]);
  });

  it("lets the clock-skew role write only its targets' items", () => {
    const monitor = stack.clockSkewMonitor;
    if (!monitor) throw new Error('the example configures the monitor');
    expect(policyStatementsOfRole(logicalId(monitor.function.role))).toEqual([
      {
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Effect: 'Allow',
        Resource: arnOf(monitor.function.logGroup),
      },
      {
        Sid: 'WriteOwnTargetMeasurements',
        Action: ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
        Effect: 'Allow',
        Resource: controlTable,
        Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['target#thingworx'] } },
      },
      { Action: 'sqs:SendMessage', Effect: 'Allow', Resource: arnOf(monitor.invocation.deadLetterQueue) },
      X_RAY,
    ]);
  });

  it("grants dynamodb:Query only on the control table (sync, health check) and the records table and its byAuditTime index (audit), only on the job's partition", () => {
    const querying = allPolicyStatements(template).filter((statement) =>
      [statement.Action].flat().includes('dynamodb:Query'),
    );
    const ownPartition = { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['job#sensor-stream'] } };
    expect(querying).toEqual([
      expect.objectContaining({
        Sid: 'OwnLockWatermarkAndLedger',
        Resource: controlTable,
        Condition: ownPartition,
      }),
      // The audit's window reads (test/infra/reconcile-job.test.ts).
      expect.objectContaining({
        Sid: 'QueryOwnRecordsBySourceTime',
        Resource: [recordsTable, { 'Fn::Join': ['', [recordsTable, '/index/byAuditTime']] }],
        Condition: ownPartition,
      }),
      // Read-only: GetItem and Query, nothing that writes (test/infra/problem-alarms.test.ts).
      expect.objectContaining({ Sid: 'ReadOwnGroupJobs', Resource: controlTable, Condition: ownPartition }),
    ]);
  });

  it('grants no wildcard action, and a wildcard resource only to X-Ray', () => {
    for (const statement of allPolicyStatements(template)) {
      expect([statement.Action].flat().some((action) => String(action).includes('*'))).toBe(false);
      if (statement.Resource === '*') expect(statement.Action).toEqual(X_RAY.Action);
    }
  });
});

describe('cdk-nag AwsSolutions', () => {
  it('reports no unsuppressed error or warning', () => {
    const annotations = Annotations.fromStack(stack);
    const findings = [
      ...annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-')),
      ...annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-')),
    ].map((finding) => `${finding.id}: ${String(finding.entry.data).split('\n')[0]}`);
    expect(findings).toEqual([]);
  });

  it('gives every suppression a specific reason', () => {
    const suppressions = Object.values(
      template.toJSON().Resources as Record<string, { Metadata?: Record<string, unknown> }>,
    ).flatMap(
      (resource) =>
        (resource.Metadata?.cdk_nag as { rules_to_suppress?: { id: string; reason: string }[] })
          ?.rules_to_suppress ?? [],
    );
    expect(suppressions.map((s) => s.id).sort()).toEqual(
      expect.arrayContaining(['AwsSolutions-IAM5', 'AwsSolutions-L1', 'AwsSolutions-SQS3']),
    );
    // The example rotates its key: the created secret needs no SMG4 (no rotation) suppression.
    expect(suppressions.map((s) => s.id)).not.toContain('AwsSolutions-SMG4');
    for (const suppression of suppressions) expect(suppression.reason.length).toBeGreaterThan(60);
  });
});

describe('snapshot', () => {
  it('matches the stored templates, the parent and each job group as deployed (asset hashes stripped)', () => {
    expect({
      parent: withoutAssetHashes(templates.parent),
      groups: Object.fromEntries([...templates.groups].map(([id, group]) => [id, withoutAssetHashes(group)])),
    }).toMatchSnapshot();
  });
});
