// The alarms over every job (issue 14, item 3): two Metrics Insights alarms for the deployment, one
// contributor per job (JobProblems) and one per problem kind (ProblemJobs), and each group's health-check
// heartbeat; the check itself: its rules from the configuration, its schedule, its read-only role.
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { loadJobHealthConfig } from '../../functions/job-health/health-config.js';
import {
  type JobFacts,
  jobHealth,
  lagLimitSeconds,
  PROBLEM_KINDS,
  problemCode,
} from '../../functions/job-health/problems.js';
import { groupId, groupOf } from '../../infra/config/job-groups.js';
import { publishedMetrics } from '../support/published-metrics.js';
import { exampleConfig, groupTemplateOf, only, policyStatementsOfRole, synthesize } from './fixture.js';
import { alarm, dimensions, example, type Json, job } from './monitoring-fixture.js';

const { template, templates } = example;
const group = String(groupOf(job.job));
const insightsQuery = (properties: Json) => {
  const metrics = properties.Metrics as { Expression?: string; Period?: number; ReturnData?: boolean }[];
  expect(metrics).toHaveLength(1);
  return metrics[0] as { Expression: string; Period: number };
};

describe('the problem alarms over every job', () => {
  it('job-problems: one contributor per job, in ALARM while its JobProblems is 1 or more', () => {
    const properties = alarm('job-problems');
    expect(insightsQuery(properties)).toMatchObject({
      Expression: `SELECT MAX(JobProblems) FROM SCHEMA("SyncWarden", Job, service) WHERE service = 'syncwarden' GROUP BY Job ORDER BY MAX() DESC`,
      Period: 600,
    });
    expect(properties).toMatchObject({
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
    });
    // Every problem alone reaches the threshold; a healthy job (0) does not.
    for (const kind of PROBLEM_KINDS) expect(problemCode([kind])).toBeGreaterThanOrEqual(1);
    expect(problemCode([])).toBeLessThan(1);
  });

  it('job-problems says how to read a value: each kind with its bit', () => {
    const description = String(alarm('job-problems').AlarmDescription);
    expect(description).toContain('1 watermark-stalled, 2 run-failed, 4 repeated-lock-skips');
    expect(description).toContain('256 app-key-expiry-unknown');
    expect(description).toContain('"Job problem"');
  });

  it('problem-kinds: one contributor per problem kind, in ALARM while a job has it', () => {
    const properties = alarm('problem-kinds');
    expect(insightsQuery(properties).Expression).toBe(
      `SELECT MAX(ProblemJobs) FROM SCHEMA("SyncWarden", Problem, service) WHERE service = 'syncwarden' GROUP BY Problem ORDER BY MAX() DESC`,
    );
    expect(properties).toMatchObject({ ComparisonOperator: 'GreaterThanOrEqualToThreshold', Threshold: 1 });
  });

  it("are the deployment's: in the parent stack, two whatever the number of jobs", () => {
    const [first] = exampleConfig().jobs as Json[];
    const jobs = Array.from({ length: 5 }, (_, i) => ({
      ...first,
      name: `stream-${i}`,
      skewTarget: undefined,
    }));
    const five = synthesize({ ...exampleConfig(), jobs }).templates;
    const insights = Object.values(five.parent.findResources('AWS::CloudWatch::Alarm')).filter((a) =>
      JSON.stringify(a).includes('SELECT MAX('),
    );
    expect(insights).toHaveLength(2);
    for (const groupTemplate of five.groups.values()) {
      expect(JSON.stringify(groupTemplate.toJSON())).not.toContain('SELECT MAX(');
    }
  });

  it("each group's check alarms when it has not completed for 10 minutes (missing data breaching)", () => {
    expect(alarm(`job-health-check-${group}-stopped`)).toMatchObject({
      Namespace: 'SyncWarden',
      MetricName: 'JobsChecked',
      Dimensions: dimensions({ Group: group }),
      Statistic: 'Sum',
      Period: 600,
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 1,
      TreatMissingData: 'breaching',
    });
  });

  it('watch only metrics the Lambdas publish', () => {
    const names = publishedMetrics().names;
    for (const name of ['JobProblems', 'ProblemJobs', 'JobsChecked']) expect(names).toContain(name);
  });
});

describe("the job-health check of the example job's group", () => {
  const groupTemplate = groupTemplateOf(templates, job.job);
  const check = only(groupTemplate, 'AWS::Lambda::Function', {
    Description: `syncwarden job-health check of group ${group}`,
  }).resource.Properties as {
    Environment: { Variables: Record<string, string> };
    Role: { 'Fn::GetAtt': [string] };
  };

  it('runs every 5 minutes', () => {
    groupTemplate.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(5 minutes)',
      Description: `syncwarden: checks the health of the jobs of group ${group}`,
    });
  });

  it("gets each job's rules from the configuration, in a form its loader accepts", () => {
    const config = loadJobHealthConfig({ ...check.Environment.Variables, CONTROL_TABLE_NAME: 'control' });
    expect(config.group).toBe(group);
    const [rules] = config.jobs;
    // rate(4 hours), the default 300 s overlap and a 300 s timeout; rotated every 30 days with a 7-day margin.
    expect(rules).toEqual({
      name: 'sensor-stream',
      intervalMinutes: 240,
      overlapMs: 300_000,
      timeoutSeconds: 300,
      keyExpiryAlarmDays: 6,
      initialStartMs: expect.any(Number),
      auditEnabled: true,
    });
  });

  it('reports a stalled watermark for a 90-minute job with a 2-minute overlap after 2 × 5400 s + 120 s', () => {
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
    }).templates;
    const env = (
      only(groupTemplateOf(variant, job.job), 'AWS::Lambda::Function', {
        Description: `syncwarden job-health check of group ${group}`,
      }).resource.Properties as { Environment: { Variables: Record<string, string> } }
    ).Environment.Variables;
    const [rules] = loadJobHealthConfig({ ...env, CONTROL_TABLE_NAME: 'control' }).jobs;
    if (!rules) throw new Error('the variant has one job');
    expect(lagLimitSeconds(rules)).toBe(10_920);
    const neverRan: JobFacts = { runs: [] };
    const at = (seconds: number) =>
      jobHealth(rules, neverRan, rules.initialStartMs + seconds * 1000).problems;
    expect(at(10_920)).toEqual([]);
    expect(at(10_921)).toEqual(['watermark-stalled']);
  });

  it("reads only its group's jobs' partitions of the control table, and writes nothing", () => {
    const statements = policyStatementsOfRole(groupTemplate, check.Role['Fn::GetAtt'][0]);
    const table = statements.filter((s) => JSON.stringify(s.Action).includes('dynamodb:'));
    expect(table).toEqual([
      expect.objectContaining({
        Sid: 'ReadOwnGroupJobs',
        Action: ['dynamodb:GetItem', 'dynamodb:Query'],
        Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['job#sensor-stream'] } },
      }),
    ]);
  });

  it('lives in the group it checks', () => {
    expect(templates.groups.has(groupId(groupOf(job.job)))).toBe(true);
    expect(JSON.stringify(templates.parent.toJSON())).not.toContain('job-health check of group');
  });
});

describe('the deployment dashboard and outputs', () => {
  const dashboardBody = () =>
    JSON.stringify(
      (only(templates.parent, 'AWS::CloudWatch::Dashboard').resource.Properties as Json).DashboardBody,
    );

  it('is one dashboard, in the parent: no group has its own', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    for (const groupTemplate of templates.groups.values()) {
      groupTemplate.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    }
  });

  it('shows problems per job and per kind, the totals of the runs, and clock skew with its bound', () => {
    const body = dashboardBody();
    for (const title of [
      'Problems per job (JobProblems)',
      'Jobs with each problem (ProblemJobs)',
      'Runs, all jobs',
      'Access Denied by cause, all jobs',
      'thingworx: offset and bound (ms)',
    ]) {
      expect(body).toContain(title);
    }
    expect(body).toContain('SELECT MAX(JobProblems)');
  });

  it('outputs the topic ARN, the dashboard URL and the rotated secret', () => {
    template.hasOutput('AlarmTopicArn', {});
    templates.parent.hasOutput('DashboardUrl', {
      Value: {
        'Fn::Join': [
          '',
          Match.arrayWith(['.console.aws.amazon.com/cloudwatch/home?region=', '#dashboards:name=']),
        ],
      },
    });
    template.hasOutput('*', {
      Value: 'SyncWarden/sensor-stream/app-key',
      Description: Match.stringLikeRegexp('rotated every 30 days .*rotate-secret'),
    });
    expect(
      Object.keys(templates.parent.toJSON().Outputs ?? {}).filter((k) => k.startsWith('DashboardUrl')),
    ).toEqual(['DashboardUrl']);
  });
});
