// The IAM resource ARN of a secret the configuration names. The schema (infra/config/fields.ts) admits only
// a name or a complete ARN: a name gets Secrets Manager's random suffix matched ("-??????"), a complete ARN
// is used as it is. A partial ARN is refused here too, so no caller can bring the ambiguity back.
import { ArnFormat, Stack } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { COMPLETE_SECRET_ARN, existingSecretProblem } from '../config/fields.js';

export function existingSecretPolicyArn(scope: Construct, nameOrArn: string): string {
  const problem = existingSecretProblem(nameOrArn, 'an existing secret');
  if (problem) throw new Error(problem);
  if (COMPLETE_SECRET_ARN.test(nameOrArn)) return nameOrArn;
  return Stack.of(scope).formatArn({
    service: 'secretsmanager',
    resource: 'secret',
    resourceName: `${nameOrArn}-??????`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}
