// A loopback stand-in for the three AWS APIs `--stack` reads besides DynamoDB, answering in their wire
// formats (CloudFormation and CloudWatch: Query protocol, XML; Lambda: REST-JSON), as their API references
// show them. It is here because their SDK clients are not installed (infra/cli/aws-signed-request.ts), so
// aws-sdk-client-mock has no client to stub; over HTTP it also proves the requests are signed and parsed.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeStack {
  readonly outputs: Readonly<Record<string, string>>;
}

export interface FakeAwsState {
  /** By stack name or stack id. */
  readonly stacks: Map<string, FakeStack>;
  readonly functions: Map<string, Record<string, string>>;
  readonly alarms: Map<string, { state: string; reason: string }>;
  /** A stack name answered with this error code (HTTP 403), e.g. ExpiredToken. */
  readonly refusals: Map<string, string>;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly authorization: string;
  readonly body: string;
}

export interface FakeAws {
  readonly url: string;
  readonly state: FakeAwsState;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

const xmlEscape = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export async function startFakeAws(): Promise<FakeAws> {
  const state: FakeAwsState = {
    stacks: new Map(),
    functions: new Map(),
    alarms: new Map(),
    refusals: new Map(),
  };
  const requests: RecordedRequest[] = [];
  const server: Server = createServer(async (request, response) => {
    const body = await readBody(request);
    const authorization = String(request.headers.authorization ?? '');
    requests.push({ method: request.method ?? '', path: request.url ?? '', authorization, body });
    const answer = (status: number, type: string, text: string) => {
      response.writeHead(status, { 'content-type': type });
      response.end(text);
    };
    const lambda = /^\/2015-03-31\/functions\/([^/]+)\/configuration$/.exec(request.url ?? '');
    if (lambda) {
      const variables = state.functions.get(decodeURIComponent(lambda[1] as string));
      if (!variables) {
        response.writeHead(404, { 'x-amzn-errortype': 'ResourceNotFoundException' });
        response.end(JSON.stringify({ Type: 'User', message: `Function not found: ${lambda[1]}` }));
        return;
      }
      answer(
        200,
        'application/json',
        JSON.stringify({ FunctionName: lambda[1], Environment: { Variables: variables } }),
      );
      return;
    }
    const parameters = new URLSearchParams(body);
    const action = parameters.get('Action');
    if (action === 'DescribeStacks') {
      const name = parameters.get('StackName') ?? '';
      const refusal = state.refusals.get(name);
      if (refusal) {
        answer(403, 'text/xml', errorXml(refusal, 'The security token included in the request is expired'));
        return;
      }
      const stack = state.stacks.get(name);
      if (!stack) {
        answer(400, 'text/xml', errorXml('ValidationError', `Stack with id ${name} does not exist`));
        return;
      }
      const outputs = Object.entries(stack.outputs)
        .map(
          ([key, value]) =>
            `<member><OutputKey>${xmlEscape(key)}</OutputKey><OutputValue>${xmlEscape(value)}</OutputValue></member>`,
        )
        .join('');
      answer(
        200,
        'text/xml',
        `<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><DescribeStacksResult><Stacks><member><StackName>${xmlEscape(name)}</StackName><StackStatus>UPDATE_COMPLETE</StackStatus><Outputs>${outputs}</Outputs></member></Stacks></DescribeStacksResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></DescribeStacksResponse>`,
      );
      return;
    }
    if (action === 'DescribeAlarms') {
      const names = [...parameters.entries()].filter(([key]) => key.startsWith('AlarmNames.member.'));
      const members = names
        .flatMap(([, name]) => {
          const alarm = state.alarms.get(name);
          return alarm
            ? [
                `<member><AlarmName>${xmlEscape(name)}</AlarmName><StateValue>${alarm.state}</StateValue><StateReason>${xmlEscape(alarm.reason)}</StateReason><StateUpdatedTimestamp>2026-12-03T04:00:00.000Z</StateUpdatedTimestamp></member>`,
              ]
            : [];
        })
        .join('');
      answer(
        200,
        'text/xml',
        `<DescribeAlarmsResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/"><DescribeAlarmsResult><MetricAlarms>${members}</MetricAlarms><CompositeAlarms/></DescribeAlarmsResult></DescribeAlarmsResponse>`,
      );
      return;
    }
    answer(400, 'text/xml', errorXml('InvalidAction', `unexpected request ${request.method} ${request.url}`));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    state,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function errorXml(code: string, message: string): string {
  return `<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error><RequestId>1</RequestId></ErrorResponse>`;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString()));
    request.on('error', reject);
  });
}
