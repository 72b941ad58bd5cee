// The three AWS reads `--stack` needs besides DynamoDB, through their SDK clients, behind one small
// interface so stack-target.ts does not care how they are made:
// - CloudFormation DescribeStacks: a stack's outputs;
// - Lambda GetFunctionConfiguration: a function's environment;
// - CloudWatch DescribeAlarms: alarm states, at most 100 names a call.
// Each client is built as the target's DynamoDB client is (awsClientOptions), so region, `--profile`, the
// default credential chain and `AWS_ENDPOINT_URL_<SERVICE>` behave as they do for every other AWS tool.
import {
  CloudFormationClient,
  DescribeStacksCommand,
  type DescribeStacksCommandOutput,
} from '@aws-sdk/client-cloudformation';
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  type DescribeAlarmsCommandOutput,
} from '@aws-sdk/client-cloudwatch';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { type AwsCall, firstLineOf, operatorAwsError } from './aws-call-errors.js';
import type { AlarmState } from './target.js';
import { AwsCredentialsError, StackNotFoundError } from './target-errors.js';

export interface StackOutput {
  readonly key: string;
  readonly value: string;
}

export interface OperatorAwsApi {
  /** The stack's outputs; StackNotFoundError when there is no such stack. `stack` is a name or a stack id. */
  stackOutputs(stack: string): Promise<readonly StackOutput[]>;
  /** The function's environment variables (its configuration, never its code). */
  functionEnvironment(functionName: string): Promise<Readonly<Record<string, string>>>;
  alarmStates(alarmNames: readonly string[]): Promise<readonly AlarmState[]>;
}

/** The API with the region its clients resolved, for the target's other clients and its description. */
export interface OperatorAws {
  readonly region: string;
  readonly api: OperatorAwsApi;
  /** Destroys the clients (their sockets). */
  close(): void;
}

export interface AwsClientOptions {
  readonly region?: string;
  readonly profile?: string;
}

/** The configuration of every SDK client of a `--stack` target: its region and, if given, `--profile`. */
export function awsClientOptions(region: string | undefined, profile: string | undefined): AwsClientOptions {
  return { ...(region ? { region } : {}), ...(profile ? { profile } : {}) };
}

/**
 * DescribeAlarms takes at most 100 alarm names, and MaxRecords at most 100
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarms.html).
 */
export const ALARM_NAMES_PER_CALL = 100;

/**
 * Resolves the region and the credentials once, before any request, so that a missing region or missing
 * credentials end in their own sentence rather than in the first call's; the clients keep the credentials
 * they resolved (and refresh them as the SDK does).
 */
export async function openOperatorAws(options: {
  readonly region?: string | undefined;
  readonly profile?: string | undefined;
}): Promise<OperatorAws> {
  const cloudFormation = new CloudFormationClient(awsClientOptions(options.region, options.profile));
  let region: string;
  try {
    region = await cloudFormation.config.region();
  } catch {
    cloudFormation.destroy();
    throw new AwsCredentialsError(
      'no AWS region: pass --region, set AWS_REGION, or give the profile a region',
      options.profile,
    );
  }
  try {
    await cloudFormation.config.credentials();
  } catch (error) {
    cloudFormation.destroy();
    throw new AwsCredentialsError(`no usable AWS credentials (${firstLineOf(error)})`, options.profile);
  }
  const clientOptions = awsClientOptions(region, options.profile);
  const lambda = new LambdaClient(clientOptions);
  const cloudWatch = new CloudWatchClient(clientOptions);
  return {
    region,
    api: sdkOperatorApi({ cloudFormation, lambda, cloudWatch }, { region, profile: options.profile }),
    close() {
      cloudFormation.destroy();
      lambda.destroy();
      cloudWatch.destroy();
    },
  };
}

interface OperatorClients {
  readonly cloudFormation: CloudFormationClient;
  readonly lambda: LambdaClient;
  readonly cloudWatch: CloudWatchClient;
}

function sdkOperatorApi(
  clients: OperatorClients,
  where: { readonly region: string; readonly profile: string | undefined },
): OperatorAwsApi {
  const call = (action: string, service: string): AwsCall => ({ action, service, ...where });

  return {
    async stackOutputs(stack) {
      let answer: DescribeStacksCommandOutput;
      try {
        answer = await clients.cloudFormation.send(new DescribeStacksCommand({ StackName: stack }));
      } catch (error) {
        // "If the stack doesn't exist, a ValidationError is returned", its message "Stack with id <name> does
        // not exist" (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStacks.html);
        // StackNotFoundException, which newer CloudFormation actions answer, is taken as the same.
        if (
          isNamed(error, 'StackNotFoundException') ||
          (isNamed(error, 'ValidationError') && /does not exist/.test(firstLineOf(error)))
        ) {
          throw new StackNotFoundError(stack, where.region);
        }
        throw operatorAwsError(error, call('DescribeStacks', 'CloudFormation'));
      }
      const [described] = answer.Stacks ?? [];
      return (described?.Outputs ?? []).map((output) => ({
        key: output.OutputKey ?? '',
        value: output.OutputValue ?? '',
      }));
    },

    async functionEnvironment(functionName) {
      try {
        const configuration = await clients.lambda.send(
          new GetFunctionConfigurationCommand({ FunctionName: functionName }),
        );
        return configuration.Environment?.Variables ?? {};
      } catch (error) {
        throw operatorAwsError(error, call('GetFunctionConfiguration', 'Lambda'));
      }
    },

    async alarmStates(alarmNames) {
      const states: AlarmState[] = [];
      for (let first = 0; first < alarmNames.length; first += ALARM_NAMES_PER_CALL) {
        const names = alarmNames.slice(first, first + ALARM_NAMES_PER_CALL);
        let nextToken: string | undefined;
        do {
          let answer: DescribeAlarmsCommandOutput;
          try {
            answer = await clients.cloudWatch.send(
              new DescribeAlarmsCommand({
                AlarmNames: names,
                MaxRecords: ALARM_NAMES_PER_CALL,
                ...(nextToken ? { NextToken: nextToken } : {}),
              }),
            );
          } catch (error) {
            throw operatorAwsError(error, call('DescribeAlarms', 'CloudWatch'));
          }
          // Only metric alarms: without AlarmTypes DescribeAlarms returns metric alarms only (the same page),
          // and the stack makes no composite ones.
          for (const alarm of answer.MetricAlarms ?? []) {
            states.push({
              name: alarm.AlarmName ?? '',
              state: alarm.StateValue ?? '',
              ...(alarm.StateReason ? { reason: alarm.StateReason } : {}),
              ...(alarm.StateUpdatedTimestamp
                ? { updatedAt: alarm.StateUpdatedTimestamp.toISOString() }
                : {}),
            });
          }
          nextToken = answer.NextToken;
        } while (nextToken);
      }
      return states;
    },
  };
}

function isNamed(error: unknown, name: string): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === name;
}
