// Issue 16, the scheduled audit in the stack: each job's reconcile function with the environment its
// loader accepts, its daily schedule in the job's time zone, and exactly the access it needs.
import type { CfnResource } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { loadReconcileConfig } from '../../functions/reconcile/reconcile-config.js';
import type { SyncWardenStack } from '../../infra/aws/stack.js';
import {
  exampleConfig,
  only,
  policyStatementsOfRole,
  type Synthesized,
  synthesize,
  X_RAY,
} from './fixture.js';

type Json = Record<string, unknown>;

const exampleJob = () => (exampleConfig().jobs as Json[])[0] as Json;
const withJob = (overrides: Json): Synthesized =>
  synthesize({ ...exampleConfig(), jobs: [{ ...exampleJob(), ...overrides }] });

function refs(stack: SyncWardenStack) {
  const logicalId = (construct: { node: { defaultChild?: unknown } }) =>
    stack.getLogicalId(construct.node.defaultChild as CfnResource);
  const arnOf = (construct: { node: { defaultChild?: unknown } }) => ({
    'Fn::GetAtt': [logicalId(construct), 'Arn'],
  });
  const [sync] = stack.jobs;
  const [audit] = stack.audits;
  if (!sync || !audit) throw new Error('one job with its audit');
  return { logicalId, arnOf, sync, audit };
}

const ownJob = { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['job#sensor-stream'] } };

describe('the example job (audit by default)', () => {
  const { stack, template } = synthesize(exampleConfig());
  const { logicalId, arnOf, sync, audit } = refs(stack);
  const controlTable = arnOf(stack.tables.control);
  const recordsTable = arnOf(stack.tables.records);

  it('lets the audit role touch only its own job items, the records table and its index by source time (Query), its skew target and its secret', () => {
    expect(policyStatementsOfRole(template, logicalId(audit.function.role))).toEqual([
      {
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Effect: 'Allow',
        Resource: arnOf(audit.function.logGroup),
      },
      {
        Sid: 'OwnLockLedgerAndAuditState',
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
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
        Sid: 'CompareAndRepairOwnRecords',
        Action: ['dynamodb:BatchGetItem', 'dynamodb:PartiQLInsert', 'dynamodb:PutItem'],
        Effect: 'Allow',
        Resource: recordsTable,
        Condition: ownJob,
      },
      {
        Sid: 'QueryOwnRecordsBySourceTime',
        Action: 'dynamodb:Query',
        Effect: 'Allow',
        // The window's records, by key range from the table and from the sparse index (stored-window.ts).
        Resource: [recordsTable, { 'Fn::Join': ['', [recordsTable, '/index/byAuditTime']] }],
        Condition: ownJob,
      },
      {
        Sid: 'ReadOwnAppKey',
        Action: 'secretsmanager:GetSecretValue',
        Effect: 'Allow',
        Resource: { Ref: logicalId(sync.node.findChild('AppKey')) },
      },
      // Failed audits go to the sync's dead-letter queue (one queue and alarm per job).
      { Action: 'sqs:SendMessage', Effect: 'Allow', Resource: arnOf(sync.invocation.deadLetterQueue) },
      X_RAY,
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

  it('runs daily at 02:00 in the job schedule time zone with the job as input, no flexible window', () => {
    const schedule = only(template, 'AWS::Scheduler::Schedule', {
      Description: 'syncwarden: audits job sensor-stream daily at 02:00 UTC',
    }).resource.Properties as Json;
    expect(schedule).toMatchObject({
      ScheduleExpression: 'cron(0 2 * * ? *)',
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: { Arn: arnOf(audit.function.function), Input: JSON.stringify({ job: 'sensor-stream' }) },
    });
  });

  it("sets the sync's variables and the audit's, and the reconcile loader accepts them", () => {
    const fn = only(template, 'AWS::Lambda::Function', {
      Description: 'syncwarden scheduled audit of job sensor-stream',
    }).resource.Properties as { Environment: { Variables: Json } };
    const env = fn.Environment.Variables;
    expect(env).toMatchObject({
      SYNC_JOB_NAME: 'sensor-stream',
      AUDIT_REPAIR: 'true',
      AUDIT_PRUNE: 'false',
      AUDIT_TIME_ZONE: 'UTC',
      AUDIT_WINDOW_DAYS: '1',
    });
    const resolved = Object.fromEntries(
      Object.entries(env).map(([name, value]) => [
        name,
        typeof value === 'string' ? value : `resolved-${name}`,
      ]),
    );
    expect(loadReconcileConfig(resolved)).toMatchObject({
      sync: { job: 'sensor-stream', skewTarget: 'thingworx' },
      audit: { repair: true, prune: false, timeZone: 'UTC', windowDays: 1 },
    });
  });
});

describe('configured audits', () => {
  it('grants DeleteItem on its own records only to a job that prunes', () => {
    const { stack, template } = withJob({ audit: { prune: true } });
    const { logicalId, audit } = refs(stack);
    const records = policyStatementsOfRole(template, logicalId(audit.function.role)).find(
      (statement) => statement.Sid === 'CompareAndRepairOwnRecords',
    );
    expect(records).toMatchObject({
      Action: ['dynamodb:BatchGetItem', 'dynamodb:DeleteItem', 'dynamodb:PartiQLInsert', 'dynamodb:PutItem'],
      Condition: ownJob,
    });
  });

  it('schedules the configured time and zone, and audits the days of that zone', () => {
    const { template } = withJob({ audit: { time: '03:30', timezone: 'Europe/Berlin', windowDays: 2 } });
    const schedule = only(template, 'AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(30 3 * * ? *)',
    }).resource.Properties as Json;
    expect(schedule.ScheduleExpressionTimezone).toBe('Europe/Berlin');
    const fn = only(template, 'AWS::Lambda::Function', {
      Description: 'syncwarden scheduled audit of job sensor-stream',
    }).resource.Properties as { Environment: { Variables: Json } };
    expect(fn.Environment.Variables).toMatchObject({
      AUDIT_TIME_ZONE: 'Europe/Berlin',
      AUDIT_WINDOW_DAYS: '2',
    });
  });

  it('creates no audit for a job with audit disabled', () => {
    const { stack, template } = withJob({ audit: { enabled: false } });
    expect(stack.audits).toEqual([]);
    expect(
      template.findResources('AWS::Lambda::Function', {
        Properties: { Description: 'syncwarden scheduled audit of job sensor-stream' },
      }),
    ).toEqual({});
  });

  it('refuses prune without repair at synth, naming the field', () => {
    expect(() => withJob({ audit: { repair: false, prune: true } })).toThrow(/audit\.prune.*repair/);
  });
});
