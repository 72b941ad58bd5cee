// The three AWS reads `--stack` needs besides DynamoDB, behind one small interface so stack-target.ts
// does not care how they are made (aws-signed-request.ts says why not through SDK clients):
// - CloudFormation DescribeStacks, Query protocol (API version 2010-05-15), XML answers;
// - Lambda GetFunctionConfiguration, REST-JSON (`GET /2015-03-31/functions/<name>/configuration`);
// - CloudWatch DescribeAlarms, Query protocol (API version 2010-08-01), at most 100 names a call.
// Request and answer shapes: the CloudFormation, Lambda and CloudWatch API references (DescribeStacks,
// GetFunctionConfiguration, DescribeAlarms; "Common Errors" for the Query protocol's ErrorResponse).
import { parseXML } from '@aws-sdk/xml-builder';
import type { AwsRequest, AwsResponse, AwsSession } from './aws-signed-request.js';
import type { AlarmState } from './target.js';
import {
  AwsApiError,
  AwsCredentialsError,
  CREDENTIAL_ERROR_CODES,
  StackNotFoundError,
} from './target-errors.js';

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

/** DescribeAlarms takes at most 100 alarm names (CloudWatch API reference, DescribeAlarms, AlarmNames). */
const ALARM_NAMES_PER_CALL = 100;

export function signedOperatorApi(session: AwsSession): OperatorAwsApi {
  const call = async (action: string, request: AwsRequest): Promise<AwsResponse> => {
    let response: AwsResponse;
    try {
      response = await session.send(request);
    } catch (error) {
      throw new Error(
        `${action}: ${request.service} in ${session.region} did not answer (${error instanceof Error ? error.message : String(error)})`,
      );
    }
    if (response.status < 300) return response;
    const { code, message } = errorOf(response);
    if (CREDENTIAL_ERROR_CODES.has(code)) {
      throw new AwsCredentialsError(`AWS refused the credentials (${code}: ${message})`, session.profile);
    }
    if (action === 'DescribeStacks' && code === 'ValidationError' && /does not exist/.test(message)) {
      throw new StackNotFoundError(stackNameOf(request.body), session.region);
    }
    throw new AwsApiError(action, response.status, code, message);
  };

  return {
    async stackOutputs(stack) {
      const response = await call(
        'DescribeStacks',
        queryRequest('cloudformation', 'CLOUDFORMATION', {
          Action: 'DescribeStacks',
          Version: '2010-05-15',
          StackName: stack,
        }),
      );
      const result = parsed(response).DescribeStacksResponse?.DescribeStacksResult;
      const [described] = members(result?.Stacks);
      return members(described?.Outputs).map((output) => ({
        key: String(output.OutputKey ?? ''),
        value: String(output.OutputValue ?? ''),
      }));
    },

    async functionEnvironment(functionName) {
      const response = await call('GetFunctionConfiguration', {
        service: 'lambda',
        serviceId: 'LAMBDA',
        method: 'GET',
        path: `/2015-03-31/functions/${encodeURIComponent(functionName)}/configuration`,
      });
      const configuration = JSON.parse(response.body) as {
        Environment?: { Variables?: Record<string, string> };
      };
      return configuration.Environment?.Variables ?? {};
    },

    async alarmStates(alarmNames) {
      const states: AlarmState[] = [];
      for (let first = 0; first < alarmNames.length; first += ALARM_NAMES_PER_CALL) {
        const names = alarmNames.slice(first, first + ALARM_NAMES_PER_CALL);
        let nextToken: string | undefined;
        do {
          const response = await call(
            'DescribeAlarms',
            queryRequest('monitoring', 'CLOUDWATCH', {
              Action: 'DescribeAlarms',
              Version: '2010-08-01',
              MaxRecords: '100',
              ...Object.fromEntries(names.map((name, i) => [`AlarmNames.member.${i + 1}`, name])),
              ...(nextToken ? { NextToken: nextToken } : {}),
            }),
          );
          const result = parsed(response).DescribeAlarmsResponse?.DescribeAlarmsResult;
          for (const alarm of members(result?.MetricAlarms)) {
            states.push({
              name: String(alarm.AlarmName),
              state: String(alarm.StateValue),
              ...(alarm.StateReason ? { reason: String(alarm.StateReason) } : {}),
              ...(alarm.StateUpdatedTimestamp ? { updatedAt: String(alarm.StateUpdatedTimestamp) } : {}),
            });
          }
          nextToken = result?.NextToken ? String(result.NextToken) : undefined;
        } while (nextToken);
      }
      return states;
    },
  };
}

function queryRequest(service: string, serviceId: string, parameters: Record<string, string>): AwsRequest {
  return {
    service,
    serviceId,
    method: 'POST',
    path: '/',
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    body: new URLSearchParams(parameters).toString(),
  };
}

function stackNameOf(body: string | undefined): string {
  return new URLSearchParams(body ?? '').get('StackName') ?? '(unnamed)';
}

// biome-ignore lint/suspicious/noExplicitAny: the shape of a parsed XML answer is checked field by field
type XmlValue = any;

function parsed(response: AwsResponse): XmlValue {
  return parseXML(response.body) as XmlValue;
}

/** A Query-protocol list: `<Name><member>…</member>…</Name>`; the parser gives one member as an object. */
function members(list: XmlValue): XmlValue[] {
  const member = list?.member;
  if (member === undefined || member === '') return [];
  return Array.isArray(member) ? member : [member];
}

/** The error code and message of an AWS answer: an XML ErrorResponse (Query) or a JSON body (REST-JSON). */
function errorOf(response: AwsResponse): { code: string; message: string } {
  const typeHeader = response.headers.get('x-amzn-errortype');
  if (typeHeader || response.body.trimStart().startsWith('{')) {
    let body: { message?: string; Message?: string; __type?: string } = {};
    try {
      body = JSON.parse(response.body);
    } catch {
      // not JSON after all: keep the header's code
    }
    const code = (typeHeader ?? body.__type ?? `HTTP${response.status}`).split(':')[0]?.split('#').pop();
    return { code: code ?? `HTTP${response.status}`, message: body.message ?? body.Message ?? '' };
  }
  try {
    const error = parsed(response).ErrorResponse?.Error ?? parsed(response).Response?.Errors?.Error;
    return { code: String(error?.Code ?? `HTTP${response.status}`), message: String(error?.Message ?? '') };
  } catch {
    return { code: `HTTP${response.status}`, message: response.body.slice(0, 200) };
  }
}
