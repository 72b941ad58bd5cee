// The deployment's templates as the infra tests read them: the parent and each job group's nested template
// as synthesized, and one merged view in which every nested-stack parameter is replaced by the value the
// parent passes for it (what CloudFormation does at deploy). In the merged view a job's IAM statement names
// `{ Ref: <the parent's table> }`, as it would in one stack, so assertions about which resource a role may
// touch read the same whatever group the job is in; the groups' own templates stay available as they are.
import { Template } from 'aws-cdk-lib/assertions';
import type { SyncWardenStack } from '../../infra/aws/stack.js';

type Json = Record<string, unknown>;
type CfnTemplate = Json & { Resources?: Json; Outputs?: Json; Parameters?: Json };

export interface DeploymentTemplates {
  readonly parent: Template;
  /** Each group's nested template, by the group's construct id (`Jobs07`). */
  readonly groups: ReadonlyMap<string, Template>;
  /** Parent and groups in one template, with the groups' parameters bound to the parent's values. */
  readonly merged: Template;
}

export function deploymentTemplates(stack: SyncWardenStack): DeploymentTemplates {
  const parent = Template.fromStack(stack);
  const parentJson = parent.toJSON() as CfnTemplate;
  const groups = new Map<string, Template>();
  const resources: Json = { ...parentJson.Resources };
  const outputs: Json = { ...parentJson.Outputs };
  for (const group of stack.jobGroups) {
    const nested = Template.fromStack(group);
    groups.set(group.node.id, nested);
    const stackResourceId = stack.getLogicalId(group.nestedStackResource as never);
    const stackResource = parentJson.Resources?.[stackResourceId] as { Properties?: Json } | undefined;
    if (!stackResource) throw new Error(`no nested stack resource ${stackResourceId} in the parent`);
    const passed = (stackResource.Properties?.Parameters as Json | undefined) ?? {};
    const bound = bindParameters(nested.toJSON() as CfnTemplate, passed);
    for (const [section, into] of [
      ['Resources', resources],
      ['Outputs', outputs],
    ] as const) {
      for (const [logicalId, value] of Object.entries((bound[section] as Json | undefined) ?? {})) {
        if (logicalId in into)
          throw new Error(`${section} ${logicalId} of ${group.node.id} is also elsewhere`);
        into[logicalId] = value;
      }
    }
  }
  const merged = Template.fromJSON({ ...parentJson, Resources: resources, Outputs: outputs });
  return { parent, groups, merged };
}

/** The template with each `{ Ref: <parameter> }` replaced by the parameter's value. */
function bindParameters(template: CfnTemplate, values: Json): CfnTemplate {
  const bind = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(bind);
    if (node === null || typeof node !== 'object') return node;
    const entries = Object.entries(node as Json);
    const [only] = entries;
    if (entries.length === 1 && only?.[0] === 'Ref' && typeof only[1] === 'string' && only[1] in values) {
      return values[only[1]];
    }
    return Object.fromEntries(entries.map(([key, value]) => [key, bind(value)]));
  };
  const { Parameters: _bound, ...rest } = template;
  return bind(rest) as CfnTemplate;
}
