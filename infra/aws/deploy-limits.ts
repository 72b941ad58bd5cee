// CloudFormation's per-template quotas, checked at synth so that a configuration over one fails with a
// sentence naming the limit, the count and the remedy, never with CDK's TooManyResourcesInStack stack
// trace or a deploy that CloudFormation refuses half-way. Two moments: before CDK synthesizes (resources
// and outputs, counted in the construct tree; CDK's own resource check would throw first otherwise), and
// after (template bytes, parameters, outputs and mappings of every template written, nested ones included).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CfnOutput, CfnResource, NestedStack, Stack } from 'aws-cdk-lib';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import type { IConstruct } from 'constructs';

/**
 * "Understand CloudFormation quotas", AWS CloudFormation User Guide
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html): 500 resources,
 * 200 parameters, 200 outputs and 200 mappings per template, and 1 MB for a template body passed as an Amazon
 * S3 URL, which is how the CDK CLI deploys a large parent template and how every nested template is passed
 * (TemplateURL, "max size: 1 MB", CreateStack API reference). 1 MB is read as 1,000,000 bytes, the stricter
 * reading.
 */
export const CLOUDFORMATION_LIMITS = {
  maxResources: 500,
  maxTemplateBytes: 1_000_000,
  maxParameters: 200,
  maxOutputs: 200,
  maxMappings: 200,
} as const;

/** A configuration the deploy cannot hold: the message is one sentence with the limit, the count and the remedy. */
export class DeployLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeployLimitError';
  }
}

/** What to do about a stack over a limit: jobs are what grow a stack. */
const REMEDY =
  "split the jobs over two deployments (two configuration files with different stackName values), or remove jobs; a group's jobs are fixed by their names (README: How jobs are grouped)";

function describeStack(stack: Stack): string {
  return NestedStack.isNestedStack(stack) ? `nested stack ${stack.node.id}` : `stack ${stack.stackName}`;
}

/** Resources and outputs counted in the construct tree, before CDK synthesizes (and applies its own check). */
export function checkConstructCounts(root: IConstruct): void {
  const counts = new Map<Stack, { resources: number; outputs: number }>();
  for (const construct of root.node.findAll()) {
    const isResource = CfnResource.isCfnResource(construct);
    const isOutput = construct instanceof CfnOutput;
    if (!isResource && !isOutput) continue;
    const stack = Stack.of(construct);
    const count = counts.get(stack) ?? { resources: 0, outputs: 0 };
    if (isResource) count.resources += 1;
    if (isOutput) count.outputs += 1;
    counts.set(stack, count);
  }
  for (const [stack, { resources, outputs }] of counts) {
    const { maxResources, maxOutputs } = CLOUDFORMATION_LIMITS;
    if (resources > maxResources) {
      throw new DeployLimitError(
        `The ${describeStack(stack)} would hold ${resources} resources, over CloudFormation's limit of ${maxResources} per stack: ${REMEDY}.`,
      );
    }
    if (outputs > maxOutputs) {
      throw new DeployLimitError(
        `The ${describeStack(stack)} would declare ${outputs} outputs, over CloudFormation's limit of ${maxOutputs} per template: ${REMEDY}.`,
      );
    }
  }
}

interface TemplateFigures {
  readonly name: string;
  readonly bytes: number;
  readonly resources: number;
  readonly parameters: number;
  readonly outputs: number;
  readonly mappings: number;
}

/** Every template written: each stack's in the construct tree, nested ones included (beside their parent). */
export function templateFigures(root: IConstruct, assembly: CloudAssembly): TemplateFigures[] {
  return root.node
    .findAll()
    .filter((construct): construct is Stack => Stack.isStack(construct))
    .map((stack) => measure(describeStack(stack), join(assembly.directory, stack.templateFile)));
}

function measure(name: string, path: string): TemplateFigures {
  const text = readFileSync(path, 'utf8');
  const template = JSON.parse(text) as Record<string, Record<string, unknown> | undefined>;
  const count = (section: string) => Object.keys(template[section] ?? {}).length;
  return {
    name,
    bytes: Buffer.byteLength(text),
    resources: count('Resources'),
    parameters: count('Parameters'),
    outputs: count('Outputs'),
    mappings: count('Mappings'),
  };
}

/** The synthesized templates against every limit; throws the first one over as a sentence. */
export function checkTemplates(root: IConstruct, assembly: CloudAssembly): void {
  const { maxTemplateBytes, maxResources, maxParameters, maxOutputs, maxMappings } = CLOUDFORMATION_LIMITS;
  for (const template of templateFigures(root, assembly)) {
    const over = (what: string, count: number, limit: number, unit: string) =>
      new DeployLimitError(
        `The template of the ${template.name} ${what} ${count.toLocaleString('en-US')} ${unit}, over CloudFormation's limit of ${limit.toLocaleString('en-US')} ${unit} per template: ${REMEDY}.`,
      );
    if (template.bytes > maxTemplateBytes) throw over('is', template.bytes, maxTemplateBytes, 'bytes');
    if (template.resources > maxResources) throw over('holds', template.resources, maxResources, 'resources');
    if (template.parameters > maxParameters)
      throw over('declares', template.parameters, maxParameters, 'parameters');
    if (template.outputs > maxOutputs) throw over('declares', template.outputs, maxOutputs, 'outputs');
    if (template.mappings > maxMappings) throw over('declares', template.mappings, maxMappings, 'mappings');
  }
}
