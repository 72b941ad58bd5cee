// The outputs `syncwarden ... --stack` reads (infra/cli/stack-target.ts): the parent names each job group's
// stack, and each group has one JSON output per job naming its function, secret and every one of its alarms.
import { describe, expect, it } from 'vitest';
import { groupId } from '../../infra/config/job-groups.js';
import { exampleConfig, groupTemplateOf, synthesize } from './fixture.js';

type Json = Record<string, unknown>;

const secondJob = { ...(exampleConfig().jobs as Json[])[0], name: 'line-two', group: 3, rotation: undefined };
const { stack, templates } = synthesize({
  ...exampleConfig(),
  jobs: [...(exampleConfig().jobs as Json[]), secondJob],
});

/** An output's value with each `{ Ref: X }` written as `<Ref X>` (and GetAtt alike), as one string (what toJsonString builds). */
function joined(value: unknown): string {
  if (typeof value === 'string') return value;
  const node = value as { 'Fn::Join'?: [string, unknown[]]; Ref?: string; 'Fn::GetAtt'?: string[] };
  if (node.Ref) return `<Ref ${node.Ref}>`;
  if (node['Fn::GetAtt']) return `<GetAtt ${node['Fn::GetAtt'].join('.')}>`;
  if (node['Fn::Join']) return node['Fn::Join'][1].map(joined).join(node['Fn::Join'][0]);
  throw new Error(`unexpected output value ${JSON.stringify(value)}`);
}

function operatorOutputs(job: { name: string; group?: number }) {
  const outputs = groupTemplateOf(templates, job).toJSON().Outputs as Record<string, { Value: unknown }>;
  return Object.values(outputs)
    .map((output) => joined(output.Value))
    .filter((value) => value.startsWith('{'))
    .map(
      (value) =>
        JSON.parse(value) as {
          syncwardenJob: string;
          functionName: string;
          secretId: string;
          alarms: string[];
        },
    );
}

describe('the outputs the operator commands read', () => {
  it("name each job group's nested stack in the parent, by its stack id", () => {
    const outputs = templates.parent.toJSON().Outputs as Record<string, { Value: unknown }>;
    for (const group of stack.jobGroups) {
      const logicalId = stack.getLogicalId(group.nestedStackResource as never);
      expect(outputs[`${groupId(group.group)}StackId`]?.Value).toEqual({ Ref: logicalId });
    }
    expect(stack.jobGroups).toHaveLength(2);
  });

  it.each(['sensor-stream', 'line-two'])(
    'give job %s one JSON output in its group: its function, its secret and exactly its alarms',
    (name) => {
      const job = name === 'line-two' ? { name, group: 3 } : { name };
      const group = groupTemplateOf(templates, job);
      const [output, ...others] = operatorOutputs(job).filter((value) => value.syncwardenJob === name);

      expect(others).toEqual([]);
      const functions = group.findResources('AWS::Lambda::Function', {
        // The sync's, not its audit's (which has the same SYNC_JOB_NAME).
        Properties: {
          Description: `syncwarden sync job ${name}`,
          Environment: { Variables: { SYNC_JOB_NAME: name } },
        },
      });
      expect(output?.functionName).toBe(`<Ref ${Object.keys(functions)[0]}>`);
      const secrets = group.findResources('AWS::SecretsManager::Secret', {
        Properties: { Name: `SyncWarden/${name}/app-key` },
      });
      expect(output?.secretId).toBe(`<Ref ${Object.keys(secrets)[0]}>`);
      const alarmNames = Object.values(group.findResources('AWS::CloudWatch::Alarm'))
        .map((alarm) => (alarm as { Properties: { AlarmName: string } }).Properties.AlarmName)
        .filter((alarmName) => alarmName.startsWith(`SyncWarden-${name}-`));
      // Its own alarms: the Lambda's errors and dead letters, and with rotation the rotation's (job
      // problems are the deployment's job-problems alarm, whose contributors name the job).
      expect(alarmNames).toEqual(
        expect.arrayContaining([`SyncWarden-${name}-lambda-errors`, `SyncWarden-${name}-dead-letters`]),
      );
      expect([...(output?.alarms ?? [])].sort()).toEqual(alarmNames.sort());
    },
  );
});
