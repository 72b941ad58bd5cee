// What the operator commands' CloudFormation, Lambda and CloudWatch reads end in when AWS refuses them,
// answers with an error, or does not answer; and how alarm names are paged. The services are
// aws-sdk-client-mock stubs (no local engine) answering with the SDK's own exception classes; the
// credential and network failures are the SDK's real ones (an empty credential chain, a closed port).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { GetFunctionConfigurationCommand, LambdaServiceException } from '@aws-sdk/client-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ALARM_NAMES_PER_CALL, openOperatorAws } from '../../../infra/cli/aws-operator-api.js';
import {
  AwsApiError,
  AwsCredentialsError,
  CREDENTIAL_ERROR_CODES,
  StackNotFoundError,
} from '../../../infra/cli/target-errors.js';
import { mockOperatorAws, type OperatorAwsMock, serviceError } from '../../support/operator-aws-mock.js';

const NOWHERE = 'http://127.0.0.1:9';

/** Keys in the environment, and a profile `on-call` in a credentials file of its own. */
function stubAwsEnvironment(): void {
  const dir = mkdtempSync(join(tmpdir(), 'syncwarden-aws-'));
  writeFileSync(
    join(dir, 'credentials'),
    '[on-call]\naws_access_key_id = AKIDONCALLPROFILE\naws_secret_access_key = on-call-secret\n',
  );
  vi.stubEnv('AWS_CONFIG_FILE', join(dir, 'config'));
  vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', join(dir, 'credentials'));
  vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
  vi.stubEnv('AWS_PROFILE', undefined);
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDOPERATORAPI');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'operator-api-test-secret');
  vi.stubEnv('AWS_REGION', 'eu-west-1');
  // A stub that misses sends its request to a port nobody listens on, never to AWS.
  vi.stubEnv('AWS_ENDPOINT_URL_CLOUDFORMATION', NOWHERE);
  vi.stubEnv('AWS_ENDPOINT_URL_LAMBDA', NOWHERE);
  vi.stubEnv('AWS_ENDPOINT_URL_CLOUDWATCH', NOWHERE);
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('an AWS answer that is an error', () => {
  let aws: OperatorAwsMock;
  beforeEach(() => {
    stubAwsEnvironment();
    aws = mockOperatorAws();
  });
  afterEach(() => aws.restore());

  it('is StackNotFoundError, naming the stack and the region, when CloudFormation has no such stack', async () => {
    const { api, close } = await openOperatorAws({ profile: undefined });

    const described = api.stackOutputs('Gone');

    await expect(described).rejects.toThrow(StackNotFoundError);
    await expect(described).rejects.toThrow(
      'stack Gone does not exist in eu-west-1 (CloudFormation DescribeStacks): check the name',
    );
    close();
  });

  it('is StackNotFoundError for a StackNotFoundException too', async () => {
    aws.cloudFormation
      .on(DescribeStacksCommand)
      .rejects(serviceError('StackNotFoundException', 404, 'The specified stack ARN does not exist'));
    const { api, close } = await openOperatorAws({});

    await expect(api.stackOutputs('Gone')).rejects.toThrow('stack Gone does not exist in eu-west-1');
    close();
  });

  it('is an AwsApiError with the status, code and message for a ValidationError about anything else', async () => {
    aws.cloudFormation
      .on(DescribeStacksCommand)
      .rejects(
        serviceError('ValidationError', 400, "1 validation error detected: Value 'a b' at 'stackName'"),
      );
    const { api, close } = await openOperatorAws({});

    const described = api.stackOutputs('a b');

    await expect(described).rejects.toThrow(AwsApiError);
    await expect(described).rejects.toThrow(
      "DescribeStacks failed: HTTP 400 ValidationError: 1 validation error detected: Value 'a b' at 'stackName'",
    );
    close();
  });

  it.each([...CREDENTIAL_ERROR_CODES])(
    'is AwsCredentialsError, naming the code, the profile and the chain, for %s',
    async (code) => {
      vi.stubEnv('AWS_ACCESS_KEY_ID', undefined);
      vi.stubEnv('AWS_SECRET_ACCESS_KEY', undefined);
      aws.state.refusals.set('Prod', code);
      const { api, close } = await openOperatorAws({ profile: 'on-call' });

      const described = api.stackOutputs('Prod');

      await expect(described).rejects.toThrow(AwsCredentialsError);
      await expect(described).rejects.toThrow(
        `AWS refused the credentials (${code}: The security token included in the request is expired) (profile on-call): the default credential chain looks at AWS_ACCESS_KEY_ID`,
      );
      close();
    },
  );

  it("is AwsCredentialsError when Lambda or CloudWatch refuse the credentials, in their services' codes", async () => {
    aws.lambda.on(GetFunctionConfigurationCommand).rejects(
      new LambdaServiceException({
        name: 'UnrecognizedClientException',
        $fault: 'client',
        $metadata: { httpStatusCode: 403 },
        message: 'The security token included in the request is invalid.',
      }),
    );
    aws.cloudWatch
      .on(DescribeAlarmsCommand)
      .rejects(
        serviceError('InvalidClientTokenId', 403, 'The security token included in the request is invalid.'),
      );
    const { api, close } = await openOperatorAws({});

    await expect(api.functionEnvironment('f')).rejects.toThrow(
      'AWS refused the credentials (UnrecognizedClientException: The security token included in the request is invalid.): ',
    );
    await expect(api.alarmStates(['a'])).rejects.toThrow(
      'AWS refused the credentials (InvalidClientTokenId: The security token included in the request is invalid.): ',
    );
    close();
  });

  it('is an AwsApiError naming the action and the refused permission when access is denied', async () => {
    aws.lambda.on(GetFunctionConfigurationCommand).rejects(
      new LambdaServiceException({
        name: 'AccessDeniedException',
        $fault: 'client',
        $metadata: { httpStatusCode: 403 },
        message:
          'User: arn:aws:iam::123456789012:user/ops is not authorized to perform: lambda:GetFunctionConfiguration',
      }),
    );
    const { api, close } = await openOperatorAws({});

    const read = api.functionEnvironment('Prod-Jobs07-JobSync-1Q2W3E');

    await expect(read).rejects.toThrow(AwsApiError);
    await expect(read).rejects.toThrow(
      'GetFunctionConfiguration failed: HTTP 403 AccessDeniedException: User: arn:aws:iam::123456789012:user/ops is not authorized to perform: lambda:GetFunctionConfiguration',
    );
    close();
  });

  it("is an AwsApiError with the function's name for a function that does not exist", async () => {
    const { api, close } = await openOperatorAws({});

    await expect(api.functionEnvironment('Gone')).rejects.toThrow(
      'GetFunctionConfiguration failed: HTTP 404 ResourceNotFoundException: Function not found: Gone',
    );
    close();
  });

  it('keeps the status and the first line of the message of an answer the SDK could not read', async () => {
    const unreadable = Object.assign(
      new SyntaxError(
        `Unexpected token '<', "<html>" is not valid JSON\n  Deserialization error: to see the raw response, inspect the hidden field {error}.$response on this object.`,
      ),
      { $metadata: { httpStatusCode: 502 } },
    );
    aws.cloudWatch.on(DescribeAlarmsCommand).rejects(unreadable);
    const { api, close } = await openOperatorAws({});

    await expect(api.alarmStates(['a'])).rejects.toThrow(
      /^DescribeAlarms failed: HTTP 502 SyntaxError: Unexpected token '<', "<html>" is not valid JSON$/,
    );
    close();
  });
});

describe('credentials the chain cannot give', () => {
  let aws: OperatorAwsMock;
  beforeEach(() => {
    stubAwsEnvironment();
    aws = mockOperatorAws();
  });
  afterEach(() => aws.restore());

  it('end in AwsCredentialsError before any request, naming the profile', async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', undefined);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', undefined);

    const opened = openOperatorAws({ profile: 'on-leave' });

    await expect(opened).rejects.toThrow(AwsCredentialsError);
    await expect(opened).rejects.toThrow(
      /^no usable AWS credentials \(.+\) \(profile on-leave\): the default credential chain looks at/,
    );
    expect(aws.cloudFormation.calls()).toHaveLength(0);
  });

  it("end in AwsCredentialsError when they stop coming mid-command (the SDK's CredentialsProviderError)", async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', undefined);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', undefined);
    const chainOnly = new CloudFormationClient({ region: 'eu-west-1' });
    const providerError = await chainOnly.config.credentials().then(
      () => undefined,
      (error: unknown) => error,
    );
    chainOnly.destroy();
    expect(providerError).toMatchObject({ name: 'CredentialsProviderError' });
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDOPERATORAPI');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'operator-api-test-secret');
    aws.cloudWatch.on(DescribeAlarmsCommand).rejects(providerError as Error);
    const { api, close } = await openOperatorAws({});

    const read = api.alarmStates(['a']);

    await expect(read).rejects.toThrow(AwsCredentialsError);
    await expect(read).rejects.toThrow(/^no usable AWS credentials \(.+\): the default credential chain/);
    close();
  });

  it('say so when there is no region: --region, AWS_REGION or the profile', async () => {
    vi.stubEnv('AWS_REGION', undefined);
    vi.stubEnv('AWS_DEFAULT_REGION', undefined);

    await expect(openOperatorAws({})).rejects.toThrow(
      'no AWS region: pass --region, set AWS_REGION, or give the profile a region',
    );
  });
});

describe('a service that does not answer', () => {
  beforeEach(stubAwsEnvironment);

  it('is named, with its region and the connection error, after the SDK gave up retrying', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    vi.stubEnv('AWS_ENDPOINT_URL_LAMBDA', `http://127.0.0.1:${closedPort}`);
    const { api, close } = await openOperatorAws({});

    const read = api.functionEnvironment('Prod-Jobs07-JobSync-1Q2W3E');

    await expect(read).rejects.toThrow(
      new RegExp(
        `^GetFunctionConfiguration: Lambda in eu-west-1 did not answer \\(connect ECONNREFUSED 127\\.0\\.0\\.1:${closedPort}\\)$`,
      ),
    );
    close();
  });
});

describe('alarm states', () => {
  let aws: OperatorAwsMock;
  beforeEach(() => {
    stubAwsEnvironment();
    aws = mockOperatorAws();
  });
  afterEach(() => aws.restore());

  it('are asked 100 names a call, each call followed through its NextToken', async () => {
    const names = Array.from({ length: 150 }, (_, i) => `alarm-${i}`);
    // CloudWatch may page even within 100 names: the first call's answer comes in two pages.
    aws.cloudWatch.on(DescribeAlarmsCommand).callsFake(async ({ AlarmNames = [], NextToken }) => {
      const page = AlarmNames[0] === 'alarm-0' ? (NextToken === 'page-2' ? 2 : 1) : 0;
      const answered = page === 1 ? AlarmNames.slice(0, 60) : page === 2 ? AlarmNames.slice(60) : AlarmNames;
      return {
        MetricAlarms: answered.map((name: string) => ({
          AlarmName: name,
          StateValue: 'OK' as const,
          StateUpdatedTimestamp: new Date('2026-12-03T04:00:00Z'),
        })),
        ...(page === 1 ? { NextToken: 'page-2' } : {}),
      };
    });
    const { api, close } = await openOperatorAws({});

    const states = await api.alarmStates(names);
    close();

    const asked = aws.cloudWatch.commandCalls(DescribeAlarmsCommand).map((call) => call.args[0].input);
    expect(asked).toEqual([
      { AlarmNames: names.slice(0, 100), MaxRecords: ALARM_NAMES_PER_CALL },
      { AlarmNames: names.slice(0, 100), MaxRecords: ALARM_NAMES_PER_CALL, NextToken: 'page-2' },
      { AlarmNames: names.slice(100), MaxRecords: ALARM_NAMES_PER_CALL },
    ]);
    expect(states.map((state) => state.name)).toEqual(names);
    expect(states[0]).toEqual({ name: 'alarm-0', state: 'OK', updatedAt: '2026-12-03T04:00:00.000Z' });
  });

  it('are not asked for when a job has no alarms', async () => {
    const { api, close } = await openOperatorAws({});

    expect(await api.alarmStates([])).toEqual([]);
    close();

    expect(aws.cloudWatch.calls()).toHaveLength(0);
  });
});
