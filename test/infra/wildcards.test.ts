// Wildcard resources (issue 13, item 14): "*" is granted only for X-Ray's two actions, in a policy of its
// own, and the cdk-nag IAM5 suppression covers that policy alone, so a wildcard added anywhere else later
// is still reported.
import type { CfnResource } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { describe, expect, it } from 'vitest';
import { createSyncWardenApp } from '../../infra/aws/synth.js';
import { allPolicyStatements, exampleConfig, synthesize } from './fixture.js';

type Json = Record<string, unknown>;

const resourcesOf = (statement: Json) => [statement.Resource].flat();
const actionsOf = (statement: Json) => [statement.Action].flat().map(String);

function iam5Findings(stack: import('aws-cdk-lib').Stack): string[] {
  return Annotations.fromStack(stack)
    .findError('*', Match.stringLikeRegexp('AwsSolutions-IAM5'))
    .map((finding) => finding.id);
}

describe('wildcard resources', () => {
  const { stack, template } = synthesize(exampleConfig());

  it('appear only in statements whose actions are all xray: actions', () => {
    const wildcards = allPolicyStatements(template).filter((statement) =>
      resourcesOf(statement).some((resource) => resource === '*'),
    );
    expect(wildcards.length).toBeGreaterThan(0);
    for (const statement of wildcards) {
      expect(actionsOf(statement).every((action) => action.startsWith('xray:'))).toBe(true);
    }
  });

  it('suppresses IAM5 only on the X-Ray policies, never on a role or its default policy', () => {
    const resources = template.toJSON().Resources as Record<
      string,
      { Type: string; Metadata?: { cdk_nag?: { rules_to_suppress?: { id: string }[] } } }
    >;
    const suppressing = Object.entries(resources).filter(([, resource]) =>
      (resource.Metadata?.cdk_nag?.rules_to_suppress ?? []).some((rule) => rule.id === 'AwsSolutions-IAM5'),
    );
    // X-Ray: one per function (each job's sync and audit, each rotation, each group's health check, the
    // clock-skew monitor); the quarantine archive: one per function that may quarantine (a job's sync and
    // its audit's repair), s3:PutObject under the job's own prefix only.
    const quarantines = (job: { readonly job: { readonly sync: { readonly rejectedRecords: string } } }) =>
      job.job.sync.rejectedRecords === 'quarantine';
    const quarantining = stack.jobs.filter(quarantines).length + stack.audits.filter(quarantines).length;
    expect(quarantining).toBeGreaterThan(0);
    expect(stack.audits.length).toBeGreaterThan(0);
    expect(suppressing.length).toBe(
      stack.jobs.length +
        stack.audits.length +
        stack.rotations.length +
        stack.jobGroups.length +
        (stack.clockSkewMonitor ? 1 : 0) +
        quarantining,
    );
    for (const [logicalId, resource] of suppressing) {
      expect(resource.Type).toBe('AWS::IAM::Policy');
      const statements = (template.toJSON().Resources[logicalId].Properties as Json).PolicyDocument as {
        Statement: Json[];
      };
      if (/QuarantineArchive/.test(logicalId)) {
        expect(statements.Statement.map(actionsOf)).toEqual([['s3:PutObject']]);
        continue;
      }
      expect(logicalId).toMatch(/XRayTracing/);
      for (const statement of statements.Statement) {
        expect(actionsOf(statement).every((action) => action.startsWith('xray:'))).toBe(true);
      }
    }
  });

  it('reports a wildcard resource later granted to a function role', () => {
    const { stack: fresh } = createSyncWardenApp({
      context: { syncwarden: exampleConfig(), 'aws:cdk:bundling-stacks': [] },
      builtinCloudFormationValidation: false,
    });
    const [job] = fresh.jobs;
    if (!job) throw new Error('the example configures one job');
    job.function.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['*'] }),
    );
    Template.fromStack(fresh); // runs the cdk-nag aspect
    const defaultPolicy = job.function.role.node.findChild('DefaultPolicy').node.defaultChild as CfnResource;
    expect(iam5Findings(fresh)).toContain(`/${defaultPolicy.node.path}`);
  });
});
