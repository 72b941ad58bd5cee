// Synthesizes the stack from a configuration for the infra tests, with the app's own limit checks. Bundling
// is real only where a test asks for it (esbuild per function); CloudFormation's built-in validation
// (seconds per synth) is off. `template` is the merged view of the parent and the job groups
// (deployment-templates.ts); `templates` has each one as synthesized.
import { readFileSync } from 'node:fs';
import type { Template } from 'aws-cdk-lib/assertions';
import { REPOSITORY_ROOT } from '../../infra/aws/service-function.js';
import type { SyncWardenStack } from '../../infra/aws/stack.js';
import { createSyncWardenApp, synthesizeWithinLimits } from '../../infra/aws/synth.js';
import { groupId, groupOf } from '../../infra/config/job-groups.js';
import { type DeploymentTemplates, deploymentTemplates } from './deployment-templates.js';

type Json = Record<string, unknown>;

/** infra/config/example.json, as raw (unvalidated) configuration. */
export function exampleConfig(): Json {
  return JSON.parse(readFileSync(`${REPOSITORY_ROOT}infra/config/example.json`, 'utf8')) as Json;
}

export interface Synthesized {
  readonly stack: SyncWardenStack;
  /** The parent and every job group in one template, the groups' parameters bound (deployment-templates.ts). */
  readonly template: Template;
  readonly templates: DeploymentTemplates;
}

export function synthesize(config: unknown, options: { bundle?: boolean } = {}): Synthesized {
  const { app, stack } = createSyncWardenApp({
    context: {
      syncwarden: config,
      ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
    },
    builtinCloudFormationValidation: false,
  });
  synthesizeWithinLimits(app);
  const templates = deploymentTemplates(stack);
  return { stack, template: templates.merged, templates };
}

/** The nested template of the group a job lives in (infra/config/job-groups.ts). */
export function groupTemplateOf(
  templates: DeploymentTemplates,
  job: { readonly name: string; readonly group?: number | undefined },
): Template {
  const template = templates.groups.get(groupId(groupOf(job)));
  if (!template) throw new Error(`no group template for job ${job.name}`);
  return template;
}

/** The one resource of a type whose properties match, or a failure naming how many matched. */
export function only(template: Template, type: string, props?: Json): { logicalId: string; resource: Json } {
  const found = Object.entries(template.findResources(type, props ? { Properties: props } : undefined));
  if (found.length !== 1)
    throw new Error(`expected exactly one ${type}${props ? ' matching' : ''}, found ${found.length}`);
  const [logicalId, resource] = found[0] as [string, Json];
  return { logicalId, resource };
}

/** The template with asset hashes replaced, for a snapshot that survives code changes. */
export function withoutAssetHashes(template: Template): unknown {
  return JSON.parse(JSON.stringify(template.toJSON()).replace(/[0-9a-f]{64}/g, '<asset-hash>'));
}

/** Every statement of every policy attached to the role, in template order. */
export function policyStatementsOfRole(template: Template, roleLogicalId: string): Json[] {
  const policies = Object.values(
    template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleLogicalId }] } }),
  ) as { Properties: { PolicyDocument: { Statement: Json[] } } }[];
  return policies.flatMap((policy) => policy.Properties.PolicyDocument.Statement);
}

/** Every statement of every IAM policy in the template. */
export function allPolicyStatements(template: Template): Json[] {
  return Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
    (policy) =>
      (policy as { Properties: { PolicyDocument: { Statement: Json[] } } }).Properties.PolicyDocument
        .Statement,
  );
}

/** What ServiceFunction grants every function for tracing: X-Ray takes no resource-level permissions. */
export const X_RAY = {
  Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
  Effect: 'Allow',
  Resource: '*',
};

/** The ARN the stack grants for a secret named (not ARN'd) in the configuration: any random suffix. */
export const secretArnPattern = (name: string) => ({
  'Fn::Join': [
    '',
    [
      'arn:',
      { Ref: 'AWS::Partition' },
      ':secretsmanager:',
      { Ref: 'AWS::Region' },
      ':',
      { Ref: 'AWS::AccountId' },
      `:secret:${name}-??????`,
    ],
  ],
});
