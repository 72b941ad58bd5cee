// What an operator command says when one of its AWS SDK calls fails: the credentials (none found, or
// refused by AWS), an AWS answer that is an error, or no answer at all. The SDK's shapes, as its clients
// throw them (checked against client-cloudformation, -lambda and -cloudwatch 3.1178 over loopback):
// - an answer that is an error is a ServiceException whose `name` is the service's error code
//   (https://docs.aws.amazon.com/sdk-for-javascript/v3/developer-guide/the-response-object.html) and whose
//   `$metadata.httpStatusCode` is the answer's status (a body the SDK could not parse keeps the status too);
// - a connection that failed (refused, reset, DNS, timeout) is the socket's error, after the client's
//   retries, with `$metadata` but no status;
// - a credential chain that found nothing, or an SSO token that has expired, throws a
//   CredentialsProviderError or TokenProviderError (@smithy/property-provider) before any request is sent.
import { AwsApiError, AwsCredentialsError, CREDENTIAL_ERROR_CODES } from './target-errors.js';

/** One call, for the sentence its failure ends in. */
export interface AwsCall {
  /** The API action, e.g. `DescribeStacks`. */
  readonly action: string;
  /** The service as an operator names it, e.g. `CloudFormation`. */
  readonly service: string;
  readonly region: string;
  readonly profile: string | undefined;
}

interface SdkErrorShape {
  readonly name?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: unknown };
}

/** Names of the errors the SDK's credential and token providers throw when they cannot give credentials. */
const PROVIDER_ERRORS: ReadonlySet<string> = new Set(['CredentialsProviderError', 'TokenProviderError']);

/** The error to throw for `error`, thrown by the SDK client making `call`. */
export function operatorAwsError(error: unknown, call: AwsCall): Error {
  const shape: SdkErrorShape = typeof error === 'object' && error !== null ? error : {};
  const message = firstLineOf(error);
  if (typeof shape.name === 'string' && PROVIDER_ERRORS.has(shape.name)) {
    return new AwsCredentialsError(`no usable AWS credentials (${message})`, call.profile);
  }
  const status = shape.$metadata?.httpStatusCode;
  if (typeof status !== 'number') {
    return new Error(`${call.action}: ${call.service} in ${call.region} did not answer (${message})`);
  }
  const code = typeof shape.name === 'string' && shape.name !== '' ? shape.name : `HTTP${status}`;
  if (CREDENTIAL_ERROR_CODES.has(code)) {
    return new AwsCredentialsError(`AWS refused the credentials (${code}: ${message})`, call.profile);
  }
  return new AwsApiError(call.action, status, code, message);
}

/** An SDK message can go on for lines (a deserialization error explains `$response`); the first says what. */
export function firstLineOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? '';
}
