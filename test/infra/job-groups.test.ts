// Issue 14, item 2: 100 jobs (the example job with rotation, 100 times) synthesize into job groups whose
// templates each stay under CloudFormation's limits, cdk-nag finds nothing in any of them, and in its group's
// own template each job's roles reach only that job's secret and that job's items. A job's group depends on
// its name alone, so adding or removing jobs moves no other job.
import { type CfnResource, Stack } from 'aws-cdk-lib';
import { Annotations, Match, type Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { CLOUDFORMATION_LIMITS } from '../../infra/aws/deploy-limits.js';
import type { SyncJob } from '../../infra/aws/sync-job.js';
import { groupId, JOB_GROUP_COUNT, jobsByGroup } from '../../infra/config/job-groups.js';
import { allPolicyStatements, exampleConfig, policyStatementsOfRole, synthesize } from './fixture.js';

type Json = Record<string, unknown>;

const exampleJob = (exampleConfig().jobs as Json[])[0] as Json;
const jobNamed = (name: string) => ({ ...exampleJob, name });
const names = (n: number) => Array.from({ length: n }, (_, i) => `job-${String(i + 1).padStart(3, '0')}`);
const logicalId = (construct: { node: { defaultChild?: unknown } }) => {
  const resource = construct.node.defaultChild as CfnResource;
  return Stack.of(resource).getLogicalId(resource);
};

describe('which group a job is in', () => {
  const groupOfEach = (jobNames: string[]) =>
    new Map(
      [...jobsByGroup(jobNames.map((name) => ({ name })))].flatMap(([group, jobs]) =>
        jobs.map((job) => [job.name, group] as const),
      ),
    );

  it('does not change when other jobs are added, removed or reordered', () => {
    const before = groupOfEach(names(100));
    const after = groupOfEach([...names(100).slice(1, 60).reverse(), 'orders.v2', ...names(100).slice(60)]);
    for (const [name, group] of after)
      if (before.has(name)) expect({ name, group }).toEqual({ name, group: before.get(name) });
    expect(new Set(before.values()).size).toBeGreaterThan(JOB_GROUP_COUNT / 2); // the hash spreads them
  });

  it('keeps each job in its nested stack, under the same logical ids, when another job is added', () => {
    const where = (jobNames: string[]) => {
      const { stack } = synthesize({ ...exampleConfig(), jobs: jobNames.map(jobNamed) });
      return new Map(
        stack.jobs.map((job) => [
          job.job.name,
          `${Stack.of(job).node.id}/${logicalId(job.function.function)}`,
        ]),
      );
    };
    const two = where(['sensor-stream', 'orders']);
    const three = where(['billing', 'sensor-stream', 'orders']);
    expect(three.get('sensor-stream')).toBe(two.get('sensor-stream'));
    expect(three.get('orders')).toBe(two.get('orders'));
  });

  it('is the configured "group" when the job pins one', () => {
    const { stack } = synthesize({ ...exampleConfig(), jobs: [{ ...jobNamed('sensor-stream'), group: 5 }] });
    expect(stack.jobGroups.map((group) => group.node.id)).toEqual([groupId(5)]);
  });
});

describe('100 jobs, each with rotation', () => {
  const { stack, templates } = synthesize({ ...exampleConfig(), jobs: names(100).map(jobNamed) });
  const all: [string, Template][] = [['parent', templates.parent], ...templates.groups];

  it('spread over nested stacks that each stay under every CloudFormation limit', () => {
    expect(stack.jobs).toHaveLength(100);
    expect(templates.groups.size).toBeGreaterThan(1);
    const { maxResources, maxTemplateBytes, maxParameters, maxOutputs, maxMappings } = CLOUDFORMATION_LIMITS;
    for (const [name, template] of all) {
      const json = template.toJSON() as Record<string, Json | undefined>;
      const count = (section: string) => Object.keys(json[section] ?? {}).length;
      // Measured as CDK writes it (one-space indentation), what CloudFormation receives.
      const bytes = Buffer.byteLength(JSON.stringify(json, undefined, 1));
      expect({ name, within: count('Resources') <= maxResources }).toEqual({ name, within: true });
      expect({ name, within: bytes <= maxTemplateBytes }).toEqual({ name, within: true });
      expect(count('Parameters')).toBeLessThanOrEqual(maxParameters);
      expect(count('Outputs')).toBeLessThanOrEqual(maxOutputs);
      expect(count('Mappings')).toBeLessThanOrEqual(maxMappings);
    }
  });

  it('leave cdk-nag nothing to report in the parent or any nested stack', () => {
    const annotations = Annotations.fromStack(stack);
    const findings = [
      ...annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-')),
      ...annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-')),
    ].map((finding) => finding.id);
    expect(findings).toEqual([]);
    // The aspect did visit the nested stacks: their suppressions are on record in their templates.
    for (const [, template] of templates.groups) {
      expect(JSON.stringify(template.toJSON())).toContain('"rules_to_suppress"');
    }
  });

  it('grant "*" in no nested template but for X-Ray\'s two actions', () => {
    for (const [name, template] of templates.groups) {
      const wildcards = allPolicyStatements(template).filter((statement) =>
        [statement.Resource].flat().includes('*'),
      );
      expect(wildcards.length).toBeGreaterThan(0);
      const actions = wildcards.flatMap((statement) => [statement.Action].flat().map(String));
      expect({ name, actions: [...new Set(actions)].sort() }).toEqual({
        name,
        actions: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'],
      });
    }
  });

  /** In the job's own group template: statements of its sync and rotation roles, and its secret's policy. */
  function accessOf(job: SyncJob) {
    const group = templates.groups.get(Stack.of(job).node.id);
    if (!group) throw new Error(`no template for the group of ${job.job.name}`);
    const rotation = stack.rotations.find((r) => r.jobName === job.job.name);
    if (!rotation) throw new Error(`${job.job.name} rotates`);
    const audit = stack.audits.find((a) => a.job.name === job.job.name);
    if (!audit) throw new Error(`${job.job.name} is audited`);
    const secret = { Ref: logicalId(job.node.findChild('AppKey')) };
    const secretPolicy = Object.values(
      group.findResources('AWS::SecretsManager::ResourcePolicy', { Properties: { SecretId: secret } }),
    ) as { Properties: { ResourcePolicy: { Statement: Json[] } } }[];
    return {
      secret,
      syncRole: { 'Fn::GetAtt': [logicalId(job.function.role), 'Arn'] },
      auditRole: { 'Fn::GetAtt': [logicalId(audit.function.role), 'Arn'] },
      rotationRole: { 'Fn::GetAtt': [logicalId(rotation.function.role), 'Arn'] },
      sync: policyStatementsOfRole(group, logicalId(job.function.role)),
      rotation: policyStatementsOfRole(group, logicalId(rotation.function.role)),
      secretPolicy: secretPolicy.map((policy) => policy.Properties.ResourcePolicy.Statement),
    };
  }
  const secretStatements = (statements: Json[]) =>
    statements.filter((s) => [s.Action].flat().some((a) => String(a).startsWith('secretsmanager:')));
  const dynamoStatements = (statements: Json[]) =>
    statements.filter((s) => [s.Action].flat().some((a) => String(a).startsWith('dynamodb:')));

  it("let each job's sync role read only its own secret, and its rotation role rotate only that one", () => {
    for (const job of stack.jobs) {
      const access = accessOf(job);
      const ownSecretOnly = (statements: Json[]) => statements.map((s) => s.Resource);
      expect({ job: job.job.name, resources: ownSecretOnly(secretStatements(access.sync)) }).toEqual({
        job: job.job.name,
        resources: [access.secret],
      });
      // The rotation also reads the admin secret (one for all jobs in this configuration), by name.
      const rotated = secretStatements(access.rotation).filter((s) => s.Sid === 'RotateOwnAppKey');
      expect({ job: job.job.name, resources: ownSecretOnly(rotated) }).toEqual({
        job: job.job.name,
        resources: [access.secret],
      });
      expect(access.secretPolicy).toHaveLength(1);
      const readers = access.secretPolicy[0]?.find((s) => s.Sid === 'ReadOnlyByItsFunctions') as Json;
      expect((readers.Condition as Json).ArnNotEquals).toEqual({
        'aws:PrincipalArn': [access.syncRole, access.auditRole, access.rotationRole],
      });
    }
  });

  it("let each job's sync role reach only its own items of each table", () => {
    for (const job of stack.jobs) {
      const partitions = dynamoStatements(accessOf(job).sync).map(
        (s) => ((s.Condition as Json)['ForAllValues:StringEquals'] as Json)['dynamodb:LeadingKeys'],
      );
      // Its lock, watermark and ledger; its records; the last skew of its target.
      expect({ job: job.job.name, partitions: partitions.flat().sort() }).toEqual({
        job: job.job.name,
        partitions: [`job#${job.job.name}`, `job#${job.job.name}`, 'target#thingworx'],
      });
    }
  });
});
