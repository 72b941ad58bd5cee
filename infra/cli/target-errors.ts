// The errors finding a target can end in, each a sentence that says what to do next.

const CREDENTIAL_CHAIN =
  'the default credential chain looks at AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN), ' +
  'then AWS_PROFILE or --profile in ~/.aws/config and ~/.aws/credentials (SSO: aws sso login --profile <name>), ' +
  'then a container or instance role';

/** No credentials, expired ones, or ones AWS does not recognise. */
export class AwsCredentialsError extends Error {
  override readonly name = 'AwsCredentialsError';
  constructor(problem: string, profile: string | undefined) {
    super(
      `${problem}${profile ? ` (profile ${profile})` : ''}: ${CREDENTIAL_CHAIN}; pass --profile <name> to pick one`,
    );
  }
}

/** An AWS API answered with an error that is not about credentials. */
export class AwsApiError extends Error {
  override readonly name = 'AwsApiError';
  constructor(
    readonly action: string,
    readonly status: number,
    readonly code: string,
    detail: string,
  ) {
    super(`${action} failed: HTTP ${status} ${code}${detail ? `: ${detail}` : ''}`);
  }
}

/** Error codes AWS answers with when the credentials, not the caller's permissions, are the problem. */
export const CREDENTIAL_ERROR_CODES: ReadonlySet<string> = new Set([
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'MissingAuthenticationToken',
]);

export class StackNotFoundError extends Error {
  override readonly name = 'StackNotFoundError';
  constructor(stack: string, region: string) {
    super(
      `stack ${stack} does not exist in ${region} (CloudFormation DescribeStacks): check the name (the "stackName" of the configuration) and --region`,
    );
  }
}

export class NotASyncwardenStackError extends Error {
  override readonly name = 'NotASyncwardenStackError';
  constructor(stack: string, missing: readonly string[]) {
    super(
      `stack ${stack} has no syncwarden outputs (missing ${missing.join(', ')}): it is another stack, or it was deployed by a syncwarden older than the operator commands; deploy this version (npx cdk deploy) to add them`,
    );
  }
}

/** The job is not one the target knows; names the ones it does. */
export function unknownJobError(job: string, known: readonly string[], where: string): Error {
  return new Error(
    `unknown job ${JSON.stringify(job)} in ${where}; its jobs: ${known.length > 0 ? known.join(', ') : 'none'}`,
  );
}
