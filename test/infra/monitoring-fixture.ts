// What the monitoring tests share: the example deployment synthesized once (without bundling: the code does
// not matter here), its alarms by name, and dimensions as CloudFormation lists them.
import type { CfnResource } from 'aws-cdk-lib';
import { exampleConfig, only, synthesize } from './fixture.js';

export type Json = Record<string, unknown>;

export const example = synthesize({ ...exampleConfig(), alarmEmail: 'ops@example.com' });
const { stack, template } = example;
const [firstJob] = stack.jobs;
if (!firstJob) throw new Error('the example configuration has one job');
export const job = firstJob;

export const logicalId = (construct: { node: { defaultChild?: unknown } }) =>
  stack.getLogicalId(construct.node.defaultChild as CfnResource);
export const topic = { Ref: logicalId(stack.alarmTopic.topic) };

export const alarm = (name: string) =>
  only(template, 'AWS::CloudWatch::Alarm', { AlarmName: `SyncWarden-${name}` }).resource.Properties as Json;

/** As CloudFormation gets them: sorted by name (code-point order, so `service` comes last). */
export const dimensions = (map: Record<string, string>) =>
  Object.entries({ service: 'syncwarden', ...map })
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([Name, Value]) => ({ Name, Value }));
