// A job's app key, read with the operator's credentials (`audit` and `backfill --stack`). The Lambda's
// SecretsManagerKeySource keeps only the SDK error's name in its message, for logs; at a terminal the operator
// needs the sentence: which refusal, and the way past it. The commonest is by design: a secret the stack
// created denies GetSecretValue to every role but the job's own functions and `breakGlassRoleArn`
// (infra/aws/secret-access.ts), so an operator's everyday role is refused even with secretsmanager:* on "*".
import {
  type AppKey,
  type KeySource,
  KeySourceUnavailableError,
} from '../../functions/app-key/key-source.js';
import { type AwsCall, firstLineOf, operatorAwsError } from './aws-call-errors.js';
import { AwsApiError } from './target-errors.js';

/** Still a KeySourceUnavailableError (reason `key-source-unavailable`) to the run ledger and the diagnosis. */
export class AppKeyRefusedError extends KeySourceUnavailableError {}

/** `source`, whose failures to read the secret `secretId` are explained for the operator. */
export function operatorKeySource(
  source: KeySource,
  secretId: string,
  call: Omit<AwsCall, 'action' | 'service'>,
): KeySource {
  const explaining = async (read: () => Promise<AppKey>): Promise<AppKey> => {
    try {
      return await read();
    } catch (error) {
      throw explained(error, secretId, { ...call, action: 'GetSecretValue', service: 'Secrets Manager' });
    }
  };
  return {
    describe: () => source.describe(),
    get: () => explaining(() => source.get()),
    refresh: () => explaining(() => source.refresh()),
  };
}

function explained(error: unknown, secretId: string, call: AwsCall): unknown {
  // A secret that holds no usable key (MalformedSecretError) already says so; only the read itself is explained.
  if (!(error instanceof KeySourceUnavailableError)) return error;
  const translated = operatorAwsError(error.cause, call);
  if (!(translated instanceof AwsApiError)) return translated;
  const aws = firstLineOf(error.cause);
  if (translated.code === 'AccessDeniedException') {
    return new AppKeyRefusedError(
      `these credentials may not read the job's app key: GetSecretValue on ${secretId} was refused (${aws}). ` +
        `A secret the stack created refuses its value to every role but the job's own functions and the ` +
        `configuration's breakGlassRoleArn (with a customer managed key, its key policy too): run audit and ` +
        `backfill as the break-glass role (--profile <a profile that assumes it>). A secret of your own needs ` +
        `secretsmanager:GetSecretValue on it for these credentials. status and runs read no key`,
      { cause: error },
    );
  }
  if (translated.code === 'ResourceNotFoundException') {
    return new AppKeyRefusedError(
      `the job's app key secret ${secretId} does not exist in ${call.region} (${aws}): the job's sync function ` +
        `names it (APP_KEY_SECRET_ID); create it, or fix the job's secret in the configuration and deploy`,
      { cause: error },
    );
  }
  return translated;
}
