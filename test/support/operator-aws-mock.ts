// CloudFormation, Lambda and CloudWatch as the operator commands' `--stack` reads them, through
// aws-sdk-client-mock (these services have no local engine): stacks by name or id, functions' environments,
// alarm states. Misses and refusals are the SDK exceptions their clients throw for AWS's answers (the error
// code as `name`, the HTTP status in `$metadata`), so the code under test maps the same shapes it meets.
import {
  CloudFormationClient,
  CloudFormationServiceException,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import {
  CloudWatchClient,
  CloudWatchServiceException,
  DescribeAlarmsCommand,
  type MetricAlarm,
} from '@aws-sdk/client-cloudwatch';
import {
  GetFunctionConfigurationCommand,
  LambdaClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { vi } from 'vitest';

export const ALARM_UPDATED_AT = '2026-12-03T04:00:00.000Z';

export interface OperatorAwsState {
  /** Outputs by stack name or stack id. */
  readonly stacks: Map<string, Readonly<Record<string, string>>>;
  readonly functions: Map<string, Readonly<Record<string, string>>>;
  readonly alarms: Map<string, { readonly state: string; readonly reason: string }>;
  /** A stack name answered with this error code (HTTP 403), e.g. ExpiredToken. */
  readonly refusals: Map<string, string>;
}

/** The mocks, answering from one state; `resetHistory()` forgets the calls and keeps the answers. */
export function mockOperatorAws() {
  const state: OperatorAwsState = {
    stacks: new Map(),
    functions: new Map(),
    alarms: new Map(),
    refusals: new Map(),
  };
  const cloudFormation = mockClient(CloudFormationClient);
  const lambda = mockClient(LambdaClient);
  const cloudWatch = mockClient(CloudWatchClient);

  cloudFormation.on(DescribeStacksCommand).callsFake(async ({ StackName }) => {
    const name = String(StackName);
    const refusal = state.refusals.get(name);
    if (refusal) {
      throw serviceError(refusal, 403, 'The security token included in the request is expired');
    }
    const outputs = state.stacks.get(name);
    if (!outputs) throw serviceError('ValidationError', 400, `Stack with id ${name} does not exist`);
    return {
      Stacks: [
        {
          StackName: name,
          StackStatus: 'UPDATE_COMPLETE',
          CreationTime: new Date(ALARM_UPDATED_AT),
          Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
        },
      ],
    };
  });

  lambda.on(GetFunctionConfigurationCommand).callsFake(async ({ FunctionName }) => {
    const variables = state.functions.get(String(FunctionName));
    if (!variables) {
      throw new ResourceNotFoundException({
        $metadata: { httpStatusCode: 404 },
        message: `Function not found: ${FunctionName}`,
      });
    }
    return { FunctionName, Environment: { Variables: { ...variables } } };
  });

  cloudWatch.on(DescribeAlarmsCommand).callsFake(async ({ AlarmNames = [] }) => {
    // DescribeAlarms refuses more than 100 names (CloudWatch API reference, DescribeAlarms, AlarmNames).
    if (AlarmNames.length > 100) {
      throw new CloudWatchServiceException({
        name: 'InvalidParameterValue',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
        message: 'The collection AlarmNames must not have a size greater than 100.',
      });
    }
    const found: MetricAlarm[] = AlarmNames.flatMap((name: string) => {
      const alarm = state.alarms.get(name);
      return alarm
        ? [
            {
              AlarmName: name,
              StateValue: alarm.state as MetricAlarm['StateValue'],
              StateReason: alarm.reason,
              StateUpdatedTimestamp: new Date(ALARM_UPDATED_AT),
            },
          ]
        : [];
    });
    return { MetricAlarms: found, CompositeAlarms: [] };
  });

  return {
    state,
    cloudFormation,
    lambda,
    cloudWatch,
    resetHistory() {
      cloudFormation.resetHistory();
      lambda.resetHistory();
      cloudWatch.resetHistory();
    },
    restore() {
      cloudFormation.restore();
      lambda.restore();
      cloudWatch.restore();
    },
  };
}

export type OperatorAwsMock = ReturnType<typeof mockOperatorAws>;

type ServiceExceptionClass = new (
  options: ConstructorParameters<typeof CloudFormationServiceException>[0],
) => Error;

/** An error AWS answered with, as the service's SDK client throws it (CloudFormation's unless told). */
export function serviceError(
  code: string,
  status: number,
  message: string,
  Exception: ServiceExceptionClass = CloudFormationServiceException,
): Error {
  return new Exception({
    name: code,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
    message,
  });
}

/**
 * The environment of an operator command against a mocked stack, for one test: static credentials in
 * eu-west-1 and no profile or instance role to find, DynamoDB at `dynamoDbEndpoint` (DynamoDB Local), and
 * every mocked service's endpoint a port nobody listens on: should a mock miss, nothing reaches AWS.
 * Undone by vi.unstubAllEnvs().
 */
export function stubOperatorEnv(dynamoDbEndpoint: string, accessKeyId = 'AKIDSYNCWARDENCLI'): void {
  vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
  vi.stubEnv('AWS_PROFILE', '');
  vi.stubEnv('AWS_ACCESS_KEY_ID', accessKeyId);
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'cli-test-secret-access-key');
  vi.stubEnv('AWS_REGION', 'eu-west-1');
  for (const service of ['CLOUDFORMATION', 'LAMBDA', 'CLOUDWATCH', 'SECRETS_MANAGER']) {
    vi.stubEnv(`AWS_ENDPOINT_URL_${service}`, 'http://127.0.0.1:9');
  }
  vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', dynamoDbEndpoint);
}
