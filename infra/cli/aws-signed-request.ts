// One SigV4-signed HTTPS request to an AWS API, for the three calls the operator commands make beyond
// DynamoDB (CloudFormation DescribeStacks, Lambda GetFunctionConfiguration, CloudWatch DescribeAlarms).
// Why not their SDK clients: @aws-sdk/client-cloudformation, client-lambda and client-cloudwatch are not
// installed, and this checkout cannot add packages; the SDK's own credential chain and region resolution
// are reused (through the DynamoDB client's resolved configuration), so `--profile`, SSO, environment
// variables and instance roles behave as they do for every other AWS tool. When the clients are added,
// aws-operator-api.ts is the one file to change.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity } from '@smithy/types';
import { AwsCredentialsError } from './target-errors.js';

export interface AwsRequest {
  /** The signing name and endpoint prefix: `cloudformation`, `lambda`, `monitoring`. */
  readonly service: string;
  /** The SDK's service id, as in `AWS_ENDPOINT_URL_<ID>`: `CLOUDFORMATION`, `LAMBDA`, `CLOUDWATCH`. */
  readonly serviceId: string;
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

export interface AwsResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: string;
}

export interface AwsSession {
  readonly region: string;
  readonly profile: string | undefined;
  send(request: AwsRequest): Promise<AwsResponse>;
}

/**
 * The region and credentials of the default chain (or `profile`), resolved once. Endpoints follow the SDK's
 * variables: `AWS_ENDPOINT_URL_<SERVICE>`, then `AWS_ENDPOINT_URL`, else `https://<service>.<region>.amazonaws.com`.
 */
export async function openAwsSession(
  options: { readonly region?: string | undefined; readonly profile?: string | undefined },
  env: NodeJS.ProcessEnv,
): Promise<AwsSession> {
  const resolver = new DynamoDBClient({
    ...(options.region ? { region: options.region } : {}),
    ...(options.profile ? { profile: options.profile } : {}),
  });
  let region: string;
  try {
    region = await resolver.config.region();
  } catch {
    resolver.destroy();
    throw new AwsCredentialsError(
      'no AWS region: pass --region, set AWS_REGION, or give the profile a region',
      options.profile,
    );
  }
  let credentials: AwsCredentialIdentity;
  try {
    credentials = await resolver.config.credentials();
  } catch (error) {
    throw new AwsCredentialsError(
      `no usable AWS credentials (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`,
      options.profile,
    );
  } finally {
    resolver.destroy();
  }
  const signer = new SignatureV4({
    credentials,
    region,
    service: 'unused', // set per request below
    sha256: resolver.config.sha256,
  });
  return {
    region,
    profile: options.profile,
    async send(request) {
      const url = new URL(request.path, endpointOf(request, region, env));
      const signed = await signer.sign(
        {
          method: request.method,
          protocol: url.protocol,
          hostname: url.hostname,
          ...(url.port ? { port: Number(url.port) } : {}),
          path: url.pathname,
          query: Object.fromEntries(url.searchParams),
          headers: { host: url.host, ...request.headers },
          ...(request.body === undefined ? {} : { body: request.body }),
        },
        { signingService: request.service, signingRegion: region },
      );
      const response = await fetch(url, {
        method: request.method,
        headers: signed.headers,
        ...(request.body === undefined ? {} : { body: request.body }),
      });
      return { status: response.status, headers: response.headers, body: await response.text() };
    },
  };
}

function endpointOf(request: AwsRequest, region: string, env: NodeJS.ProcessEnv): string {
  const own = env[`AWS_ENDPOINT_URL_${request.serviceId}`] ?? env.AWS_ENDPOINT_URL;
  if (own) return own;
  return `https://${request.service}.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}/`;
}
